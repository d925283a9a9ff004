/**
 * SYN flood detection per destination (ip, port).
 *
 * Rule (reference "Anomaly Detection"): alert when a destination receives
 * MORE THAN `syn_threshold` SYNs from AT LEAST `unique_src_threshold`
 * distinct source addresses within `window_secs`; then no new alert for that
 * destination for `cooldown_secs` (a new one is allowed once
 * `now − last alert ≥ cooldown_secs`, if the window still qualifies).
 *
 * A SYN is a TCP segment with SYN set and ACK clear (RFC 9293 §3.1; other
 * flags such as ECE/CWR, RFC 3168 §6.1.1, do not matter), over IPv4 or IPv6,
 * whose header was captured far enough to hold the flags. Non-first
 * fragments carry no TCP header and do not count.
 *
 * The window is the bucketed one of `window_clock.ts`: 8 buckets of
 * `window_secs / 8`; at time t the window is the current bucket and the 7
 * before it (at least 7/8 and less than all of `window_secs`).
 *
 * State, bounded:
 * - Targets: at most `maxTargets` (default 65,536) destinations in an LRU
 *   table. A new destination when the table is full evicts the least
 *   recently seen one; if that one still had SYNs in its window the loss is
 *   counted in `droppedTargets`. A flooded destination is always among the
 *   most recently seen, so it is never the one evicted.
 * - Per target: 8 SYN counters (one per bucket) and a running sum: the SYN
 *   count of the window is exact.
 * - Per target, the distinct sources of the window: the most recently seen
 *   sources, at most `sourceCap` = min(4·unique_src_threshold,
 *   unique_src_threshold + 1024) of them, in LRU order; a source whose last
 *   SYN left the window is dropped. This holds exactly the `sourceCap` most
 *   recent distinct sources, so "at least unique_src_threshold distinct
 *   sources in the window" is decided exactly; the reported count is exact
 *   below the cap and a lower bound at it. A new source at the cap replaces
 *   the least recent one (counted in `forgottenSources`: normal under a
 *   spoofed flood).
 * - All per-target source entries share one pool of `maxEntries` (default
 *   262,144); when it is full the least recently seen target is evicted
 *   (as above) to make room.
 *
 * IPv4 and IPv6 keys are full addresses (no hashing of addresses), so the
 * counts are exact. Nothing is allocated per packet; an alert allocates its
 * record.
 *
 * @module
 */

import type { SynFloodSettings } from "../cli/config.ts";
import {
  IPPROTO_TCP,
  NET_IPV4,
  NET_IPV6,
  type PacketRecord,
  TCP_ACK,
  TCP_SYN,
} from "../protocol/packet.ts";
import { addressText, endpointText, loadAddress } from "./ip_key.ts";
import { alertTime, makeSynFloodAlert, type SynFloodAlert } from "./alert.ts";
import { LruKeyTable } from "./lru_key_table.ts";
import { WINDOW_BUCKETS, WindowClock } from "./window_clock.ts";

/** Default cap on tracked destinations. */
export const DEFAULT_MAX_TARGETS = 65536;
/** Default size of the shared pool of per-target source entries. */
export const DEFAULT_MAX_SOURCE_ENTRIES = 262144;

/** Capacity limits of a {@link SynFloodDetector}. */
export interface SynFloodLimits {
  /** Maximum destinations tracked at once (default 65,536). */
  maxTargets?: number;
  /**
   * Size of the pool of (destination, source) entries shared by all
   * destinations (default 262,144; raised to 2 × the per-target cap if
   * smaller).
   */
  maxEntries?: number;
  /** Hash seed (tests); random when absent. */
  seed?: number;
}

/**
 * True for a TCP segment with SYN set and ACK clear (RFC 9293 §3.1), the
 * packets the SYN flood rule counts. The flags are only set when the
 * decoder saw them (a non-first fragment has none).
 */
export function isSyn(rec: PacketRecord): boolean {
  return rec.ipProto === IPPROTO_TCP && (rec.tcpFlags & (TCP_SYN | TCP_ACK)) === TCP_SYN;
}

/** Per-target source cap for a threshold: enough to decide "at least N". */
export function synFloodSourceCap(uniqueSrcThreshold: number): number {
  return Math.min(4 * uniqueSrcThreshold, uniqueSrcThreshold + 1024);
}

