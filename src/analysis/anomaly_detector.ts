/**
 * Anomaly detection facade: runs the SYN flood and port scan detectors on
 * every decoded packet and queues the alerts they raise for the pipeline to
 * print (`alertLine`) and write (`alertJsonLine`, `--alerts-jsonl`).
 *
 * Usage (inline pipeline):
 *
 * ```ts
 * const anomalies = new AnomalyDetector(settings.analysis.anomalies);
 * // first packet: anomalies.baseSec = frame.tsSec;
 * anomalies.observe(rec, (frame.tsSec - baseSec) + frame.tsNsec / 1e9);
 * for (const a of anomalies.takeAlerts()) out.line(alertLine(a));
 * ```
 *
 * Rules, window semantics and memory bounds: see `syn_flood.ts`,
 * `port_scan.ts` and `window_clock.ts`. A packet that is neither a TCP SYN
 * without ACK nor UDP costs a couple of field reads. Nothing is allocated
 * per packet except when an alert is raised.
 *
 * @module
 */

import type { AnomalySettings } from "../cli/config.ts";
import {
  IPPROTO_TCP,
  IPPROTO_UDP,
  type PacketRecord,
  TCP_ACK,
  TCP_SYN,
} from "../protocol/packet.ts";
import type { Alert } from "./alert.ts";
import { PortScanDetector, type PortScanLimits } from "./port_scan.ts";
import { SynFloodDetector, type SynFloodLimits } from "./syn_flood.ts";

/** Options of an {@link AnomalyDetector}. */
export interface AnomalyDetectorOptions {
  /** Whole seconds of the run's first packet, for absolute alert times (default 0). */
  baseSec?: number;
  /** Maximum destinations the SYN flood detector tracks (default 65,536). */
  maxTargets?: number;
  /** Maximum sources the port scan detector tracks (default 65,536). */
  maxSources?: number;
  /** Size of the SYN flood detector's (destination, source) pool (default 262,144). */
  maxFloodEntries?: number;
  /** Size of the port scan detector's port/host pool (default 262,144). */
  maxScanEntries?: number;
  /**
   * Called with each alert as it is raised. When set, alerts go only here
   * and {@link AnomalyDetector.takeAlerts} returns nothing.
   */
  onAlert?: (alert: Alert) => void;
  /** Hash seed (tests); random when absent. */
  seed?: number;
}

const NO_ALERTS: readonly Alert[] = Object.freeze([]);

/** Both detectors behind one `observe()`, with an alert queue and counters. */
export class AnomalyDetector {
  /** The SYN flood detector, null when disabled. */
  readonly synFlood: SynFloodDetector | null;
  /** The port scan detector, null when disabled. */
  readonly portScan: PortScanDetector | null;
  /** Alerts raised, all kinds. */
  alertsRaised = 0;
  /** SYN flood alerts raised. */
  synFloodAlerts = 0;
  /** Port scan alerts raised. */
  portScanAlerts = 0;

  #queue: Alert[] = [];
  readonly #onAlert: ((alert: Alert) => void) | null;
  #baseSec: number;

  /**
   * With `settings.enabled` false (or both kinds disabled) nothing is
   * tracked and `observe()` does nothing.
   */
  constructor(settings: AnomalySettings, opts: AnomalyDetectorOptions = {}) {
    this.#baseSec = opts.baseSec ?? 0;
    this.#onAlert = opts.onAlert ?? null;
    const floodLimits: SynFloodLimits = {
      maxTargets: opts.maxTargets,
      maxEntries: opts.maxFloodEntries,
      seed: opts.seed,
    };
    const scanLimits: PortScanLimits = {
      maxSources: opts.maxSources,
      maxEntries: opts.maxScanEntries,
      seed: opts.seed,
    };
    this.synFlood = settings.enabled && settings.syn_flood.enabled
      ? new SynFloodDetector(settings.syn_flood, this.#baseSec, floodLimits)
      : null;
    this.portScan = settings.enabled && settings.port_scan.enabled
      ? new PortScanDetector(settings.port_scan, this.#baseSec, scanLimits)
      : null;
  }

  /** Whole seconds of the run's first packet (alert times are `baseSec + t`). */
  get baseSec(): number {
    return this.#baseSec;
  }

  set baseSec(v: number) {
    this.#baseSec = v;
    if (this.synFlood !== null) this.synFlood.baseSec = v;
    if (this.portScan !== null) this.portScan.baseSec = v;
  }

  /**
   * Feeds one decoded packet at capture time `t` (seconds relative to the
   * run's first packet, `(tsSec − baseSec) + tsNsec / 1e9`).
   */
  observe(rec: PacketRecord, t: number): void {
    const proto = rec.ipProto;
    if (proto === IPPROTO_TCP) {
      if ((rec.tcpFlags & (TCP_SYN | TCP_ACK)) !== TCP_SYN) return;
      if (this.synFlood !== null) {
        const a = this.synFlood.observe(rec, t);
        if (a !== null) this.#raise(a);
      }
    } else if (proto !== IPPROTO_UDP) {
      return;
    }
    if (this.portScan !== null) {
      const a = this.portScan.observe(rec, t);
      if (a !== null) this.#raise(a);
    }
  }

  /** Returns the alerts raised since the last call, oldest first, and empties the queue. */
  takeAlerts(): readonly Alert[] {
    if (this.#queue.length === 0) return NO_ALERTS;
    const q = this.#queue;
    this.#queue = [];
    return q;
  }

  /** Flood destinations evicted while still in their window (lost evidence). */
  get droppedTargets(): number {
    return this.synFlood === null ? 0 : this.synFlood.droppedTargets;
  }

  /** Scan sources evicted while still in their window (lost evidence). */
  get droppedSources(): number {
    return this.portScan === null ? 0 : this.portScan.droppedSources;
  }

  #raise(a: Alert): void {
    this.alertsRaised++;
    if (a.kind === "syn_flood") this.synFloodAlerts++;
    else this.portScanAlerts++;
    if (this.#onAlert !== null) this.#onAlert(a);
    else this.#queue.push(a);
  }
}
