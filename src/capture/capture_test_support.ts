/**
 * Test support for the capture reader: builders for small, hand-made pcap and
 * pcapng files (edge cases no real capture has: big-endian sections, 2^-N
 * timestamp units, SPB/OPB, unknown blocks, bad lengths) and
 * {@link collectFrames}, which runs the reader loop and copies every frame.
 * Used by the tests and the bench; not on any hot path (allocates freely).
 *
 * Layouts: pcap per draft-ietf-opsawg-pcap sections 4-5, pcapng per
 * draft-ietf-opsawg-pcapng-02 sections 3-4.
 *
 * @module
 */

import type { ByteReader } from "./byte_source.ts";
import type { CaptureFileError } from "./capture_file_error.ts";
import type { CaptureFileReader } from "./capture_file_reader.ts";
import { Frame } from "./frame.ts";
import { NEXT_EOF, NEXT_ERROR, NEXT_FRAME, NEXT_NEED_DATA } from "./read_status.ts";

/** Bytes `0..n-1` filled with a recognisable pattern starting from `seed`. */
export function patternBytes(n: number, seed = 0): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (seed + i * 7) & 0xff;
  return b;
}

/** A little growable byte writer with per-call byte order. */
class Writer {
  #buf = new Uint8Array(256);
  #len = 0;
  littleEndian = true;

  get length(): number {
    return this.#len;
  }

  #ensure(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    let cap = this.#buf.length * 2;
    while (cap < this.#len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
  }