/** SYN flood detector (see the module doc for the rule, window and bounds). */
export class SynFloodDetector {
  readonly settings: SynFloodSettings;
  /** Distinct sources kept per target. */
  readonly sourceCap: number;
  /** The detector's capture clock. */
  readonly clock: WindowClock;
  /** Whole seconds of the run's first packet (for alert times). */
  baseSec: number;
  /** Alerts raised. */
  alertsRaised = 0;
  /** SYNs counted. */
  synsSeen = 0;
  /** Targets evicted while they still had SYNs in their window. */
  droppedTargets = 0;
  /** Per-target source entries replaced at the cap while still in the window. */
  forgottenSources = 0;

  private readonly targets: LruKeyTable;
  private readonly sources: LruKeyTable;
  /** SYNs per bucket, WINDOW_BUCKETS per target entry. */
  private readonly ring: Uint32Array;
  /** Sum of a target's ring. */
  private readonly sum: Uint32Array;
  /** Capture time of a target's last alert. */
  private readonly lastAlert: Float64Array;
  private readonly src = new Int32Array(4);
  private readonly dst = new Int32Array(4);
  /** The previous SYN's source (0..3), destination (4..7) and port word (8). */
  private readonly last = new Int32Array(9);
  /** The previous SYN's target entry and bucket (-1: none yet). */
  private lastTarget = -1;
  private lastEpoch = -1;

  constructor(settings: SynFloodSettings, baseSec = 0, limits: SynFloodLimits = {}) {
    this.settings = settings;
    this.baseSec = baseSec;
    this.clock = new WindowClock(settings.window_secs);
    this.sourceCap = synFloodSourceCap(settings.unique_src_threshold);
    const maxTargets = limits.maxTargets ?? DEFAULT_MAX_TARGETS;
    const maxEntries = Math.max(
      limits.maxEntries ?? DEFAULT_MAX_SOURCE_ENTRIES,
      2 * this.sourceCap,
    );
    this.targets = new LruKeyTable(maxTargets, 1, limits.seed);
    this.sources = new LruKeyTable(maxEntries, maxTargets, limits.seed);
    this.ring = new Uint32Array(maxTargets * WINDOW_BUCKETS);
    this.sum = new Uint32Array(maxTargets);
    this.lastAlert = new Float64Array(maxTargets);
  }

  /** Destinations tracked now (≤ `maxTargets`). */
  get trackedTargets(): number {
    return this.targets.size;
  }

  /** Maximum destinations tracked. */
  get maxTargets(): number {
    return this.targets.capacity;
  }

  /** (destination, source) entries held now (≤ `maxEntries`). */
  get trackedSourceEntries(): number {
    return this.sources.size;
  }

  /** Size of the shared source-entry pool. */
  get maxEntries(): number {
    return this.sources.capacity;
  }

  /**
   * Counts `rec` if it is a SYN; returns an alert when this packet makes the
   * destination cross the thresholds outside its cooldown, else null.
   * `t` is capture time in seconds relative to the run's first packet.
   */
  observe(rec: PacketRecord, t: number): SynFloodAlert | null {
    if (!isSyn(rec)) return null;
    this.clock.advance(t);
    return this.observeSyn(rec);
  }

