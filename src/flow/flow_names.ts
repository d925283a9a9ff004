/**
 * The first DNS query name and the first TLS server name (SNI) of each
 * flow, kept as bytes, not strings: a string per flow is an allocation per
 * new flow and, on a table of a million flows, garbage-collector work that
 * grows with the table. The text is made only when a flow is exported or
 * shown ({@link FlowNames.dnsName}, {@link FlowNames.sni}).
 *
 * ## Storage
 *
 * One cell per flow that has a name, from size classes of 32, 64, 128, …
 * 65,536 bytes (one growable byte pool and one free list per class). A
 * cell holds a 4-byte header (the DNS name's stored length and the SNI's,
 * 16 bits each, 0 = none) followed by the DNS name in wire format with any
 * compression pointers followed (RFC 1035 §4.1.4: length-prefixed labels
 * ending with the zero label, at most 255 bytes) and then the SNI bytes
 * (RFC 6066 §3 `HostName`). Adding the second name to a flow moves its
 * cell to a larger class if needed. A handle is `(class << 24) | cell`.
 *
 * @module
 */

import { DnsInfo, dnsNameAt } from "../protocol/dns.ts";

const HEADER = 4;
const MIN_SHIFT = 5; // 32-byte cells
const CLASSES = 12; // up to 32 << 11 = 65,536 bytes
const CELL_BITS = 24;
const CELL_MASK = (1 << CELL_BITS) - 1;
/** Longest wire-format DNS name (RFC 1035 §2.3.4). */
const MAX_NAME = 255;

/** Per-flow DNS query names and TLS server names in byte cells (see the module doc). */
export class FlowNames {
  #pools: Uint8Array[] = [];
  #high: number[] = [];
  #free: number[][] = [];
  /** Wire-format name of the last {@link setDns} (bytes 0..#nameLen). */
  #name = new Uint8Array(MAX_NAME);
  #nameLen = 0;
  /** Scratch message description for dnsNameAt over a cell. */
  readonly #info = new DnsInfo();

  constructor() {
    for (let c = 0; c < CLASSES; c++) {
      this.#pools.push(new Uint8Array(0));
      this.#high.push(0);
      this.#free.push([]);
    }
  }

