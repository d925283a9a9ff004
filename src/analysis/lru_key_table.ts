/**
 * A bounded table of small fixed-size keys kept in least-recently-touched
 * order, the storage behind the anomaly detectors' larger sets (a port scan
 * source's ports and hosts, the sources of a flooded destination).
 *
 * Each entry holds a key of five 32-bit words plus a list id, and a "stamp"
 * (a number the caller gives on insert and touch: the detectors store the
 * window bucket of the last sighting). Every entry belongs to exactly one
 * list (its list id is part of its key); each list is a doubly linked list
 * ordered by last touch, most recent at the head, so the caller can drop the
 * oldest entry of a list (its tail) in O(1). The port scan detector uses one
 * table with a single list for its sources and one whose list id is the
 * owning source's entry index for the per-source sets; the SYN flood
 * detector one whose list id is a destination's stable id, for the
 * destinations whose sources do not fit in their record.
 *
 * Storage is a fixed set of typed arrays sized by `capacity` at construction,
 * except the hash index, which doubles as entries come (from 64 slots to
 * 2 × capacity; at most log2 of that many times, never per operation).
 * Entries never move, so an entry index is a stable handle the caller can
 * use to index arrays of its own until the entry is removed.
 *
 * Layout (for few cache misses per operation): an entry is one 32-byte
 * record (key words, list id, previous and next entry of its list), its
 * stamp a float64 beside it in `stamps`; the hash index is open addressing
 * with linear probing at a load factor of at most 1/2 and backward-shift
 * deletion (no tombstones), each slot holding the key's hash next to the
 * entry, so that a probe compares hashes without reading other entries
 * (a removal hashes the key again to find its slot). Hashes are a seeded
 * 32-bit hash of the list id and the five words ({@link hashKey}); the
 * hash of a key that `find` missed is kept for {@link
 * LruKeyTable.insertAfterMiss}.
 *
 * Pages of the arrays that were never used are never touched (entries are
 * handed out from a high-water mark before the free list is used), so a big
 * capacity costs address space, not resident memory, until it fills.
 *
 * @module
 */

import { fmix32, mixWord } from "../flow/murmur3.ts";

/** Words per key. */
export const KEY_WORDS = 5;

/** Int32 words per entry record: key (0..4), list (5), prev (6), next (7). */
const E_STRIDE = 8;
const E_LIST = 5;
const E_PREV = 6;
const E_NEXT = 7;

/** Smallest hash index (slots). */
const MIN_SLOTS = 64;

/**
 * Seeded 32-bit hash of a list id and five key words, as an int32: the
 * Murmur3 32-bit block mix over the words, then its finalizer with the key
 * length (24 bytes) folded in. Key words 1..3 are skipped when all three
 * are zero (an IPv4 address key), which is still a function of the key
 * alone. Shared with the SYN flood detector's destination table.
 */
export function hashKey(
  seed: number,
  list: number,
  k0: number,
  k1: number,
  k2: number,
  k3: number,
  k4: number,
): number {
  let h = mixWord(mixWord(seed | 0, list), k0);
  if ((k1 | k2 | k3) !== 0) h = mixWord(mixWord(mixWord(h, k1), k2), k3);
  return fmix32(mixWord(h, k4) ^ 24);
}

/** A random hash seed (so that nobody can choose keys that all land in one probe run). */
export function randomSeed(): number {
  return crypto.getRandomValues(new Int32Array(1))[0]!;
}

/** A bounded, LRU-ordered, multi-list key table (see the module doc). */
export class LruKeyTable {
  /** Maximum number of entries. */
  readonly capacity: number;
  /** Number of lists (list ids are 0 .. listCount - 1). */
  readonly listCount: number;
  /** Entries in use. */
  size = 0;
  /** Stamp of each entry (caller-defined: the detectors store a window bucket). */
  readonly stamps: Float64Array;
  /** Entry records, {@link E_STRIDE} int32 words each (u32 key words wrap). */
  readonly #ent: Int32Array;
  readonly #heads: Int32Array;
  readonly #tails: Int32Array;
  readonly #counts: Int32Array;
  /** Hash index: 2 words per slot, the key's hash and entry + 1 (0 = empty). */
  #index: Int32Array;
  #mask: number;
  /** Slots in use at which the index doubles (half its slots). */
  #growAt: number;
  readonly #maxSlots: number;
  readonly #seed: number;
  /** Entries ever handed out; those below are in use or on the free list. */
  #used = 0;
  /** Entry of the last successful find, -1 if none (a freed entry's list is -1: no match). */
  #lastFound = -1;
  /** Hash of the key of the last `find()` that missed (for {@link insertAfterMiss}). */
  #missHash = 0;
  /** Head of the free list (chained through the next word), -1 if empty. */
  #freeHead = -1;

