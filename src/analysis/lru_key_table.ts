/**
 * A bounded table of small fixed-size keys kept in least-recently-touched
 * order, the storage behind the anomaly detectors.
 *
 * Each entry holds a key of five 32-bit words plus a list id, and a "stamp"
 * (a number the caller gives on insert and touch: the detectors store the
 * window bucket of the last sighting). Every entry belongs to exactly one
 * list (its list id is part of its key); each list is a doubly linked list
 * ordered by last touch, most recent at the head, so the caller can drop the
 * oldest entry of a list (its tail) in O(1). The detectors use one table
 * with a single list for their targets/sources, and one table whose list id
 * is the owning target's entry index for the per-target distinct sets.
 *
 * Storage is a fixed set of typed arrays sized by `capacity` at construction;
 * nothing is allocated afterwards. Entries never move, so an entry index is a
 * stable handle the caller can use to index arrays of its own until the entry
 * is removed. The hash index is open addressing with linear probing at a load
 * factor of at most 1/2 and backward-shift deletion (no tombstones), keyed by
 * a seeded 32-bit hash of the list id and the five words.
 *
 * Pages of the arrays that were never used are never touched (entries are
 * handed out from a high-water mark before the free list is used), so a big
 * capacity costs address space, not resident memory, until it fills.
 *
 * @module
 */

/** Words per key. */
export const KEY_WORDS = 5;

