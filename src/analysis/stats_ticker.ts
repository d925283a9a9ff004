/**
 * Periodic throughput stats (`--stats`, `--stats-interval-ms`,
 * `--top-flows`). Ticks follow capture time: for a file, the same file
 * always gives the same ticks. Each tick covers one interval
 * [start, start + interval) of capture time and reports bits/s, packets/s,
 * active flows, new and expired flows, alerts and drops in it, plus the
 * top-N flows by bytes moved in the interval (selected with a heap, not by
 * sorting the table). Intervals in which nothing was captured produce no
 * tick (a file with an hour-long gap does not print 3,600 empty lines).
 *
 * @module
 */

import { TopN } from "./top_n.ts";

/** What the ticker needs from the flow table. */
export interface TickFlowSource {
  /** Flows alive now. */
  readonly size: number;
  /** Flows created so far (cumulative). */
  readonly created: number;
  /** Flows expired or evicted so far (cumulative). */
  readonly removed: number;
  /** Per-slot bytes since the last `resetIntervalBytes()`, and how many slots to scan. */
  readonly intervalBytes: Float64Array;
  readonly slotCount: number;
  /** Zeroes the per-slot interval bytes. */
  resetIntervalBytes(): void;
  /** Describes one flow for the top-flows list. */
  describeFlow(slot: number): TopFlowInfo;
}

/** One top flow as shown in a tick. */
export interface TopFlowInfo {
  protocol: string;
  endpoint_a: string;
  endpoint_b: string;
  tcp_state: string | null;
  bytes_total: number;
}

/** One tick, as printed and as sent as JSON (`type: "stats"`). */
export interface StatsTick {
  type: "stats";
  /** Interval start, seconds since the epoch. */
  ts: number;
  interval_secs: number;
  packets: number;
  bytes: number;
  bits_per_sec: number;
  packets_per_sec: number;
  active_flows: number;
  new_flows: number;
  expired_flows: number;
  alerts: number;
  drops: number;
  top_flows: (TopFlowInfo & { rank: number; bytes: number; bits_per_sec: number })[];
}

/** Counters from outside the flow table sampled at each tick. */
export interface TickCounters {
  alerts(): number;
  drops(): number;
}

/** Emits a tick whenever capture time crosses an interval boundary. */
export class StatsTicker {
  readonly intervalSecs: number;
  readonly topN: number;
  /** Capture time (relative seconds) at which the current interval ends. */
  nextAt = Infinity;
  #start = 0;
  #baseSec: number;
  #packets = 0;
  #bytes = 0;
  #created = 0;
  #removed = 0;
  #alerts = 0;
  #drops = 0;
  readonly #top: TopN;
  readonly #out: Int32Array;

  constructor(
    intervalMs: number,
    topN: number,
    baseSec: number,
    readonly flows: TickFlowSource | null,
    readonly counters: TickCounters,
  ) {
    this.intervalSecs = intervalMs / 1000;
    this.topN = topN;
    this.#baseSec = baseSec;
    this.#top = new TopN(Math.max(1, topN));
    this.#out = new Int32Array(Math.max(1, topN));
  }

  /** Sets the whole seconds of the first packet (tick times are absolute). */
  setBaseSec(baseSec: number): void {
    this.#baseSec = baseSec;
  }

  /**
   * Counts one packet at capture time `t`; returns a finished tick when `t`
   * starts a new interval (call before the packet is added to the flow
   * table, so the tick's flows are the previous interval's), else null.
   */
  observe(t: number, wireLen: number): StatsTick | null {
    let tick: StatsTick | null = null;
    if (t >= this.nextAt) {
      tick = this.#finish();
      // Jump to the interval containing t (empty intervals are skipped).
      const k = Math.floor((t - this.#start) / this.intervalSecs);
      this.#start += k * this.intervalSecs;
      this.nextAt = this.#start + this.intervalSecs;
    } else if (this.nextAt === Infinity) {
      this.#start = Math.floor(t / this.intervalSecs) * this.intervalSecs;
      this.nextAt = this.#start + this.intervalSecs;
    }
    this.#packets++;
    this.#bytes += wireLen;
    return tick;
  }

  /** The last, partial interval (end of capture); null if it saw no packet. */
  flush(t: number): StatsTick | null {
    if (this.#packets === 0) return null;
    const span = Math.max(t - this.#start, 1e-6);
    return this.#finish(Math.min(span, this.intervalSecs));
  }

  #finish(span = this.intervalSecs): StatsTick {
    const f = this.flows;
    const created = f === null ? 0 : f.created;
    const removed = f === null ? 0 : f.removed;
    const alerts = this.counters.alerts(), drops = this.counters.drops();
    const top: StatsTick["top_flows"] = [];
    if (f !== null && this.topN > 0) {
      const m = this.#top.select(f.intervalBytes, f.slotCount, this.topN, this.#out);
      for (let k = 0; k < m; k++) {
        const slot = this.#out[k]!;
        const bytes = f.intervalBytes[slot]!;
        top.push({ rank: k + 1, ...f.describeFlow(slot), bytes, bits_per_sec: (bytes * 8) / span });
      }
    }
    if (f !== null) f.resetIntervalBytes();
    const tick: StatsTick = {
      type: "stats",
      ts: this.#baseSec + this.#start,
      interval_secs: span,
      packets: this.#packets,
      bytes: this.#bytes,
      bits_per_sec: (this.#bytes * 8) / span,
      packets_per_sec: this.#packets / span,
      active_flows: f === null ? 0 : f.size,
      new_flows: created - this.#created,
      expired_flows: removed - this.#removed,
      alerts: alerts - this.#alerts,
      drops: drops - this.#drops,
      top_flows: top,
    };
    this.#created = created;
    this.#removed = removed;
    this.#alerts = alerts;
    this.#drops = drops;
    this.#packets = 0;
    this.#bytes = 0;
    return tick;
  }
}

function rate(bps: number): string {
  if (bps >= 1e9) return (bps / 1e9).toFixed(2) + " Gbit/s";
  if (bps >= 1e6) return (bps / 1e6).toFixed(2) + " Mbit/s";
  if (bps >= 1e3) return (bps / 1e3).toFixed(2) + " kbit/s";
  return bps.toFixed(0) + " bit/s";
}

/** The tick as terminal lines. */
export function formatTick(t: StatsTick, isoTs: string): string {
  const lines = [
    `[stats ${isoTs}] ${rate(t.bits_per_sec)}, ${t.packets_per_sec.toFixed(1)} pkt/s, ` +
    `${t.active_flows} active flows (+${t.new_flows} new, -${t.expired_flows} expired), ` +
    `${t.alerts} alerts, ${t.drops} drops`,
  ];
  for (const f of t.top_flows) {
    lines.push(
      `  ${f.rank}. ${f.protocol} ${f.endpoint_a} <-> ${f.endpoint_b}  ${rate(f.bits_per_sec)}` +
        `  (${f.bytes} B this interval, ${f.bytes_total} B total${
          f.tcp_state ? ", " + f.tcp_state : ""
        })`,
    );
  }
  return lines.join("\n");
}