  /**
   * {@link observe} for a caller that has already checked `isSyn(rec)` and
   * moved `clock` to the packet's time (the facade does, for both detectors
   * at once: a float argument passed to a function V8 does not inline is
   * boxed, 16 bytes per call).
   */
  observeSyn(rec: PacketRecord): SynFloodAlert | null {
    const net = rec.net;
    if ((net !== NET_IPV4 && net !== NET_IPV6) || rec.dstPort < 0) return null;
    const src = this.src, dst = this.dst;
    if (!loadAddress(rec, false, src) || !loadAddress(rec, true, dst)) {
      return null;
    }
    this.synsSeen++;
    const clock = this.clock;
    const epoch = clock.epoch;
    const ring = this.ring, sum = this.sum;
    const family = net === NET_IPV4 ? 4 : 6;
    const port = rec.dstPort;
    const k4 = port | (family << 16);

    // ---- count it ----
    let tg: number;
    const last = this.last;
    if (
      epoch === this.lastEpoch && k4 === last[8] && src[0] === last[0] && src[1] === last[1] &&
      src[2] === last[2] && src[3] === last[3] && dst[0] === last[4] && dst[1] === last[5] &&
      dst[2] === last[6] && dst[3] === last[7]
    ) {
      // The same source and destination as the previous SYN, in the same
      // bucket: both entries are already the most recent of their lists,
      // stamped with this bucket, and nothing has expired since. Only the
      // counters move.
      tg = this.lastTarget;
      ring[tg * WINDOW_BUCKETS + (epoch % WINDOW_BUCKETS)]++;
      sum[tg]++;
    } else {
      tg = this.count(src, dst, k4, epoch);
      this.lastTarget = tg;
      this.lastEpoch = epoch;
      last.set(src, 0);
      last.set(dst, 4);
      last[8] = k4;
    }

    // ---- the rule ----
    const s = this.settings;
    const syns = sum[tg]!;
    const uniq = this.sources.count(tg);
    if (
      syns > s.syn_threshold && uniq >= s.unique_src_threshold &&
      clock.now - this.lastAlert[tg]! >= s.cooldown_secs
    ) {
      this.lastAlert[tg] = clock.now;
      this.alertsRaised++;
      return makeSynFloodAlert(
        alertTime(this.baseSec, clock.now),
        addressText(family, dst[0]!, dst[1]!, dst[2]!, dst[3]!),
        port,
        endpointText(family, dst[0]!, dst[1]!, dst[2]!, dst[3]!, port),
        syns,
        uniq,
        uniq >= this.sourceCap,
        s.window_secs,
        s.syn_threshold,
        s.unique_src_threshold,
      );
    }
    return null;
  }

  /** Counts a SYN to a target/source pair not just seen; returns the target entry. */
  private count(src: Int32Array, dst: Int32Array, k4: number, epoch: number): number {
    const targets = this.targets, sources = this.sources;
    const ring = this.ring, sum = this.sum;
    // ---- the target and its SYN counts ----
    let tg = targets.find(0, dst[0]!, dst[1]!, dst[2]!, dst[3]!, k4);
    if (tg < 0) {
      if (targets.size >= targets.capacity) this.evictTarget(targets.tail(0));
      tg = targets.insert(0, dst[0]!, dst[1]!, dst[2]!, dst[3]!, k4, epoch);
      const r = tg * WINDOW_BUCKETS;
      for (let i = 0; i < WINDOW_BUCKETS; i++) ring[r + i] = 0;
      sum[tg] = 0;
      this.lastAlert[tg] = -Infinity;
    } else {
      const last = targets.stamps[tg]!;
      if (epoch > last) {
        // Clear the buckets between the last SYN and now (at most all 8).
        const n = Math.min(epoch - last, WINDOW_BUCKETS);
        const r = tg * WINDOW_BUCKETS;
        let s = sum[tg]!;
        for (let i = 1; i <= n; i++) {
          const b = r + ((last + i) % WINDOW_BUCKETS);
          s -= ring[b]!;
          ring[b] = 0;
        }
        sum[tg] = s;
      }
      targets.touch(tg, epoch);
    }
    ring[tg * WINDOW_BUCKETS + (epoch % WINDOW_BUCKETS)]++;
    sum[tg]++;

    // ---- the target's distinct sources ----
    const oldest = this.clock.oldestLive;
    sources.trimOlderThan(tg, oldest);
    const se = sources.find(tg, src[0]!, src[1]!, src[2]!, src[3]!, 0);
    if (se >= 0) {
      sources.touch(se, epoch);
    } else {
      if (sources.count(tg) >= this.sourceCap) {
        sources.remove(sources.tail(tg));
        this.forgottenSources++;
      }
      while (sources.size >= sources.capacity) {
        const victim = targets.tail(0);
        if (victim === tg) break; // cannot happen: pool ≥ 2 × cap
        this.evictTarget(victim);
      }
      sources.insert(tg, src[0]!, src[1]!, src[2]!, src[3]!, 0, epoch);
    }

    return tg;
  }

  private evictTarget(tg: number): void {
    // Its last SYN is still in the window: evidence is lost.
    if (this.targets.stamps[tg]! >= this.clock.oldestLive) this.droppedTargets++;
    this.sources.clearList(tg);
    this.targets.remove(tg);
  }
}