  /**
   * @param capacity maximum number of entries (≥ 1)
   * @param listCount number of lists (≥ 1)
   * @param seed hash seed; random when absent, so that nobody can choose
   *   keys that all land in one probe run
   */
  constructor(capacity: number, listCount: number, seed?: number) {
    if (!(Number.isInteger(capacity) && capacity >= 1 && capacity <= 1 << 28)) {
      throw new RangeError(`Cannot create key table: capacity ${capacity} is out of range`);
    }
    if (!(Number.isInteger(listCount) && listCount >= 1 && listCount <= 1 << 28)) {
      throw new RangeError(`Cannot create key table: list count ${listCount} is out of range`);
    }
    this.capacity = capacity;
    this.listCount = listCount;
    this.#ent = new Int32Array(capacity * E_STRIDE);
    this.stamps = new Float64Array(capacity);
    // Lists start empty: -1 heads/tails. fill() touches these pages, which
    // is fine: they are small next to the entries (one word per list).
    this.#heads = new Int32Array(listCount).fill(-1);
    this.#tails = new Int32Array(listCount).fill(-1);
    this.#counts = new Int32Array(listCount);
    let max = MIN_SLOTS;
    while (max < capacity * 2) max *= 2;
    this.#maxSlots = max;
    const slots = Math.min(max, MIN_SLOTS);
    this.#index = new Int32Array(2 * slots);
    this.#mask = slots - 1;
    this.#growAt = slots === max ? Infinity : slots >> 1;
    this.#seed = seed === undefined ? randomSeed() : seed | 0;
  }

