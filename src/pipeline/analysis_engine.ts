/**
 * The analysis engine: everything NetScope computes from decoded packets
 * beyond the per-packet display — the flow table with TCP analysis, anomaly
 * detection and periodic stats. One engine per packet stream; the sharded
 * pipeline will run one per shard. Results leave through the sinks:
 * stats ticks, alerts, and flows that ended (idle, closed, evicted).
 *
 * Per packet (`observe`): the stats tick check, flow expiry once per second
 * of capture time, the flow table (and TCP analyzer), and the anomaly
 * detector. A flow's bytes in a stats interval (for top flows) are its
 * total at the tick minus its total at the interval's start, computed per
 * tick over the table's slots, not counted per packet. Time is capture time `t`,
 * seconds relative to the run's first packet (`baseSec`).
 *
 * @module
 */

import type { Alert } from "../analysis/alert.ts";
import { AnomalyDetector } from "../analysis/anomaly_detector.ts";
import {
  type StatsTick,
  StatsTicker,
  type TickFlowSource,
  type TopFlowInfo,
} from "../analysis/stats_ticker.ts";
import type { AnomalySettings } from "../cli/config.ts";
import { type FlowRecord, micros } from "../export/flow_record.ts";
import { type FlowRemoveReason, FlowTable } from "../flow/flow_table.ts";
import { TCP_STATE_NAMES, TcpAnalyzer } from "../flow/tcp_analyzer.ts";
import { IPPROTO_TCP, type PacketRecord } from "../protocol/packet.ts";

/** What the engine computes; null parts are off. */
export interface EngineOptions {
  /** Track flows (needed by exports, stats flows and port-scan answers). */
  flows: boolean;
  /** Flow idle timeout, seconds of capture time (0 = never). */
  timeoutSecs: number;
  /** Maximum live flows (0 = unlimited). */
  maxFlows: number;
  /** TCP analysis switches; all false = scale mode (no TCP columns). */
  rtt: boolean;
  retrans: boolean;
  outOfOrder: boolean;
  /** Anomaly detection settings, or null when off. */
  anomalies: AnomalySettings | null;
  /** Periodic stats, or null when off. */
  stats: { intervalMs: number; topN: number } | null;
}

/** Where results go. */
export interface EngineSinks {
  onTick(tick: StatsTick): void;
  onAlert(alert: Alert): void;
  /**
   * A flow left the table before the end (idle timeout, TCP close,
   * eviction); null when nobody wants them (building the record costs a
   * Community ID hash and address strings per flow).
   */
  onFlowEnd: ((flow: FlowRecord, reason: FlowRemoveReason) => void) | null;
}

/**
 * Most packets per {@link AnalysisEngine.observeBatch} call. 16 lets the
 * misses of 16 packets overlap; measured on a 100k-flow table with 10k-100k
 * flows active, batches of 16 cut the flow table's time per packet by
 * about a third to a half (docs/performance.md).
 */
export const ENGINE_BATCH = 16;

/** Pending contacts whose flows observeBatch reads ahead of their `answered` check. */
const PENDING_WARM = 4;

/** How often (capture seconds) idle flows are looked for. */
const EXPIRE_EVERY_SECS = 1;

/** The engine (see the module doc). */
export class AnalysisEngine implements TickFlowSource {
  readonly table: FlowTable | null;
  readonly tcp: TcpAnalyzer | null;
  readonly detector: AnomalyDetector | null;
  readonly ticker: StatsTicker | null;
  #baseSec = 0;
  #started = false;
  #nextExpire = 0;
  #lastT = 0;
  /** Per-slot bytes of the current interval, computed when a tick asks (see intervalBytes). */
  #interval: Float64Array = new Float64Array(0);
  /** Per-slot total bytes of the flow at the start of the current interval (0 for newer flows). */
  #intervalStart: Float64Array = new Float64Array(0);
  #intervalReady = false;
  /** Flow hashes of the batch being observed. */
  readonly #hashes = new Int32Array(ENGINE_BATCH);
  /** Flow slots of the contacts the detector judges next (see observeBatch). */
  readonly #dueSlots = new Int32Array(PENDING_WARM);
  readonly #sinks: EngineSinks;