/** Murmur3 32-bit block mix (public domain, A. Appleby). */
function mix(h: number, w: number): number {
  let k = Math.imul(w, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** A bounded, LRU-ordered, multi-list key table (see the module doc). */
export class LruKeyTable {
  /** Maximum number of entries. */
  readonly capacity: number;
  /** Number of lists (list ids are 0 .. listCount - 1). */
  readonly listCount: number;
  /** Entries in use. */
  size = 0;
  /** Key words as int32 (u32 values wrap), {@link KEY_WORDS} per entry. */
  readonly keys: Int32Array;
  /** Stamp of each entry (caller-defined: the detectors store a window bucket). */
  readonly stamps: Float64Array;
  /** List id of each entry; -1 for a free entry. */
  readonly lists: Int32Array;
  private readonly hashes: Int32Array;
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  private readonly heads: Int32Array;
  private readonly tails: Int32Array;
  private readonly counts: Int32Array;
  /** Hash index: entry + 1 per slot, 0 = empty. */
  private readonly index: Int32Array;
  private readonly mask: number;
  private readonly seed: number;
  /** Entries ever handed out; those below are in use or on the free list. */
  private used = 0;
  /** Entry of the last successful find, -1 if none (a freed entry's list is -1: no match). */
  private lastFound = -1;
  /** Head of the free list (chained through `next`), -1 if empty. */
  private freeHead = -1;

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
    this.keys = new Int32Array(capacity * KEY_WORDS);
    this.stamps = new Float64Array(capacity);
    this.lists = new Int32Array(capacity);
    this.hashes = new Int32Array(capacity);
    this.prev = new Int32Array(capacity);
    this.next = new Int32Array(capacity);
    // Lists start empty: -1 heads/tails. fill() touches these pages, which
    // is fine: they are small next to the entries (one word per list).
    this.heads = new Int32Array(listCount).fill(-1);
    this.tails = new Int32Array(listCount).fill(-1);
    this.counts = new Int32Array(listCount);
    let slots = 8;
    while (slots < capacity * 2) slots *= 2;
    this.index = new Int32Array(slots);
    this.mask = slots - 1;
    this.seed = seed === undefined ? crypto.getRandomValues(new Int32Array(1))[0]! : seed | 0;
  }

  /** 32-bit hash of a key (list id and five words), as an int32. */
  hashOf(list: number, k0: number, k1: number, k2: number, k3: number, k4: number): number {
    let h = mix(this.seed, list);
    h = mix(h, k0);
    h = mix(h, k1);
    h = mix(h, k2);
    h = mix(h, k3);
    h = mix(h, k4);
    // fmix32
    h ^= 20;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h | 0;
  }

  /**
   * The entry holding this key, or -1. Key words are compared as 32-bit
   * patterns (0xffffffff and -1 are the same word). Words are kept as int32
   * so that V8 handles them as small integers, never as heap numbers.
   */
  find(list: number, k0: number, k1: number, k2: number, k3: number, k4: number): number {
    const keys = this.keys, lists = this.lists;
    k0 |= 0;
    k1 |= 0;
    k2 |= 0;
    k3 |= 0;
    k4 |= 0;
    // The entry found last time: a flood or a scan repeats the same key.
    const c = this.lastFound;
    if (c >= 0 && lists[c] === list) {
      const o = c * KEY_WORDS;
      if (
        keys[o] === k0 && keys[o + 1] === k1 && keys[o + 2] === k2 && keys[o + 3] === k3 &&
        keys[o + 4] === k4
      ) return c;
    }
    const h = this.hashOf(list, k0, k1, k2, k3, k4);
    const index = this.index, hashes = this.hashes;
    const mask = this.mask;
    let s = h & mask;
    for (;;) {
      const v = index[s]!;
      if (v === 0) return -1;
      const e = v - 1;
      if (hashes[e] === h && lists[e] === list) {
        const o = e * KEY_WORDS;
        if (
          keys[o] === k0 && keys[o + 1] === k1 && keys[o + 2] === k2 && keys[o + 3] === k3 &&
          keys[o + 4] === k4
        ) {
          this.lastFound = e;
          return e;
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
    if (this.size >= this.capacity) return -1;
    let e: number;
    if (this.freeHead >= 0) {
      e = this.freeHead;
      this.freeHead = this.next[e]!;
    } else {
      e = this.used++;
    }
    const h = this.hashOf(list, k0, k1, k2, k3, k4);
    const o = e * KEY_WORDS;
    const keys = this.keys;
    keys[o] = k0;
    keys[o + 1] = k1;
    keys[o + 2] = k2;
    keys[o + 3] = k3;
    keys[o + 4] = k4;
    this.hashes[e] = h;
    this.lists[e] = list;
    this.stamps[e] = stamp;
    const index = this.index, mask = this.mask;
    let s = h & mask;
    while (index[s] !== 0) s = (s + 1) & mask;
    index[s] = e + 1;
    // Link at the head of the list.
    const head = this.heads[list]!;
    this.prev[e] = -1;
    this.next[e] = head;
    if (head >= 0) this.prev[head] = e;
    else this.tails[list] = e;
    this.heads[list] = e;
    this.counts[list] = this.counts[list]! + 1;
    this.size++;
    return e;
  }

  /** Sets an entry's stamp and moves it to the head of its list. */
  touch(e: number, stamp: number): void {
    this.stamps[e] = stamp;
    const list = this.lists[e]!;
    if (this.heads[list] === e) return;
    const prev = this.prev, next = this.next;
    // Unlink (e is not the head, so it has a predecessor).
    const p = prev[e]!, n = next[e]!;
    next[p] = n;
    if (n >= 0) prev[n] = p;
    else this.tails[list] = p;
    // Relink at the head.
    const head = this.heads[list]!;
    prev[e] = -1;
    next[e] = head;
    prev[head] = e;
    this.heads[list] = e;
  }

  /** Removes an entry in use. */
  remove(e: number): void {
    const list = this.lists[e]!;
    const prev = this.prev, next = this.next;
    const p = prev[e]!, n = next[e]!;
    if (p >= 0) next[p] = n;
    else this.heads[list] = n;
    if (n >= 0) prev[n] = p;
    else this.tails[list] = p;
    this.counts[list] = this.counts[list]! - 1;
    // Find the entry's slot, then close the gap (backward-shift deletion,
    // Knuth TAOCP vol. 3 §6.4 Algorithm R).
    const index = this.index, hashes = this.hashes, mask = this.mask;
    let i = hashes[e]! & mask;
    while (index[i] !== e + 1) i = (i + 1) & mask;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const v = index[j]!;
      if (v === 0) break;
      const home = hashes[v - 1]! & mask;
      // The entry at j may move to i unless its home lies cyclically in (i, j].
      const stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
      if (!stays) {
        index[i] = v;
        i = j;
      }
    }
    index[i] = 0;
    this.lists[e] = -1;
    next[e] = this.freeHead;
    this.freeHead = e;
    this.size--;
  }

  /** Removes every entry of a list. */
  clearList(list: number): void {
    let e = this.heads[list]!;
    while (e >= 0) {
      const n = this.next[e]!;
      this.remove(e);
      e = n;
    }
  }

  /** Number of entries in a list. */
  count(list: number): number {
    return this.counts[list]!;
  }

  /** Most recently touched entry of a list, -1 if empty. */
  head(list: number): number {
    return this.heads[list]!;
  }

  /** Least recently touched entry of a list, -1 if empty. */
  tail(list: number): number {
    return this.tails[list]!;
  }

  /** The next less recently touched entry after `e` in its list, -1 at the tail. */
  older(e: number): number {
    return this.next[e]!;
  }

  /** The key word `w` (0..4) of entry `e`, as a u32. */
  key(e: number, w: number): number {
    return this.keys[e * KEY_WORDS + w]! >>> 0;
  }

  /**
   * Removes entries from the tail of `list` while their stamp is below
   * `minStamp`; returns how many were removed.
   */
  trimOlderThan(list: number, minStamp: number): number {
    let n = 0;
    for (;;) {
      const e = this.tails[list]!;
      if (e < 0 || this.stamps[e]! >= minStamp) return n;
      this.remove(e);
      n++;
    }
  }
}