  /** 32-bit hash of a key (list id and five words), as an int32. */
  hashOf(list: number, k0: number, k1: number, k2: number, k3: number, k4: number): number {
    return hashKey(this.#seed, list, k0, k1, k2, k3, k4);
  }

  /** Bytes of the typed arrays (the index at its current size). */
  get byteLength(): number {
    return this.#ent.byteLength + this.stamps.byteLength + this.#heads.byteLength +
      this.#tails.byteLength + this.#counts.byteLength + this.#index.byteLength;
  }

  /**
   * The entry holding this key, or -1. Key words are compared as 32-bit
   * patterns (0xffffffff and -1 are the same word). Words are kept as int32
   * so that V8 handles them as small integers, never as heap numbers.
   */
  find(list: number, k0: number, k1: number, k2: number, k3: number, k4: number): number {
    const ent = this.#ent;
    k0 |= 0;
    k1 |= 0;
    k2 |= 0;
    k3 |= 0;
    k4 |= 0;
    // The entry found last time: a flood or a scan repeats the same key.
    const c = this.#lastFound;
    if (c >= 0) {
      const o = c * E_STRIDE;
      if (
        ent[o + E_LIST] === list && ent[o] === k0 && ent[o + 1] === k1 && ent[o + 2] === k2 &&
        ent[o + 3] === k3 && ent[o + 4] === k4
      ) return c;
    }
    const h = hashKey(this.#seed, list, k0, k1, k2, k3, k4);
    const index = this.#index, mask = this.#mask;
    let s = h & mask;
    for (;;) {
      const v = index[2 * s + 1]!;
      if (v === 0) {
        this.#missHash = h;
        return -1;
      }
      if (index[2 * s] === h) {
        const o = (v - 1) * E_STRIDE;
        if (
          ent[o] === k0 && ent[o + 1] === k1 && ent[o + 2] === k2 && ent[o + 3] === k3 &&
          ent[o + 4] === k4 && ent[o + E_LIST] === list
        ) {
          this.#lastFound = v - 1;
          return v - 1;
        }
      }
      s = (s + 1) & mask;
    }
  }

  /**
   * Adds a key that is not in the table (call {@link find} first) at the
   * head of its list, with `stamp`. Returns the new entry, or -1 when the
   * table is full (the caller removes something first).
   */
  insert(
    list: number,
    k0: number,
    k1: number,
    k2: number,
    k3: number,
    k4: number,
    stamp: number,
  ): number {
    return this.#insert(list, k0, k1, k2, k3, k4, stamp, this.hashOf(list, k0, k1, k2, k3, k4));
  }

  /**
   * {@link insert} of the key the last {@link find} looked for and did not
   * find (removals in between are fine; no insert in between): saves
   * hashing the key again.
   */
  insertAfterMiss(
    list: number,
    k0: number,
    k1: number,
    k2: number,
    k3: number,
    k4: number,
    stamp: number,
  ): number {
    return this.#insert(list, k0, k1, k2, k3, k4, stamp, this.#missHash);
  }

  #insert(
    list: number,
    k0: number,
    k1: number,
    k2: number,
    k3: number,
    k4: number,
    stamp: number,
    h: number,
  ): number {
    if (this.size >= this.capacity) return -1;
    if (this.size >= this.#growAt) this.#grow();
    const ent = this.#ent;
    let e: number;
    if (this.#freeHead >= 0) {
      e = this.#freeHead;
      this.#freeHead = ent[e * E_STRIDE + E_NEXT]!;
    } else {
      e = this.#used++;
    }
    const o = e * E_STRIDE;
    ent[o] = k0;
    ent[o + 1] = k1;
    ent[o + 2] = k2;
    ent[o + 3] = k3;
    ent[o + 4] = k4;
    ent[o + E_LIST] = list;
    this.stamps[e] = stamp;
    const index = this.#index, mask = this.#mask;
    let s = h & mask;
    while (index[2 * s + 1] !== 0) s = (s + 1) & mask;
    index[2 * s] = h;
    index[2 * s + 1] = e + 1;
    // Link at the head of the list.
    const head = this.#heads[list]!;
    ent[o + E_PREV] = -1;
    ent[o + E_NEXT] = head;
    if (head >= 0) ent[head * E_STRIDE + E_PREV] = e;
    else this.#tails[list] = e;
    this.#heads[list] = e;
    this.#counts[list] = this.#counts[list]! + 1;
    this.size++;
    return e;
  }

  /** Doubles the hash index (not per packet: at most log2(2·capacity) times). */
  #grow(): void {
    const old = this.#index;
    const slots = (old.length >> 1) * 2;
    const index = new Int32Array(2 * slots);
    const mask = slots - 1;
    for (let i = 0; i < old.length; i += 2) {
      const v = old[i + 1]!;
      if (v === 0) continue;
      const h = old[i]!;
      let s = h & mask;
      while (index[2 * s + 1] !== 0) s = (s + 1) & mask;
      index[2 * s] = h;
      index[2 * s + 1] = v;
    }
    this.#index = index;
    this.#mask = mask;
    this.#growAt = slots >= this.#maxSlots ? Infinity : slots >> 1;
  }

  /** Sets an entry's stamp and moves it to the head of its list. */
  touch(e: number, stamp: number): void {
    this.stamps[e] = stamp;
    const ent = this.#ent;
    const o = e * E_STRIDE;
    const list = ent[o + E_LIST]!;
    const head = this.#heads[list]!;
    if (head === e) return;
    // Unlink (e is not the head, so it has a predecessor).
    const p = ent[o + E_PREV]!, n = ent[o + E_NEXT]!;
    ent[p * E_STRIDE + E_NEXT] = n;
    if (n >= 0) ent[n * E_STRIDE + E_PREV] = p;
    else this.#tails[list] = p;
    // Relink at the head.
    ent[o + E_PREV] = -1;
    ent[o + E_NEXT] = head;
    ent[head * E_STRIDE + E_PREV] = e;
    this.#heads[list] = e;
  }

  /** Removes an entry in use. */
  remove(e: number): void {
    const ent = this.#ent;
    const o = e * E_STRIDE;
    const list = ent[o + E_LIST]!;
    const p = ent[o + E_PREV]!, n = ent[o + E_NEXT]!;
    if (p >= 0) ent[p * E_STRIDE + E_NEXT] = n;
    else this.#heads[list] = n;
    if (n >= 0) ent[n * E_STRIDE + E_PREV] = p;
    else this.#tails[list] = p;
    this.#counts[list] = this.#counts[list]! - 1;
    // Find the entry's slot (from its key's hash), then close the gap
    // (backward-shift deletion, Knuth TAOCP vol. 3 §6.4 Algorithm R).
    const h = hashKey(
      this.#seed,
      list,
      ent[o]!,
      ent[o + 1]!,
      ent[o + 2]!,
      ent[o + 3]!,
      ent[o + 4]!,
    );
    const index = this.#index, mask = this.#mask;
    let i = h & mask;
    while (index[2 * i + 1] !== e + 1) i = (i + 1) & mask;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const v = index[2 * j + 1]!;
      if (v === 0) break;
      const home = index[2 * j]! & mask;
      // The entry at j may move to i unless its home lies cyclically in (i, j].
      const stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
      if (!stays) {
        index[2 * i] = index[2 * j]!;
        index[2 * i + 1] = v;
        i = j;
      }
    }
    index[2 * i + 1] = 0;
    ent[o + E_LIST] = -1;
    ent[o + E_NEXT] = this.#freeHead;
    this.#freeHead = e;
    if (this.#lastFound === e) this.#lastFound = -1;
    this.size--;
  }

  /** Removes every entry of a list. */
  clearList(list: number): void {
    let e = this.#heads[list]!;
    while (e >= 0) {
      const n = this.#ent[e * E_STRIDE + E_NEXT]!;
      this.remove(e);
      e = n;
    }
  }

  /** Number of entries in a list. */
  count(list: number): number {
    return this.#counts[list]!;
  }

  /** Most recently touched entry of a list, -1 if empty. */
  head(list: number): number {
    return this.#heads[list]!;
  }

  /** Least recently touched entry of a list, -1 if empty. */
  tail(list: number): number {
    return this.#tails[list]!;
  }

  /** The next less recently touched entry after `e` in its list, -1 at the tail. */
  older(e: number): number {
    return this.#ent[e * E_STRIDE + E_NEXT]!;
  }

  /** The key word `w` (0..4) of entry `e`, as a u32. */
  key(e: number, w: number): number {
    return this.#ent[e * E_STRIDE + w]! >>> 0;
  }

  /**
   * Removes entries from the tail of `list` while their stamp is below
   * `minStamp`; returns how many were removed.
   */
  trimOlderThan(list: number, minStamp: number): number {
    let n = 0;
    for (;;) {
      const e = this.#tails[list]!;
      if (e < 0 || this.stamps[e]! >= minStamp) return n;
      this.remove(e);
      n++;
    }
  }
}
