/**
 * A bounded FIFO of port-scan contacts waiting for their answer: the
 * storage behind the failed-contact rule of `anomaly_detector.ts`.
 *
 * Each entry is one contact (the first packet of a TCP or UDP flow): its
 * capture time, the flow's slot (to ask the flow table whether the flow
 * was answered), the address family, the source and destination addresses
 * and the port key (`port_scan.ts`).
 *
 * Layout: every contact is written once and judged once, 2 s of capture
 * later, when its lines have left the CPU caches; judging reads its time
 * and slot, and only an unanswered contact (rare) needs the rest. So the
 * rings are split by use, each written and read sequentially:
 *
 * - `words` (16 bytes, with the float64 view `floats` over the same
 *   memory): capture time, slot, port key with flags; four per cache line;
 * - `v4` (8 bytes): IPv4 source and destination;
 * - `v6` (32 bytes): IPv6 source and destination, IPv6 contacts only;
 * - `firstSeen` (8 bytes): the flow's first-seen time, only when it is not
 *   the contact's time ({@link P_OWN_FIRST_SEEN}; the flow table creates a
 *   flow at its first packet, so never in the pipeline).
 *
 * Times are stored as given; the caller keeps the queue's order by
 * clamping them when it reads them back (a time earlier than the previous
 * entry's counts as that one), which needs no storage since entries come
 * back in the order they went in. The rings are sized at construction
 * (pages never reached are never touched); nothing is allocated afterwards.
 *
 * The caller reserves an entry with {@link PendingContacts.push} and fills
 * it at the returned index (word offsets `P_*` from `i * P_STRIDE`, float64
 * index `i * P_STRIDE / 2 + PF_TIME`, `v4` words from `i * 2`, `v6` words
 * from `i * 8`); {@link PendingContacts.shift} hands back the index of the
 * oldest entry, whose fields stay readable until the next `push`.
 *
 * @module
 */

/** Default number of contacts that can wait at once. */
export const DEFAULT_PENDING_CONTACTS = 65536;

/** Int32 words per entry of `words` (16 bytes). */
export const P_STRIDE = 4;
/** Float64 index (from `i * P_STRIDE / 2`): capture time of the contact (seconds). */
export const PF_TIME = 0;
/** Word: flow table slot of the contact's flow. */
export const P_SLOT = 2;
/**
 * Word: port key (destination port, bit 16 set for UDP), | {@link P_V6}
 * and {@link P_OWN_FIRST_SEEN} flags.
 */
export const P_KEY = 3;
/** Bit of the P_KEY word: an IPv6 contact (addresses in `v6`, else in `v4`). */
export const P_V6 = 1 << 24;
/** Bit of the P_KEY word: the flow's first-seen time is in `firstSeen`, not the contact's time. */
export const P_OWN_FIRST_SEEN = 1 << 25;
/** Mask of the port key in the P_KEY word. */
export const P_PORT_KEY_MASK = 0x1ffff;

/** A ring of pending contacts (see the module doc). */
export class PendingContacts {
  /** Maximum entries. */
  readonly capacity: number;
  /** Entries held. */
  length = 0;
  /** Index of the oldest entry (meaningless when empty). */
  head = 0;
  /** Entry records, {@link P_STRIDE} words each. */
  readonly words: Int32Array;
  /** The same memory as `words`, as float64. */
  readonly floats: Float64Array;
  /** IPv4 addresses, 2 words per entry: source at `2·i`, destination at `2·i + 1`. */
  readonly v4: Int32Array;
  /** IPv6 addresses, 8 words per entry: source at `8·i`, destination at `8·i + 4`. */
  readonly v6: Int32Array;
  /** First-seen time of an entry's flow, when flagged {@link P_OWN_FIRST_SEEN}. */
  readonly firstSeen: Float64Array;

  /** @param capacity maximum entries (1 .. 2^24) */
  constructor(capacity: number = DEFAULT_PENDING_CONTACTS) {
    if (!(Number.isInteger(capacity) && capacity >= 1 && capacity <= 1 << 24)) {
      throw new RangeError(`Cannot create contact queue: capacity ${capacity} is out of range`);
    }
    this.capacity = capacity;
    this.words = new Int32Array(P_STRIDE * capacity);
    this.floats = new Float64Array(this.words.buffer);
    this.v4 = new Int32Array(2 * capacity);
    this.v6 = new Int32Array(8 * capacity);
    this.firstSeen = new Float64Array(capacity);
  }

  /** Reserves the entry after the newest and returns its index; -1 when full. */
  push(): number {
    if (this.length === this.capacity) return -1;
    let i = this.head + this.length;
    if (i >= this.capacity) i -= this.capacity;
    this.length++;
    return i;
  }

  /** Removes the oldest entry and returns its index; -1 when empty. */
  shift(): number {
    if (this.length === 0) return -1;
    const i = this.head;
    this.head = i + 1 === this.capacity ? 0 : i + 1;
    this.length--;
    return i;
  }

  /** Capture time of entry `i` as stored (seconds, relative to the run's first packet). */
  time(i: number): number {
    return this.floats[i * (P_STRIDE / 2) + PF_TIME]!;
  }

  /** Flow table slot of entry `i`. */
  slot(i: number): number {
    return this.words[i * P_STRIDE + P_SLOT]!;
  }

  /** First-seen time of entry `i`'s flow. */
  flowFirstSeen(i: number): number {
    return (this.words[i * P_STRIDE + P_KEY]! & P_OWN_FIRST_SEEN) !== 0
      ? this.firstSeen[i]!
      : this.floats[i * (P_STRIDE / 2) + PF_TIME]!;
  }
}