  /** Bytes held by the pools. */
  get byteLength(): number {
    let n = 0;
    for (const p of this.#pools) n += p.byteLength;
    return n;
  }

  /** Whether the cell `handle` (-1 = none) holds a DNS name. */
  hasDns(handle: number): boolean {
    return handle >= 0 && this.#len(handle, 0) !== 0;
  }

  /** Whether the cell `handle` (-1 = none) holds a server name. */
  hasSni(handle: number): boolean {
    return handle >= 0 && this.#len(handle, 2) !== 0;
  }

  /**
   * Stores the DNS name at `nameOff` of the message `info` (already
   * validated by the decoder) in the cell `handle` (-1 = none yet) and
   * returns the cell's handle, which may be new. A name that is not a valid
   * sequence of labels is not stored (returns `handle`).
   */
  setDns(handle: number, buf: Uint8Array, info: DnsInfo, nameOff: number): number {
    if (!this.#copyName(buf, info, nameOff)) return handle;
    const sniLen = handle >= 0 ? this.#len(handle, 2) : 0;
    const h = this.#fit(handle, this.#nameLen + sniLen);
    const pool = this.#pools[h >>> CELL_BITS]!, o = this.#offset(h);
    if (sniLen !== 0) pool.copyWithin(o + HEADER + this.#nameLen, o + HEADER, o + HEADER + sniLen);
    const name = this.#name;
    for (let i = 0; i < this.#nameLen; i++) pool[o + HEADER + i] = name[i]!;
    pool[o] = this.#nameLen >>> 8;
    pool[o + 1] = this.#nameLen & 0xff;
    pool[o + 2] = sniLen >>> 8;
    pool[o + 3] = sniLen & 0xff;
    return h;
  }

  /** Stores the server name `buf[off .. off+len)` (at most 65,532 bytes kept) in `handle`. */
  setSni(handle: number, buf: Uint8Array, off: number, len: number): number {
    const dnsLen = handle >= 0 ? this.#len(handle, 0) : 0;
    const n = Math.min(len, (32 << (CLASSES - 1)) - HEADER - dnsLen);
    const h = this.#fit(handle, dnsLen + n);
    const pool = this.#pools[h >>> CELL_BITS]!, o = this.#offset(h);
    for (let i = 0; i < n; i++) pool[o + HEADER + dnsLen + i] = buf[off + i]!;
    pool[o] = dnsLen >>> 8;
    pool[o + 1] = dnsLen & 0xff;
    pool[o + 2] = n >>> 8;
    pool[o + 3] = n & 0xff;
    return h;
  }

  /** The DNS name as dotted text without the trailing dot ("." for the root), or null. */
  dnsName(handle: number): string | null {
    if (!this.hasDns(handle)) return null;
    const pool = this.#pools[handle >>> CELL_BITS]!, o = this.#offset(handle);
    const info = this.#info;
    info.msgOff = o + HEADER;
    info.msgLen = this.#len(handle, 0);
    const name = dnsNameAt(pool, info, o + HEADER);
    return name.length > 1 && name.endsWith(".") ? name.slice(0, -1) : name;
  }

  /** The server name (bytes as Latin-1 characters, as `tlsSni`), or null. */
  sni(handle: number): string | null {
    if (!this.hasSni(handle)) return null;
    const pool = this.#pools[handle >>> CELL_BITS]!;
    const start = this.#offset(handle) + HEADER + this.#len(handle, 0);
    const n = this.#len(handle, 2);
    let s = "";
    for (let i = 0; i < n; i++) s += String.fromCharCode(pool[start + i]!);
    return s;
  }

  /** Frees the cell `handle` (-1 = nothing to free). */
  free(handle: number): void {
    if (handle >= 0) this.#free[handle >>> CELL_BITS]!.push(handle & CELL_MASK);
  }

  // ---- internals ----

  /** Stored length of the name at header byte `at` (0 = DNS, 2 = SNI). */
  #len(handle: number, at: number): number {
    const pool = this.#pools[handle >>> CELL_BITS]!, o = this.#offset(handle);
    return (pool[o + at]! << 8) | pool[o + at + 1]!;
  }

  #offset(handle: number): number {
    return (handle & CELL_MASK) << ((handle >>> CELL_BITS) + MIN_SHIFT);
  }

  /**
   * A cell for `payload` bytes: `handle` itself when it is big enough, else
   * a new cell holding a copy of the old one's bytes (the old one is freed).
   */
  #fit(handle: number, payload: number): number {
    let c = 0;
    while ((32 << c) < HEADER + payload) c++;
    if (handle >= 0 && (handle >>> CELL_BITS) >= c) return handle;
    const h = this.#alloc(c);
    if (handle >= 0) {
      const from = this.#pools[handle >>> CELL_BITS]!, o = this.#offset(handle);
      const to = this.#pools[c]!, t = this.#offset(h);
      const size = HEADER + this.#len(handle, 0) + this.#len(handle, 2);
      for (let i = 0; i < size; i++) to[t + i] = from[o + i]!;
      this.free(handle);
    }
    return h;
  }

  #alloc(c: number): number {
    const cell = this.#free[c]!.pop();
    if (cell !== undefined) return (c << CELL_BITS) | cell;
    const n = this.#high[c]!;
    if (n > CELL_MASK) throw new RangeError("Cannot store flow name: too many cells");
    const size = 32 << c;
    let pool = this.#pools[c]!;
    if ((n + 1) * size > pool.length) {
      const grown = new Uint8Array(Math.max(size * 64, pool.length * 2));
      grown.set(pool);
      this.#pools[c] = pool = grown;
    }
    this.#high[c] = n + 1;
    return (c << CELL_BITS) | n;
  }

  /** Copies the name at `nameOff` into #name in wire format, following pointers. */
  #copyName(buf: Uint8Array, info: DnsInfo, nameOff: number): boolean {
    const msg = info.msgOff, end = msg + info.msgLen;
    const out = this.#name;
    let p = nameOff, n = 0, jumps = 0;
    for (;;) {
      if (p < msg || p >= end) return false;
      const l = buf[p]!;
      if (l === 0) {
        if (n >= MAX_NAME) return false;
        out[n++] = 0;
        this.#nameLen = n;
        return true;
      }
      if (l < 64) {
        if (n + 1 + l >= MAX_NAME || p + 1 + l > end) return false;
        for (let i = 0; i <= l; i++) out[n + i] = buf[p + i]!;
        n += l + 1;
        p += l + 1;
        continue;
      }
      if (l < 0xc0 || p + 1 >= end || ++jumps > 64) return false;
      p = msg + (((l & 0x3f) << 8) | buf[p + 1]!);
    }
  }
}
