/**
 * A bounded FIFO of port-scan contacts waiting for their answer: the
 * storage behind the failed-contact rule of `anomaly_detector.ts`.
 *
 * Each entry is one contact (the first packet of a TCP or UDP flow): its
 * capture time, the flow's slot and first-seen time (to ask the flow table
 * later whether the flow was answered), the address family, the source and
 * destination addresses (four int32 words each, as `ip_key.ts` stores them)
 * and the port key (`port_scan.ts`). Entries are kept in a ring of typed
 * arrays sized at construction (about 57 bytes per entry; pages never
 * reached are never touched); nothing is allocated afterwards.
 *
 * The caller reserves an entry with {@link PendingContacts.push} and fills
 * the arrays at the returned index; {@link PendingContacts.shift} hands
 * back the index of the oldest entry, whose fields stay readable until the
 * next `push`. Times are pushed in non-decreasing order (the caller clamps),
 * so the head is always the oldest.
 *
 * @module
 */

/** Default number of contacts that can wait at once. */
export const DEFAULT_PENDING_CONTACTS = 65536;

/** A ring of pending contacts (see the module doc). */
export class PendingContacts {
  /** Maximum entries. */
  readonly capacity: number;
  /** Entries held. */
  length = 0;
  /** Index of the oldest entry (meaningless when empty). */
  head = 0;
  /** Capture time of each entry (seconds, relative to the run's first packet). */
  readonly times: Float64Array;
  /** First-seen time of the entry's flow, as the flow table reported it. */
  readonly firstSeen: Float64Array;
  /** Flow table slot of the entry's flow. */
  readonly slots: Int32Array;
  /** Address family, 4 or 6. */
  readonly families: Uint8Array;
  /** Port key (destination port, bit 16 set for UDP). */
  readonly portKeys: Int32Array;
  /** Addresses, 8 words per entry: source at `8·i`, destination at `8·i + 4`. */
  readonly addrs: Int32Array;

  /** @param capacity maximum entries (1 .. 2^24) */
  constructor(capacity: number = DEFAULT_PENDING_CONTACTS) {
    if (!(Number.isInteger(capacity) && capacity >= 1 && capacity <= 1 << 24)) {
      throw new RangeError(`Cannot create contact queue: capacity ${capacity} is out of range`);
    }
    this.capacity = capacity;
    this.times = new Float64Array(capacity);
    this.firstSeen = new Float64Array(capacity);
    this.slots = new Int32Array(capacity);
    this.families = new Uint8Array(capacity);
    this.portKeys = new Int32Array(capacity);
    this.addrs = new Int32Array(8 * capacity);
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
}