  constructor(readonly options: EngineOptions, sinks: EngineSinks) {
    this.#sinks = sinks;
    const needFlows = options.flows || options.stats !== null || options.anomalies !== null;
    const scale = !options.rtt && !options.retrans && !options.outOfOrder;
    this.tcp = needFlows && !scale
      ? new TcpAnalyzer(1024, {
        rtt: options.rtt,
        retrans: options.retrans,
        outOfOrder: options.outOfOrder,
        maxSlots: options.maxFlows > 0 ? options.maxFlows : undefined,
      })
      : null;
    const tcp = this.tcp;
    this.table = needFlows
      ? new FlowTable({
        timeoutSecs: options.timeoutSecs,
        maxFlows: options.maxFlows,
        tcp,
        onRemove: (slot, reason) => this.#flowRemoved(slot, reason),
        tcpSnapshot: tcp === null ? null : (slot) => tcp.snapshot(slot),
      })
      : null;
    const table = this.table;
    this.detector = options.anomalies === null ? null : new AnomalyDetector(options.anomalies, {
      onAlert: (a) => sinks.onAlert(a),
      answered: table === null ? null : (slot, firstSeen) => this.#answered(slot, firstSeen),
    });
    this.ticker = options.stats === null ? null : new StatsTicker(
      options.stats.intervalMs,
      options.stats.topN,
      0,
      table === null ? null : this,
      {
        alerts: () => this.detector?.alertsRaised ?? 0,
        drops: () => 0,
      },
    );
  }

  /** Whole seconds of the first packet (set by the first `observe`). */
  get baseSec(): number {
    return this.#baseSec;
  }

  /** Sets the time origin; call once before the first `observe`. */
  start(baseSec: number): void {
    this.#baseSec = baseSec;
    this.#started = true;
    if (this.detector !== null) this.detector.baseSec = baseSec;
    this.ticker?.setBaseSec(baseSec);
  }

  /** One decoded packet at capture time `t`. */
  observe(rec: PacketRecord, t: number): void {
    this.#observe(rec, t, -1);
  }

  /** `observe`; `batchIndex` >= 0: the flow table extracted the key in `hashOf`. */
  #observe(rec: PacketRecord, t: number, batchIndex: number): void {
    if (!this.#started) this.start(rec.frame.tsSec);
    this.#lastT = t;
    const ticker = this.ticker;
    if (ticker !== null) {
      const tick = ticker.observe(t, rec.frame.wireLen);
      if (tick !== null) this.#sinks.onTick(tick);
    }
    const table = this.table;
    let slot = -1;
    if (table !== null) {
      if (t >= this.#nextExpire) {
        table.expire(t);
        this.#nextExpire = t + EXPIRE_EVERY_SECS;
      }
      slot = batchIndex < 0 ? table.observe(rec, t) : table.observeKeyed(rec, t, batchIndex);
    }
    const det = this.detector;
    if (det !== null) {
      // A new flow's first-seen time is t, the detector's default.
      if (slot >= 0) det.observe(rec, t, slot, table!.lastIsNew);
      else det.observe(rec, t);
    }
  }

