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
 * - Targets: at most `maxTargets` (default 65,536) destinations, kept in
 *   least-recently-seen order (16 MB of records when full). A new destination when the table is full
 *   evicts the least recently seen one; if that one still had SYNs in its
 *   window the loss is counted in `droppedTargets`. A flooded destination
 *   is always among the most recently seen, so it is never the one evicted.
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
 * ## Hot path (why the layout is what it is)
 *
 * On real traffic a destination sees a SYN every few seconds, so every SYN
 * finds its destination's state out of the CPU caches (and its page out of
 * the TLB): the cost of a SYN is the number of cache lines it touches one
 * after the other. Measured on 5M generated packets (178k SYNs to 15,756
 * destinations), one such miss is 100-400 ns. So a SYN of ordinary traffic
 * touches one record (two adjacent lines) and a sequential queue:
 *
 * - A destination is one 128-byte record (key and hash, SYN ring and sum,
 *   last-SYN bucket, last alert, LRU position, and its sources), and the
 *   records ARE the hash table: open addressing over records (linear
 *   probing, load ≤ 1/2, backward-shift deletion), so a lookup reads the
 *   record it finds and no index. The table doubles as destinations come
 *   (from 1,024 slots, 128 KB, to 2 × `maxTargets`); records move when it
 *   grows or a removal closes a gap, so nothing outside the table holds a
 *   slot across a change except the LRU queue, which is updated. A lookup
 *   reads the port word in the record's second line first, so both lines
 *   are fetched at once.
 * - A destination's sources live inline in its record (up to 5 IPv4 or 2
 *   IPv6 addresses, each with the int32 bucket of its last SYN, most recent
 *   first): the common case (a handful of clients per window) touches no
 *   other memory. When a destination has more distinct sources in its
 *   window than fit, they move ("spill") to the shared {@link LruKeyTable}
 *   (list id = the destination's stable id, `T_LIST`) and stay there until
 *   its window is empty again. Inline and spilled entries count alike
 *   toward the pool.
 * - The least-recently-seen order of destinations is a queue of slots with
 *   lazy deletion: seeing a destination appends it (a sequential write) and
 *   records the position in the record; entries that are not a record's
 *   newest are skipped when they reach the front, and the queue is
 *   compacted when full (amortized O(1)). A doubly linked list would touch
 *   two more random records per SYN.
 * - Inline source buckets are int32 (`epoch | 0`), compared by wrapping
 *   difference: at a destination's SYN every kept bucket lies within 14 of
 *   the current one (older ones were cleared), so the difference is exact.
 * - Bucket arithmetic uses `& 7` on the integer bucket number, never `%` on
 *   a double (a call to fmod).
 * - The previous SYN's destination is checked before hashing (a flood
 *   repeats it), and a SYN repeating the previous one's source and
 *   destination in the same bucket only bumps two counters.
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
import { hashKey, LruKeyTable, randomSeed } from "./lru_key_table.ts";
import { WINDOW_BUCKETS, WindowClock } from "./window_clock.ts";

/** Default cap on tracked destinations. */
export const DEFAULT_MAX_TARGETS = 65536;
/** Default size of the shared pool of per-target source entries. */
export const DEFAULT_MAX_SOURCE_ENTRIES = 262144;

// ---- destination records: T_STRIDE int32 words (128 bytes) each, two cache lines ----
const T_STRIDE = 32;
/** Words 0..3: destination address. */
const T_ADDR = 0;
/** Hash of the key (its home slot, to move it when the table changes). */
const T_HASH = 4;
/** Position (int32) of the record's newest entry in the LRU queue. */
const T_LRU = 5;
/** Sources held inline (0..5), or {@link SPILLED}. */
const T_NSRC = 6;
/** Stable id of the destination: the list of its spilled sources in the shared table. */
const T_LIST = 7;
/** Float64 index (from `slot * T_STRIDE / 2`), words 8..9: bucket of the last SYN. */
const TF_STAMP = 4;
/** Float64 index, words 10..11: capture time of the last alert. */
const TF_ALERT = 5;
/** Word 12 (u32): SYNs in the window. */
const T_SUM = 12;
/** Words 13..20 (u32): SYNs per bucket. */
const T_RING = 13;
/**
 * Word 21, in the record's second line: port | family << 16 (never 0 for a
 * destination); 0 marks an empty slot. Read first by a lookup, so that both
 * lines are fetched at once.
 */