  u8(v: number): this {
    this.#ensure(1);
    this.#buf[this.#len++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.#ensure(2);
    new DataView(this.#buf.buffer).setUint16(this.#len, v & 0xffff, this.littleEndian);
    this.#len += 2;
    return this;
  }

  u32(v: number): this {
    this.#ensure(4);
    new DataView(this.#buf.buffer).setUint32(this.#len, v >>> 0, this.littleEndian);
    this.#len += 4;
    return this;
  }

  /** Signed or unsigned 64-bit from a safe integer. */
  i64(v: number): this {
    const hi = Math.floor(v / 4294967296);
    const lo = v - hi * 4294967296;
    return this.littleEndian ? this.u32(lo).u32(hi) : this.u32(hi).u32(lo);
  }

  bytes(b: Uint8Array): this {
    this.#ensure(b.length);
    this.#buf.set(b, this.#len);
    this.#len += b.length;
    return this;
  }

  pad4(): this {
    while ((this.#len & 3) !== 0) this.u8(0);
    return this;
  }

  done(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }
}

/** pcap file header fields. */
export interface PcapHeaderSpec {
  littleEndian?: boolean;
  nanosecond?: boolean;
  /** Kuznetsov modified format (magic A1B2CD34, 24-byte record headers). */
  modified?: boolean;
  versionMajor?: number;
  versionMinor?: number;
  snaplen?: number;
  /** Full 32-bit link type field (LINKTYPE in the low 16 bits). */
  linkType?: number;
}

/** One pcap record. */
export interface PcapRecordSpec {
  tsSec: number;
  /** Microseconds or nanoseconds (raw field value). */
  tsFrac: number;
  data: Uint8Array;
  /** Original length (default data.length). */
  wireLen?: number;
  /** caplen written in the header (default data.length): lets tests lie. */
  capLenField?: number;
}

/** A complete pcap file. */
export function buildPcap(header: PcapHeaderSpec, records: readonly PcapRecordSpec[]): Uint8Array {
  const w = new Writer();
  w.littleEndian = header.littleEndian ?? true;
  const magic = header.modified ? 0xa1b2cd34 : header.nanosecond ? 0xa1b23c4d : 0xa1b2c3d4;
  w.u32(magic).u16(header.versionMajor ?? 2).u16(header.versionMinor ?? 4);
  w.u32(0).u32(0).u32(header.snaplen ?? 65535).u32(header.linkType ?? 1);
  for (const r of records) {
    w.u32(r.tsSec).u32(r.tsFrac).u32(r.capLenField ?? r.data.length);
    w.u32(r.wireLen ?? r.data.length);
    if (header.modified) w.u32(0).u16(0).u8(0).u8(0);
    w.bytes(r.data);
  }
  return w.done();
}

/** IDB fields and options. */
export interface IdbSpec {
  linkType?: number;
  snaplen?: number;
  name?: string;
  /** Raw if_tsresol byte. */
  tsresol?: number;
  /** if_tsoffset seconds (safe integer, may be negative). */
  tsoffset?: number;
  fcslen?: number;
}

/** EPB / OPB fields. */
export interface PacketSpec {
  ifId?: number;
  tsHi?: number;
  tsLo?: number;
  data: Uint8Array;
  wireLen?: number;
  /** Captured length written in the block (default data.length). */
  capLenField?: number;
  /** OPB only: drops count. */
  drops?: number;
  /** Append an opt_comment option with this text. */
  comment?: string;
}

/** Builds a pcapng file block by block; `shb()` sets each section's byte order. */
export class PcapngBuilder {
  readonly #w = new Writer();
  /** Byte offsets where each block started, in order. */
  readonly offsets: number[] = [];

  /** Section Header Block. */
  shb(opts: { littleEndian?: boolean; major?: number; minor?: number } = {}): this {
    this.#w.littleEndian = opts.littleEndian ?? true;
    const body = new Writer();
    body.littleEndian = this.#w.littleEndian;
    body.u32(0x1a2b3c4d).u16(opts.major ?? 1).u16(opts.minor ?? 0).i64(-1);
    return this.block(0x0a0d0d0a, body.done());
  }

  /** Interface Description Block. */
  idb(spec: IdbSpec = {}): this {
    const body = this.#body();
    body.u16(spec.linkType ?? 1).u16(0).u32(spec.snaplen ?? 0);
    const opts: [number, Uint8Array][] = [];
    if (spec.name !== undefined) opts.push([2, new TextEncoder().encode(spec.name)]);
    if (spec.tsresol !== undefined) opts.push([9, Uint8Array.of(spec.tsresol)]);
    if (spec.fcslen !== undefined) opts.push([13, Uint8Array.of(spec.fcslen)]);
    if (spec.tsoffset !== undefined) {
      const o = this.#body();
      o.i64(spec.tsoffset);
      opts.push([14, o.done()]);
    }
    this.#options(body, opts);
    return this.block(1, body.done());
  }

  /** Enhanced Packet Block. */
  epb(spec: PacketSpec): this {
    const body = this.#body();
    body.u32(spec.ifId ?? 0).u32(spec.tsHi ?? 0).u32(spec.tsLo ?? 0);
    body.u32(spec.capLenField ?? spec.data.length).u32(spec.wireLen ?? spec.data.length);
    body.bytes(spec.data).pad4();
    if (spec.comment !== undefined) {
      this.#options(body, [[1, new TextEncoder().encode(spec.comment)]]);
    }
    return this.block(6, body.done());
  }

  /** Obsolete Packet Block (type 2). */
  opb(spec: PacketSpec): this {
    const body = this.#body();
    body.u16(spec.ifId ?? 0).u16(spec.drops ?? 0).u32(spec.tsHi ?? 0).u32(spec.tsLo ?? 0);
    body.u32(spec.capLenField ?? spec.data.length).u32(spec.wireLen ?? spec.data.length);
    body.bytes(spec.data).pad4();
    return this.block(2, body.done());
  }

  /** Simple Packet Block. */
  spb(data: Uint8Array, wireLen = data.length): this {
    const body = this.#body();
    body.u32(wireLen).bytes(data).pad4();
    return this.block(3, body.done());
  }

  /** Any block: type, body (padded to 4 here), both length fields. */
  block(type: number, body: Uint8Array, lengthField?: number, trailerField?: number): this {
    const w = this.#w;
    this.offsets.push(w.length);
    const len = 12 + ((body.length + 3) & ~3);
    w.u32(type).u32(lengthField ?? len).bytes(body).pad4().u32(trailerField ?? lengthField ?? len);
    return this;
  }

  /** Raw bytes appended as they are. */
  raw(bytes: Uint8Array): this {
    this.#w.bytes(bytes);
    return this;
  }

  /** The file so far. */
  build(): Uint8Array {
    return this.#w.done();
  }

  #body(): Writer {
    const b = new Writer();
    b.littleEndian = this.#w.littleEndian;
    return b;
  }

  #options(w: Writer, opts: [number, Uint8Array][]): void {
    if (opts.length === 0) return;
    for (const [code, value] of opts) w.u16(code).u16(value.length).bytes(value).pad4();
    w.u16(0).u16(0);
  }
}

/** One delivered frame, copied out of the reader's buffer. */
export interface CollectedFrame {
  number: number;
  fileOffset: number;
  tsSec: number;
  tsNsec: number;
  capLen: number;
  wireLen: number;
  linkType: number;
  ifIndex: number;
  data: Uint8Array;
}

/** What reading a whole input produced. */
export interface CollectedRun {
  frames: CollectedFrame[];
  /** Final status: NEXT_EOF (0) or NEXT_ERROR (3). */
  status: number;
  error: CaptureFileError | null;
  /** How many times fill() was awaited. */
  fills: number;
}

/** A copy of the frame `next()` just returned (its bytes too). */
function copyFrame(f: Frame): CollectedFrame {
  return {
    number: f.number,
    fileOffset: f.fileOffset,
    tsSec: f.tsSec,
    tsNsec: f.tsNsec,
    capLen: f.capLen,
    wireLen: f.wireLen,
    linkType: f.linkType,
    ifIndex: f.ifIndex,
    data: f.buf.slice(f.offset, f.offset + f.capLen),
  };
}

/** Whether two byte arrays hold the same bytes. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Runs the lead's loop over `r` to the end, copying every frame. Asserts the
 * status protocol as it goes: NEXT_NEED_DATA only while fill() can still
 * deliver, and next() after a false fill() ends the input.
 *
 * With `hold`, each frame goes into its own `Frame` and is kept (as
 * offline_run keeps a batch) until the next fill(): just before each fill(),
 * and at the end, every frame handed out since the previous fill() must
 * still show the bytes it had when next() returned it.
 */
export async function collectFrames(
  r: CaptureFileReader,
  opts: { hold?: boolean } = {},
): Promise<CollectedRun> {
  const hold = opts.hold === true;
  let f = new Frame();
  const frames: CollectedFrame[] = [];
  let held: { f: Frame; copy: CollectedFrame }[] = [];
  let fills = 0;
  let ended = false;
  const checkHeld = () => {
    for (const h of held) {
      if (!sameBytes(h.f.buf.subarray(h.f.offset, h.f.offset + h.f.capLen), h.copy.data)) {
        throw new Error(`frame ${h.copy.number} changed before the next fill()`);
      }
    }
    held = [];
  };
  for (;;) {
    if (hold) f = new Frame();
    const s = r.next(f);
    if (s === NEXT_FRAME) {
      const copy = copyFrame(f);
      frames.push(copy);
      if (hold) held.push({ f, copy });
    } else if (s === NEXT_NEED_DATA) {
      if (ended) throw new Error("next() asked for data after fill() returned false");
      checkHeld();
      fills++;
      if (!(await r.fill())) ended = true;
    } else if (s === NEXT_EOF || s === NEXT_ERROR) {
      checkHeld();
      // Sticky: asking again gives the same answer.
      if (r.next(f) !== s) throw new Error("next() status is not sticky at the end");
      return { frames, status: s, error: r.error, fills };
    } else {
      throw new Error(`unexpected status ${s}`);
    }
  }
}

/**
 * A ByteReader serving `bytes` in reads of at most `step` bytes, failing
 * from offset `failAt` on (-1: never); counts reads and closes. With
 * `scribble`, the rest of each read's target is overwritten, so that a
 * parser reading stale bytes sees garbage. The bytes are written at call
 * time, i.e. while a read-ahead parser still walks its other buffer.
 */
export class StepReader implements ByteReader {
  pos = 0;
  reads = 0;
  closes = 0;
  constructor(
    readonly bytes: Uint8Array,
    readonly step = Infinity,
    readonly failAt = -1,
    readonly scribble = false,
  ) {}
  read(p: Uint8Array): Promise<number | null> {
    this.reads++;
    if (this.failAt >= 0 && this.pos >= this.failAt) {
      return Promise.reject(new Error("device vanished"));
    }
    if (this.pos >= this.bytes.length) return Promise.resolve(null);
    let n = Math.min(p.length, this.step, this.bytes.length - this.pos);
    if (this.failAt >= 0) n = Math.min(n, this.failAt - this.pos);
    p.set(this.bytes.subarray(this.pos, this.pos + n));
    if (this.scribble) p.fill(0xee, n);
    this.pos += n;
    return Promise.resolve(n);
  }
  close(): void {
    this.closes++;
  }
}