  /**
   * Packets `recs[0..n)` at capture times `ts[0..n)`, in order: the same
   * results as `observe` on each in turn, but the flow table's cache lines
   * for all of them (index buckets, then flow and TCP records) are read
   * first, so that their cache misses overlap instead of stalling one
   * packet after another. `n` is at most {@link ENGINE_BATCH}.
   */
  observeBatch(recs: readonly PacketRecord[], ts: Float64Array, n: number): void {
    const table = this.table;
    if (table === null) {
      for (let i = 0; i < n; i++) this.#observe(recs[i]!, ts[i]!, -1);
      return;
    }
    const h = this.#hashes;
    for (let i = 0; i < n; i++) h[i] = table.hashOf(recs[i]!, i);
    table.warmBuckets(h, n);
    table.warmRecords(h, n);
    const det = this.detector;
    if (det !== null) {
      // The flows of the contacts that will be judged next (about one
      // packet in five is a contact; each is judged 2 s later).
      table.warmSlots(this.#dueSlots, det.pendingSlots(this.#dueSlots, PENDING_WARM));
    }
    for (let i = 0; i < n; i++) this.#observe(recs[i]!, ts[i]!, i);
  }

  /** End of input: the last partial stats tick and pending anomaly checks. */
  finish(): void {
    const t = this.#lastT;
    this.detector?.flush(t);
    if (this.ticker !== null) {
      const tick = this.ticker.flush(t);
      if (tick !== null) this.#sinks.onTick(tick);
    }
  }

  /** Every live flow as an export record (allocates; for exports at exit). */
  forEachFlow(cb: (flow: FlowRecord) => void): void {
    const table = this.table;
    if (table === null) return;
    table.forEachFlow((slot) => cb(this.flowRecord(slot)));
  }

  /** The export record of the flow in `slot`. */
  flowRecord(slot: number): FlowRecord {
    const s = this.table!.snapshot(slot);
    const base = this.#baseSec;
    const duration = s.last_seen - s.first_seen;
    const packets = s.packets_a_to_b + s.packets_b_to_a;
    const bytes = s.bytes_a_to_b + s.bytes_b_to_a;
    return {
      protocol: s.protocol,
      endpoint_a_ip: s.endpoint_a_ip,
      endpoint_a_port: s.endpoint_a_port,
      endpoint_b_ip: s.endpoint_b_ip,
      endpoint_b_port: s.endpoint_b_port,
      first_seen: micros(base + s.first_seen),
      last_seen: micros(base + s.last_seen),
      duration_secs: micros(duration),
      packets_a_to_b: s.packets_a_to_b,
      packets_b_to_a: s.packets_b_to_a,
      bytes_a_to_b: s.bytes_a_to_b,
      bytes_b_to_a: s.bytes_b_to_a,
      packets_total: packets,
      bytes_total: bytes,
      avg_bps: duration > 0 ? Math.round((bytes * 8) / duration) : 0,
      tcp_state: s.tcp_state,
      client: s.client,
      retransmissions: s.retransmissions,
      out_of_order: s.out_of_order,
      rtt_last_ms: s.rtt_last_ms,
      rtt_min_ms: s.rtt_min_ms,
      rtt_ewma_ms: s.rtt_ewma_ms,
      rtt_samples: s.rtt_samples,
      vlan: s.vlan,
      community_id: s.community_id,
      handshake_rtt_ms: s.handshake_rtt_ms,
      dns_name: s.dns_name,
      sni: s.sni,
    };
  }

  // ---- TickFlowSource ----
  get size(): number {
    return this.table?.size ?? 0;
  }
  get created(): number {
    return this.table?.created ?? 0;
  }
  get removed(): number {
    return this.table === null ? 0 : this.table.expired + this.table.evicted;
  }
  /**
   * Bytes each slot's flow moved in the current interval: its total now
   * minus its total at the interval's start. Computed once per tick rather
   * than counted per packet (a per-slot add is one more cache miss per
   * packet on a large table).
   */
  get intervalBytes(): Float64Array {
    if (!this.#intervalReady) {
      const n = this.slotCount;
      if (this.#interval.length < n) this.#interval = new Float64Array(n);
      const out = this.#interval, start = this.#intervalStart;
      this.table!.totalBytesInto(out, n);
      const m = Math.min(n, start.length);
      for (let s = 0; s < m; s++) out[s]! -= start[s]!;
      this.#intervalReady = true;
    }
    return this.#interval;
  }
  get slotCount(): number {
    return this.table?.capacity ?? 0;
  }
  resetIntervalBytes(): void {
    if (this.table === null) return;
    const n = this.slotCount;
    const interval = this.intervalBytes; // this tick's, if it asked (nothing observed since)
    if (this.#intervalStart.length < n) {
      const next = new Float64Array(n);
      next.set(this.#intervalStart);
      this.#intervalStart = next;
    }
    // start + (total - start) = total: the next interval starts from here.
    const start = this.#intervalStart;
    for (let s = 0; s < n; s++) start[s]! += interval[s]!;
    this.#intervalReady = false;
  }
  describeFlow(slot: number): TopFlowInfo {
    const t = this.table!;
    const ep = (which: number, port: number) => {
      const ip = t.addressText(slot, which);
      const host = ip.includes(":") ? `[${ip}]` : ip;
      return port > 0 ? `${host}:${port}` : host;
    };
    return {
      protocol: protocolLabel(t.proto(slot)),
      endpoint_a: ep(0, t.portA(slot)),
      endpoint_b: ep(1, t.portB(slot)),
      tcp_state: this.tcp !== null && t.proto(slot) === IPPROTO_TCP
        ? TCP_STATE_NAMES[this.tcp.state(slot)]!
        : null,
      bytes_total: t.bytes(slot, 0) + t.bytes(slot, 1),
    };
  }

  #flowRemoved(slot: number, reason: FlowRemoveReason): void {
    const onFlowEnd = this.#sinks.onFlowEnd;
    if (onFlowEnd !== null && reason !== "end_of_capture") onFlowEnd(this.flowRecord(slot), reason);
    // The slot's next flow counts its interval bytes from zero.
    if (slot < this.#intervalStart.length) this.#intervalStart[slot] = 0;
  }

  /**
   * Whether the contact that created the flow in `slot` was answered: a
   * TCP SYN by a SYN-ACK (not by a RST: a refused connection is a failed
   * contact, with or without the TCP analyzer), a UDP (or
   * other) flow by any packet from the other side. A slot that now holds a
   * different flow (first seen differs) or none is unanswered.
   */
  #answered(slot: number, firstSeen: number): boolean {
    const t = this.table!;
    if (!t.isLive(slot) || t.firstSeen(slot) !== firstSeen) return false;
    const reverse = 1 - t.firstDir(slot);
    if (t.packets(slot, reverse) === 0) return false;
    return t.proto(slot) !== IPPROTO_TCP || t.sawSynAck(slot);
  }
}

function protocolLabel(proto: number): string {
  switch (proto) {
    case 6:
      return "tcp";
    case 17:
      return "udp";
    case 1:
      return "icmp";
    case 58:
      return "icmpv6";
  }
  return String(proto);
}