const T_PORT = 21;
/** Words 22..31: inline sources. */
const T_INLINE = 22;
/** Inline IPv4 sources: [address, bucket] × 5. */
const INLINE_V4 = 5;
/** Inline IPv6 sources: [4 address words, bucket] × 2. */
const INLINE_V6 = 2;
/** T_NSRC of a destination whose sources are in the shared table. */
const SPILLED = -1;

/** Smallest destination table (slots: 128 KB). */
const MIN_SLOTS = 1024;

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

/** SYN flood detector (see the module doc for the rule, window, bounds and layout). */
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

  readonly #maxTargets: number;
  /**
   * The destination table: open addressing over the records themselves
   * (linear probing, load ≤ 1/2, backward-shift deletion), so a lookup
   * reads the record it finds and nothing else. Same memory as u32, float64.
   */
  #rec: Int32Array;
  #recU: Uint32Array;
  #recF: Float64Array;
  #mask: number;
  /** Destinations held at which the table doubles (half its slots). */
  #growAt: number;
  readonly #maxSlots: number;
  /** Destinations held. */
  #targets = 0;
  /** Free destination ids (T_LIST), a stack. */
  readonly #freeIds: Int32Array;
  #freeTop: number;
  readonly #seed: number;
  /** LRU queue of slots (lazy deletion, see the module doc). */
  readonly #lru: Int32Array;
  readonly #lruMask: number;
  /** Position (int32, wrapping) of the oldest queue entry, and one past the newest. */
  #lruHead = 0;
  #lruTail = 0;
  /** Spilled sources: list id = the destination's T_LIST. */
  readonly #sources: LruKeyTable;
  /** Sources held inline in all records (they count toward the pool). */
  #inline = 0;
  readonly #inlineCap4: number;
  readonly #inlineCap6: number;
  /** A slot followed through record moves (the target being counted while others are evicted). */
  #pin = -1;
  readonly #src = new Int32Array(4);
  readonly #dst = new Int32Array(4);
  /** The previous SYN's source (0..3), destination (4..7) and port word (8). */
  readonly #last = new Int32Array(9);
  /** The previous SYN's target slot and bucket (-1: none, or records moved since). */
  #lastTarget = -1;
  #lastEpoch = -1;

  constructor(settings: SynFloodSettings, baseSec = 0, limits: SynFloodLimits = {}) {
    this.settings = settings;
    this.baseSec = baseSec;
    this.clock = new WindowClock(settings.window_secs);
    this.sourceCap = synFloodSourceCap(settings.unique_src_threshold);
    const maxTargets = limits.maxTargets ?? DEFAULT_MAX_TARGETS;
    if (!(Number.isInteger(maxTargets) && maxTargets >= 1 && maxTargets <= 1 << 24)) {
      throw new RangeError(
        `Cannot create SYN flood detector: target cap ${maxTargets} is out of range`,
      );
    }
    const maxEntries = Math.max(
      limits.maxEntries ?? DEFAULT_MAX_SOURCE_ENTRIES,
      2 * this.sourceCap,
    );
    this.#maxTargets = maxTargets;
    let max = MIN_SLOTS;
    while (max < 2 * maxTargets) max *= 2;
    this.#maxSlots = max;
    this.#rec = new Int32Array(MIN_SLOTS * T_STRIDE);
    this.#recU = new Uint32Array(this.#rec.buffer);
    this.#recF = new Float64Array(this.#rec.buffer);
    this.#mask = MIN_SLOTS - 1;
    this.#growAt = MIN_SLOTS === max ? Infinity : MIN_SLOTS >> 1;
    this.#freeIds = new Int32Array(maxTargets);
    for (let i = 0; i < maxTargets; i++) this.#freeIds[i] = maxTargets - 1 - i;
    this.#freeTop = maxTargets;
    let lru = 16;
    while (lru < 4 * maxTargets) lru *= 2;
    this.#lru = new Int32Array(lru);
    this.#lruMask = lru - 1;
    this.#seed = limits.seed === undefined ? randomSeed() : limits.seed | 0;
    this.#sources = new LruKeyTable(maxEntries, maxTargets, this.#seed);
    this.#inlineCap4 = Math.min(INLINE_V4, this.sourceCap);
    this.#inlineCap6 = Math.min(INLINE_V6, this.sourceCap);
  }

  /** Destinations tracked now (≤ `maxTargets`). */
  get trackedTargets(): number {
    return this.#targets;
  }

  /** Maximum destinations tracked. */
  get maxTargets(): number {
    return this.#maxTargets;
  }

  /** (destination, source) entries held now, inline or spilled (≤ `maxEntries`). */
  get trackedSourceEntries(): number {
    return this.#sources.size + this.#inline;
  }

  /** Size of the shared source-entry pool. */
  get maxEntries(): number {
    return this.#sources.capacity;
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
    const src = this.#src, dst = this.#dst;
    if (net === NET_IPV4) {
      // (loadAddress written out for the common case.)
      src[0] = rec.srcV4;
      src[1] = src[2] = src[3] = 0;
      dst[0] = rec.dstV4;
      dst[1] = dst[2] = dst[3] = 0;
    } else if (!loadAddress(rec, false, src) || !loadAddress(rec, true, dst)) {
      return null;
    }
    this.synsSeen++;
    const clock = this.clock;
    const epoch = clock.epoch;
    const family = net === NET_IPV4 ? 4 : 6;
    const port = rec.dstPort;
    const k4 = port | (family << 16);

    // ---- count it ----
    let tg: number;
    const last = this.#last;
    if (
      epoch === this.#lastEpoch && k4 === last[8] && src[0] === last[0] && src[1] === last[1] &&
      src[2] === last[2] && src[3] === last[3] && dst[0] === last[4] && dst[1] === last[5] &&
      dst[2] === last[6] && dst[3] === last[7]
    ) {
      // The same source and destination as the previous SYN, in the same
      // bucket: both are already the most recent of their orders, stamped
      // with this bucket, and nothing has expired since. Only the counters
      // move.
      tg = this.#lastTarget;
      const o = tg * T_STRIDE, u = this.#recU;
      u[o + T_RING + (epoch & (WINDOW_BUCKETS - 1))]++;
      u[o + T_SUM]++;
    } else {
      tg = this.#count(src, dst, k4, family === 6);
      this.#lastTarget = tg;
      this.#lastEpoch = epoch;
      last[0] = src[0]!;
      last[1] = src[1]!;
      last[2] = src[2]!;
      last[3] = src[3]!;
      last[4] = dst[0]!;
      last[5] = dst[1]!;
      last[6] = dst[2]!;
      last[7] = dst[3]!;
      last[8] = k4;
    }

    // ---- the rule ----
    const s = this.settings;
    const o = tg * T_STRIDE;
    const syns = this.#recU[o + T_SUM]!;
    if (syns <= s.syn_threshold) return null;
    const n = this.#rec[o + T_NSRC]!;
    const uniq = n === SPILLED ? this.#sources.count(this.#rec[o + T_LIST]!) : n;
    const fo = tg * (T_STRIDE / 2) + TF_ALERT;
    if (uniq >= s.unique_src_threshold && clock.now - this.#recF[fo]! >= s.cooldown_secs) {
      this.#recF[fo] = clock.now;
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

  /** Counts a SYN to a target/source pair not just seen; returns the target's slot. */
  #count(src: Int32Array, dst: Int32Array, k4: number, v6: boolean): number {
    // (The bucket is read from the clock, not passed: V8 boxes a float
    // argument of a call it does not inline.)
    const epoch = this.clock.epoch;
    const d0 = dst[0]!, d1 = dst[1]!, d2 = dst[2]!, d3 = dst[3]!;
    // ---- the target and its SYN counts ----
    // The previous SYN's target first (a flood from spoofed sources): its
    // record is in cache, and no hashing.
    let tg = this.#lastTarget;
    if (tg >= 0) {
      const r = this.#rec, p = tg * T_STRIDE;
      if (
        r[p + T_PORT] !== k4 || r[p] !== d0 || r[p + 1] !== d1 || r[p + 2] !== d2 ||
        r[p + 3] !== d3
      ) tg = -1;
    }
    if (tg < 0) {
      const h = hashKey(this.#seed, 0, d0, d1, d2, d3, k4);
      tg = this.#findTarget(d0, d1, d2, d3, k4, h);
      if (tg < 0) {
        if (this.#targets >= this.#maxTargets) this.#evictTarget(this.#lruOldest());
        tg = this.#insertTarget(d0, d1, d2, d3, k4, h);
      } else {
        this.#advanceTarget(tg);
      }
    } else {
      this.#advanceTarget(tg);
    }
    const o = tg * T_STRIDE, u = this.#recU;
    u[o + T_RING + (epoch & (WINDOW_BUCKETS - 1))]++;
    u[o + T_SUM]++;

    // ---- the target's distinct sources ----
    const rec = this.#rec;
    if (rec[o + T_NSRC] === SPILLED) {
      const sources = this.#sources, list = rec[o + T_LIST]!;
      sources.trimOlderThan(list, this.clock.oldestLive);
      if (sources.count(list) !== 0) return this.#countSpilled(tg, list, src);
      rec[o + T_NSRC] = 0; // the window emptied: back inline
    }
    return v6 ? this.#countInline6(tg, src) : this.#countInline4(tg, src[0]!);
  }

  /** A known target gets a SYN (in the clock's bucket): expires its old buckets, marks it most recent. */
  #advanceTarget(tg: number): void {
    const epoch = this.clock.epoch;
    const rec = this.#rec, u = this.#recU, f = this.#recF;
    const o = tg * T_STRIDE, fo = tg * (T_STRIDE / 2) + TF_STAMP;
    const last = f[fo]!;
    if (epoch > last) {
      const gap = epoch - last;
      if (gap >= WINDOW_BUCKETS) {
        // The whole window went by: no SYN and no source is still in it.
        for (let i = 0; i < WINDOW_BUCKETS; i++) u[o + T_RING + i] = 0;
        u[o + T_SUM] = 0;
        const n = rec[o + T_NSRC]!;
        if (n > 0) {
          this.#inline -= n;
          rec[o + T_NSRC] = 0;
        }
      } else {
        // Clear the buckets between the last SYN and now.
        const l = last | 0;
        let s = u[o + T_SUM]!;
        for (let i = 1; i <= gap; i++) {
          const b = o + T_RING + ((l + i) & (WINDOW_BUCKETS - 1));
          s -= u[b]!;
          u[b] = 0;
        }
        u[o + T_SUM] = s;
      }
      f[fo] = epoch;
    }
    this.#lruTouch(tg);
  }

  /** Counts IPv4 source `s0` of target `tg`, whose sources are inline; returns its slot. */
  #countInline4(tg: number, s0: number): number {
    const epoch = this.clock.epoch;
    let rec = this.#rec;
    let o = tg * T_STRIDE, base = o + T_INLINE;
    let n = rec[o + T_NSRC]!;
    // Trim: buckets are non-increasing from the front; see the module doc
    // for why the wrapping difference is exact.
    const old = this.clock.oldestLive | 0;
    const n0 = n;
    while (n > 0 && ((rec[base + 2 * n - 1]! - old) | 0) < 0) n--;
    this.#inline -= n0 - n;
    const stamp = epoch | 0;
    let j = 0;
    while (j < n && rec[base + 2 * j] !== s0) j++;
    if (j < n) {
      // Known: move it to the front.
      for (let k = j; k > 0; k--) {
        rec[base + 2 * k] = rec[base + 2 * k - 2]!;
        rec[base + 2 * k + 1] = rec[base + 2 * k - 1]!;
      }
      rec[base] = s0;
      rec[base + 1] = stamp;
      rec[o + T_NSRC] = n;
      return tg;
    }
    if (n >= this.sourceCap) {
      // At the cap (a cap of at most 5): the least recent gives way.
      n--;
      this.#inline--;
      this.forgottenSources++;
    }
    rec[o + T_NSRC] = n;
    tg = this.#makeRoom(tg);
    rec = this.#rec;
    o = tg * T_STRIDE;
    base = o + T_INLINE;
    if (n < this.#inlineCap4) {
      for (let k = n; k > 0; k--) {
        rec[base + 2 * k] = rec[base + 2 * k - 2]!;
        rec[base + 2 * k + 1] = rec[base + 2 * k - 1]!;
      }
      rec[base] = s0;
      rec[base + 1] = stamp;
      rec[o + T_NSRC] = n + 1;
      this.#inline++;
      return tg;
    }
    // Full: all of them move to the shared table, oldest first (the list
    // keeps the most recent at its head).
    const sources = this.#sources, list = rec[o + T_LIST]!;
    for (let k = n - 1; k >= 0; k--) {
      const b = epoch + ((rec[base + 2 * k + 1]! - stamp) | 0);
      sources.insert(list, rec[base + 2 * k]!, 0, 0, 0, 0, b);
    }
    this.#inline -= n;
    rec[o + T_NSRC] = SPILLED;
    sources.insert(list, s0, 0, 0, 0, 0, epoch);
    return tg;
  }

  /** Counts IPv6 source `src` of target `tg`, whose sources are inline; returns its slot. */
  #countInline6(tg: number, src: Int32Array): number {
    const epoch = this.clock.epoch;
    let rec = this.#rec;
    let o = tg * T_STRIDE, base = o + T_INLINE;
    const s0 = src[0]!, s1 = src[1]!, s2 = src[2]!, s3 = src[3]!;
    let n = rec[o + T_NSRC]!;
    const old = this.clock.oldestLive | 0;
    const n0 = n;
    while (n > 0 && ((rec[base + 5 * n - 1]! - old) | 0) < 0) n--;
    this.#inline -= n0 - n;
    const stamp = epoch | 0;
    let j = 0;
    for (; j < n; j++) {
      const p = base + 5 * j;
      if (rec[p] === s0 && rec[p + 1] === s1 && rec[p + 2] === s2 && rec[p + 3] === s3) break;
    }
    if (j >= n) {
      if (n >= this.sourceCap) {
        n--;
        this.#inline--;
        this.forgottenSources++;
      }
      rec[o + T_NSRC] = n;
      tg = this.#makeRoom(tg);
      rec = this.#rec;
      o = tg * T_STRIDE;
      base = o + T_INLINE;
      if (n >= this.#inlineCap6) {
        const sources = this.#sources, list = rec[o + T_LIST]!;
        for (let k = n - 1; k >= 0; k--) {
          const p = base + 5 * k;
          const b = epoch + ((rec[p + 4]! - stamp) | 0);
          sources.insert(list, rec[p]!, rec[p + 1]!, rec[p + 2]!, rec[p + 3]!, 0, b);
        }
        this.#inline -= n;
        rec[o + T_NSRC] = SPILLED;
        sources.insert(list, s0, s1, s2, s3, 0, epoch);
        return tg;
      }
      this.#inline++;
      j = n;
      n++;
    }
    // Entries 0..j-1 move back one place; the source goes to the front.
    for (let k = 5 * j + 4; k >= 5; k--) rec[base + k] = rec[base + k - 5]!;
    rec[base] = s0;
    rec[base + 1] = s1;
    rec[base + 2] = s2;
    rec[base + 3] = s3;
    rec[base + 4] = stamp;
    rec[o + T_NSRC] = n;
    return tg;
  }

  /** Counts source `src` of target `tg`, whose sources are in `list` of the shared table. */
  #countSpilled(tg: number, list: number, src: Int32Array): number {
    const epoch = this.clock.epoch;
    const sources = this.#sources;
    const s0 = src[0]!, s1 = src[1]!, s2 = src[2]!, s3 = src[3]!;
    const se = sources.find(list, s0, s1, s2, s3, 0);
    if (se >= 0) {
      sources.touch(se, epoch);
      return tg;
    }
    if (sources.count(list) >= this.sourceCap) {
      sources.remove(sources.tail(list));
      this.forgottenSources++;
    }
    tg = this.#makeRoom(tg);
    sources.insertAfterMiss(list, s0, s1, s2, s3, 0, epoch);
    return tg;
  }

  /**
   * Evicts least recently seen targets (never `tg`) until the pool has room
   * for one entry; returns `tg`'s slot, which evictions may have moved.
   */
  #makeRoom(tg: number): number {
    const cap = this.#sources.capacity;
    if (this.#sources.size + this.#inline < cap) return tg;
    this.#pin = tg;
    while (this.#sources.size + this.#inline >= cap) {
      const victim = this.#lruOldest();
      if (victim === this.#pin) break; // cannot happen: pool ≥ 2 × cap
      this.#evictTarget(victim);
    }
    tg = this.#pin;
    this.#pin = -1;
    return tg;
  }

  #evictTarget(tg: number): void {
    // Its last SYN is still in the window: evidence is lost.
    if (this.#recF[tg * (T_STRIDE / 2) + TF_STAMP]! >= this.clock.oldestLive) {
      this.droppedTargets++;
    }
    const o = tg * T_STRIDE;
    const n = this.#rec[o + T_NSRC]!;
    if (n === SPILLED) this.#sources.clearList(this.#rec[o + T_LIST]!);
    else this.#inline -= n;
    this.#removeTarget(tg);
  }

  // ---- the destination table ----

  /** The slot of a destination, or -1. */
  #findTarget(d0: number, d1: number, d2: number, d3: number, k4: number, h: number): number {
    const rec = this.#rec, mask = this.#mask;
    let s = h & mask;
    for (;;) {
      const o = s * T_STRIDE;
      const k = rec[o + T_PORT]!;
      if (k === 0) return -1;
      if (
        k === k4 && rec[o + T_HASH] === h && rec[o] === d0 && rec[o + 1] === d1 &&
        rec[o + 2] === d2 && rec[o + 3] === d3
      ) return s;
      s = (s + 1) & mask;
    }
  }

  /** Adds a destination that is not held, as the most recently seen; returns its slot. */
  #insertTarget(
    d0: number,
    d1: number,
    d2: number,
    d3: number,
    k4: number,
    h: number,
  ): number {
    const epoch = this.clock.epoch;
    if (this.#targets >= this.#growAt) this.#grow();
    const rec = this.#rec, u = this.#recU, f = this.#recF, mask = this.#mask;
    let s = h & mask;
    while (rec[s * T_STRIDE + T_PORT] !== 0) s = (s + 1) & mask;
    const o = s * T_STRIDE;
    rec[o + T_ADDR] = d0;
    rec[o + T_ADDR + 1] = d1;
    rec[o + T_ADDR + 2] = d2;
    rec[o + T_ADDR + 3] = d3;
    rec[o + T_PORT] = k4;
    rec[o + T_HASH] = h;
    rec[o + T_NSRC] = 0;
    rec[o + T_LIST] = this.#freeIds[--this.#freeTop]!;
    f[s * (T_STRIDE / 2) + TF_STAMP] = epoch;
    f[s * (T_STRIDE / 2) + TF_ALERT] = -Infinity;
    u[o + T_SUM] = 0;
    for (let i = 0; i < WINDOW_BUCKETS; i++) u[o + T_RING + i] = 0;
    this.#targets++;
    this.#lruPush(s);
    return s;
  }

  /** Removes the destination in slot `tg` (its sources are gone already); later records may move. */
  #removeTarget(tg: number): void {
    const rec = this.#rec, mask = this.#mask;
    this.#freeIds[this.#freeTop++] = rec[tg * T_STRIDE + T_LIST]!;
    // Backward-shift deletion (Knuth TAOCP vol. 3 §6.4 Algorithm R): a
    // later record of the probe run moves into the hole unless its home
    // lies cyclically in (hole, its slot].
    let i = tg, j = tg;
    for (;;) {
      j = (j + 1) & mask;
      const oj = j * T_STRIDE;
      if (rec[oj + T_PORT] === 0) break;
      const home = rec[oj + T_HASH]! & mask;
      const stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
      if (!stays) {
        this.#move(j, i);
        i = j;
      }
    }
    rec[i * T_STRIDE + T_PORT] = 0;
    this.#targets--;
    // Records may have moved: the previous SYN's slot is not to be trusted.
    this.#lastTarget = -1;
    this.#lastEpoch = -1;
  }

  /** Moves the record in slot `from` to the empty slot `to`, keeping its LRU queue entry right. */
  #move(from: number, to: number): void {
    const rec = this.#rec, a = from * T_STRIDE, b = to * T_STRIDE;
    for (let k = 0; k < T_STRIDE; k++) rec[b + k] = rec[a + k]!;
    this.#lru[rec[to * T_STRIDE + T_LRU]! & this.#lruMask] = to;
    if (this.#pin === from) this.#pin = to;
  }

  /** Doubles the destination table (at most log2(2·maxTargets) times). */
  #grow(): void {
    const old = this.#rec;
    const slots = 2 * (old.length / T_STRIDE);
    const rec = new Int32Array(slots * T_STRIDE);
    const mask = slots - 1, lru = this.#lru, lmask = this.#lruMask;
    for (let o = 0; o < old.length; o += T_STRIDE) {
      if (old[o + T_PORT] === 0) continue;
      let s = old[o + T_HASH]! & mask;
      while (rec[s * T_STRIDE + T_PORT] !== 0) s = (s + 1) & mask;
      const n = s * T_STRIDE;
      for (let k = 0; k < T_STRIDE; k++) rec[n + k] = old[o + k]!;
      lru[old[o + T_LRU]! & lmask] = s;
    }
    this.#rec = rec;
    this.#recU = new Uint32Array(rec.buffer);
    this.#recF = new Float64Array(rec.buffer);
    this.#mask = mask;
    this.#growAt = slots >= this.#maxSlots ? Infinity : slots >> 1;
    this.#lastTarget = -1;
    this.#lastEpoch = -1;
  }

  // ---- least-recently-seen order: a queue with lazy deletion ----

  /** Appends the target in slot `tg` as the most recently seen. */
  #lruPush(tg: number): void {
    if (((this.#lruTail - this.#lruHead) | 0) > this.#lruMask) this.#lruCompact();
    const p = this.#lruTail;
    this.#lru[p & this.#lruMask] = tg;
    this.#rec[tg * T_STRIDE + T_LRU] = p;
    this.#lruTail = (p + 1) | 0;
  }

  /** Marks the target in slot `tg` as the most recently seen. */
  #lruTouch(tg: number): void {
    if (this.#rec[tg * T_STRIDE + T_LRU] !== ((this.#lruTail - 1) | 0)) this.#lruPush(tg);
  }

  /**
   * The slot of the least recently seen destination (call only when some
   * are held). A queue entry is current when the record in its slot is in
   * use and names this position as its newest (positions in the queue are
   * distinct, and a record's newest entry always holds its slot).
   */
  #lruOldest(): number {
    const lru = this.#lru, mask = this.#lruMask, rec = this.#rec;
    let p = this.#lruHead;
    for (;;) {
      const o = lru[p & mask]! * T_STRIDE;
      if (rec[o + T_PORT] !== 0 && rec[o + T_LRU] === p) break;
      p = (p + 1) | 0;
    }
    this.#lruHead = p;
    return lru[p & mask]!;
  }

  /** Drops the stale queue entries, keeping order (the queue is full). */
  #lruCompact(): void {
    const lru = this.#lru, mask = this.#lruMask, rec = this.#rec;
    const end = this.#lruTail;
    let q = this.#lruHead;
    for (let p = this.#lruHead; p !== end; p = (p + 1) | 0) {
      const tg = lru[p & mask]!;
      const o = tg * T_STRIDE;
      if (rec[o + T_PORT] !== 0 && rec[o + T_LRU] === p) {
        lru[q & mask] = tg;
        rec[o + T_LRU] = q;
        q = (q + 1) | 0;
      }
    }
    this.#lruTail = q;
  }
}
