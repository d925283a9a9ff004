/**
 * Reader for the pcapng format, per draft-ietf-opsawg-pcapng-02
 * (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-02.html).
 *
 * Every block (section 3.1) is `type u32 | total length u32 | body |
 * total length u32`; the total length must be >= 12, a multiple of 4, equal
 * to the trailing copy, and (here) at most 256 MiB, otherwise the block is
 * corrupt. Blocks read:
 *
 * - Section Header Block (0x0A0D0D0A, section 4.1): byte-order magic
 *   0x1A2B3C4D in either order sets the byte order of its section; major
 *   version must be 1. Each SHB starts a new section whose interface list
 *   starts empty. Interfaces are numbered across the whole file
 *   ({@link Frame.ifIndex} is that global index), so interfaces of different
 *   sections stay distinct.
 * - Interface Description Block (1, section 4.2): link type u16, reserved u16,
 *   snaplen u32, options `if_name` (2), `if_description` (3), `if_tsresol`
 *   (9), `if_fcslen` (13), `if_tsoffset` (14). Malformed options end the
 *   option list (the interface is kept).
 * - Enhanced Packet Block (6, section 4.3): interface id u32, timestamp high
 *   u32, timestamp low u32, captured length u32, original length u32, data
 *   padded to 32 bits, options.
 * - Simple Packet Block (3, section 4.4): original length u32, data. It
 *   belongs to the section's interface 0 and has no timestamp (tsSec = tsNsec
 *   = 0); capLen = min(original length, data room, interface snaplen if not 0).
 * - Packet Block (2, obsolete, appendix A): like the EPB with the interface id
 *   as u16 followed by a u16 drops count.
 * - Everything else (NRB, ISB, DSB, custom, unknown) is skipped and counted
 *   in {@link PcapngReader.skippedBlocks}.
 *
 * An EPB/OPB/SPB naming an interface its section has not described, or whose
 * captured length does not fit in the block, is corrupt. Timestamps are
 * converted exactly by {@link TimestampConverter}.
 *
 * `next()` allocates nothing per packet; IDBs (a handful per file) allocate.
 *
 * @module
 */

import type { Frame } from "./frame.ts";
import type { ByteSource } from "./byte_source.ts";
import { type CaptureFileError, describeIoError, readError } from "./capture_file_error.ts";
import { NEXT_EOF, NEXT_ERROR, NEXT_FRAME, NEXT_NEED_DATA } from "./read_status.ts";
import { MAX_RECORD_LENGTH } from "./pcap_reader.ts";
import { TimestampConverter } from "./pcapng_timestamp.ts";

/** Block types (draft-ietf-opsawg-pcapng-02 section 11.1). */
export const BLOCK_SHB = 0x0a0d0d0a;
export const BLOCK_IDB = 0x00000001;
export const BLOCK_OPB = 0x00000002;
export const BLOCK_SPB = 0x00000003;
export const BLOCK_NRB = 0x00000004;
export const BLOCK_ISB = 0x00000005;
export const BLOCK_EPB = 0x00000006;

/** Byte-order magic of the SHB. */
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/** Minimum total lengths per block type (header + fixed fields + trailer). */
const MIN_SHB = 28;
const MIN_IDB = 20;
const MIN_EPB = 32; // also the obsolete Packet Block's minimum
const MIN_SPB = 16;

/** Internal status of `#header()`: a complete, valid block is at `pos`. */
const BLOCK_READY = -1;

const utf8 = new TextDecoder("utf-8", { fatal: false });

/** One interface (IDB) of a pcapng file, or the single interface of a pcap file. */
export interface CaptureInterface {
  /** Global index across all sections: the value of `Frame.ifIndex`. */
  readonly index: number;
  /** 0-based section (SHB) the IDB belongs to. */
  readonly section: number;
  /** LINKTYPE_* value. */
  readonly linkType: number;
  /** Snapshot length (0 = no limit). */
  readonly snaplen: number;
  /** `if_name`, or "" if absent. */
  readonly name: string;
  /** `if_description`, or "" if absent. */
  readonly description: string;
  /** Raw `if_tsresol` byte (6 when absent; pcap: 6 or 9). */
  readonly tsresol: number;
  /** Time units per second (1e6 for microseconds, 1e9 for nanoseconds, 2^N, ...). */
  readonly tsUnitsPerSecond: number;
  /** Nanoseconds per time unit (1000 for microseconds; may be fractional). */
  readonly tsResolNs: number;
  /** `if_tsoffset` in seconds (0 when absent). */
  readonly tsOffsetSec: number;
  /** `if_fcslen` in bytes, or -1 if unknown. */
  readonly fcsLen: number;
}

/** Reads pcapng blocks from a {@link ByteSource}. */
export class PcapngReader {
  /** Every IDB seen so far, across sections, in file order. */
  readonly interfaces: CaptureInterface[] = [];
  /** Non-packet blocks other than SHB/IDB that were skipped (NRB, ISB, custom, unknown, ...). */
  skippedBlocks = 0;
  /** Sections (SHBs) seen. */
  sections = 0;
  /** Frames delivered so far. */
  framesRead = 0;
  /** Frames whose caplen exceeds their wire length (kept as they are). */
  capLenAboveWireLen = 0;
  /** Set when `next()` returns NEXT_ERROR. */
  error: CaptureFileError | null = null;
  /** Byte order of the current section. */
  littleEndian = true;

  readonly #src: ByteSource;
  readonly #path: string;
  /** Per global interface: link type, snaplen, converter (parallel arrays). */
  readonly #ifLinkType: number[] = [];
  readonly #ifSnaplen: number[] = [];
  readonly #ifConv: TimestampConverter[] = [];
  /** Global index of the current section's interface 0. */
  #sectionBase = 0;
  /** IDBs in the current section. */
  #sectionCount = 0;
  /** Type / total length of the block validated by `#header()`. */
  #type = 0;
  #len = 0;

  /**
   * Creates a reader for the input in `src`.
   * @param src source positioned at the first SHB (the caller checked the
   *   block type). Nothing is consumed until `next()` / `prime()`.
   */
  constructor(src: ByteSource, path: string) {
    this.#src = src;
    this.#path = path;
  }

  /**
   * Processes blocks up to the first IDB (or first packet block), so
   * `interfaces[0]` is known before the first frame. Returns NEXT_FRAME when
   * done, NEXT_NEED_DATA, NEXT_EOF or NEXT_ERROR.
   */
  prime(): number {
    for (;;) {
      if (this.error !== null) return NEXT_ERROR;
      if (this.interfaces.length > 0) return NEXT_FRAME;
      const s = this.#header();
      if (s !== BLOCK_READY) return s;
      const t = this.#type;
      if (t === BLOCK_EPB || t === BLOCK_SPB || t === BLOCK_OPB) return NEXT_FRAME;
      if (!this.#otherBlock(this.#src.pos, this.#len)) return NEXT_ERROR;
      this.#src.pos += this.#len;
    }
  }

  /**
   * Fills `frame` with the next packet, processing SHB/IDB/other blocks on
   * the way. Returns NEXT_FRAME, NEXT_NEED_DATA (await `src.fill()` and call
   * again), NEXT_EOF or NEXT_ERROR (`error`).
   */
  next(frame: Frame): number {
    // Fast path: a complete, well-formed EPB (nearly every block of a real
    // file). Anything else, including an EPB failing a check, takes the
    // general path, which re-validates and reports the problem.
    const src = this.#src;
    const b = src.buf;
    const p = src.pos;
    if (src.end - p >= MIN_EPB && this.error === null) {
      const le = this.littleEndian;
      if ((le ? u32le(b, p) : u32be(b, p)) === BLOCK_EPB) {
        const len = le ? u32le(b, p + 4) : u32be(b, p + 4);
        const ifId = le ? u32le(b, p + 8) : u32be(b, p + 8);
        const capLen = le ? u32le(b, p + 20) : u32be(b, p + 20);
        if (
          len >= MIN_EPB && (len & 3) === 0 && len <= src.end - p &&
          len <= MAX_RECORD_LENGTH && capLen <= len - MIN_EPB && ifId < this.#sectionCount &&
          (le ? u32le(b, p + len - 4) : u32be(b, p + len - 4)) === len
        ) {
          const g = this.#sectionBase + ifId;
          const conv = this.#ifConv[g];
          conv.convert(
            le ? u32le(b, p + 12) : u32be(b, p + 12),
            le ? u32le(b, p + 16) : u32be(b, p + 16),
          );
          const wireLen = le ? u32le(b, p + 24) : u32be(b, p + 24);
          frame.tsSec = conv.sec;
          frame.tsNsec = conv.nsec;
          frame.buf = b;
          frame.offset = p + 28;
          frame.capLen = capLen;
          frame.wireLen = wireLen;
          frame.linkType = this.#ifLinkType[g];
          frame.ifIndex = g;
          if (capLen > wireLen) this.capLenAboveWireLen++;
          frame.number = ++this.framesRead;
          frame.fileOffset = src.base + p;
          src.pos = p + len;
          return NEXT_FRAME;
        }
      }
    }
    return this.#nextGeneral(frame);
  }

  /** Every block type, with full validation and error reporting. */
  #nextGeneral(frame: Frame): number {
    const src = this.#src;
    for (;;) {
      if (this.error !== null) return NEXT_ERROR;
      const s = this.#header();
      if (s !== BLOCK_READY) return s;
      const t = this.#type;
      const len = this.#len;
      const b = src.buf;
      const p = src.pos;
      const le = this.littleEndian;
      if (t === BLOCK_EPB || t === BLOCK_OPB) {
        if (len < MIN_EPB) return this.#tooShort(p, len, MIN_EPB);
        let ifId: number;
        if (t === BLOCK_EPB) {
          ifId = le ? u32le(b, p + 8) : u32be(b, p + 8);
        } else {
          ifId = le ? b[p + 8] | (b[p + 9] << 8) : (b[p + 8] << 8) | b[p + 9];
        }
        const hi = le ? u32le(b, p + 12) : u32be(b, p + 12);
        const lo = le ? u32le(b, p + 16) : u32be(b, p + 16);
        const capLen = le ? u32le(b, p + 20) : u32be(b, p + 20);
        const wireLen = le ? u32le(b, p + 24) : u32be(b, p + 24);
        if (ifId >= this.#sectionCount) return this.#noInterface(p, ifId);
        if (capLen > len - MIN_EPB) {
          return this.#fail(
            "corrupt",
            p,
            `is corrupt (captured length ${capLen} does not fit in a ${len}-byte block)`,
          );
        }
        const g = this.#sectionBase + ifId;
        const conv = this.#ifConv[g];
        conv.convert(hi, lo);
        frame.tsSec = conv.sec;
        frame.tsNsec = conv.nsec;
        frame.buf = b;
        frame.offset = p + 28;
        frame.capLen = capLen;
        frame.wireLen = wireLen;
        frame.linkType = this.#ifLinkType[g];
        frame.ifIndex = g;
        if (capLen > wireLen) this.capLenAboveWireLen++;
        frame.number = ++this.framesRead;
        frame.fileOffset = src.base + p;
        src.pos = p + len;
        return NEXT_FRAME;
      }
      if (t === BLOCK_SPB) {
        if (len < MIN_SPB) return this.#tooShort(p, len, MIN_SPB);
        if (this.#sectionCount === 0) return this.#noInterface(p, 0);
        const g = this.#sectionBase;
        const wireLen = le ? u32le(b, p + 8) : u32be(b, p + 8);
        let capLen = len - MIN_SPB;
        if (wireLen < capLen) capLen = wireLen;
        const snap = this.#ifSnaplen[g];
        if (snap !== 0 && snap < capLen) capLen = snap;
        frame.tsSec = 0;
        frame.tsNsec = 0;
        frame.buf = b;
        frame.offset = p + 12;
        frame.capLen = capLen;
        frame.wireLen = wireLen;
        frame.linkType = this.#ifLinkType[g];
        frame.ifIndex = g;
        frame.number = ++this.framesRead;
        frame.fileOffset = src.base + p;
        src.pos = p + len;
        return NEXT_FRAME;
      }
      if (!this.#otherBlock(p, len)) return NEXT_ERROR;
      src.pos = p + len;
    }
  }

  /**
   * Validates the block header at `pos` and that the whole block is in the
   * buffer; sets `#type`/`#len` (and, for an SHB, the byte order). Returns
   * BLOCK_READY or a NEXT_* status.
   */
  #header(): number {
    const src = this.#src;
    const b = src.buf;
    const p = src.pos;
    const avail = src.end - p;
    if (avail < 12) return this.#short(p, avail, 12, -1);
    let le = this.littleEndian;
    const t0 = le ? u32le(b, p) : u32be(b, p);
    if (t0 === BLOCK_SHB) {
      // The SHB's byte-order magic decides how its own length is read.
      const bom = u32le(b, p + 8);
      if (bom === BYTE_ORDER_MAGIC) le = true;
      else if (bom === 0x4d3c2b1a) le = false;
      else {
        const hex = bom.toString(16).padStart(8, "0");
        return this.#fail(
          this.framesRead === 0 && p + src.base === 0 ? "not-capture" : "corrupt",
          p,
          `is corrupt (Section Header Block byte-order magic is 0x${hex})`,
          undefined,
          "block",
        );
      }
    }
    const len = le ? u32le(b, p + 4) : u32be(b, p + 4);
    if (len < 12 || (len & 3) !== 0 || len > MAX_RECORD_LENGTH) {
      return this.#fail(
        "corrupt",
        p,
        `is corrupt (block total length ${len} is ${
          len > MAX_RECORD_LENGTH ? "above 256 MiB" : "not a multiple of 4 of at least 12"
        })`,
        undefined,
        t0 === BLOCK_EPB || t0 === BLOCK_SPB || t0 === BLOCK_OPB ? "packet" : "block",
      );
    }
    if (avail < len) return this.#short(p, avail, len, len);
    const trailer = le ? u32le(b, p + len - 4) : u32be(b, p + len - 4);
    if (trailer !== len) {
      return this.#fail(
        "corrupt",
        p,
        `is corrupt (block total length ${len} does not match the trailing copy ${trailer})`,
        undefined,
        t0 === BLOCK_EPB || t0 === BLOCK_SPB || t0 === BLOCK_OPB ? "packet" : "block",
      );
    }
    this.#type = t0;
    this.#len = len;
    if (t0 === BLOCK_SHB) this.littleEndian = le;
    return BLOCK_READY;
  }

  /** Handles a complete non-packet block at `p`. Returns false on error. */
  #otherBlock(p: number, len: number): boolean {
    const t = this.#type;
    if (t === BLOCK_SHB) return this.#sectionHeader(p, len);
    if (t === BLOCK_IDB) return this.#interfaceDescription(p, len);
    this.skippedBlocks++;
    return true;
  }

  #sectionHeader(p: number, len: number): boolean {
    const first = this.sections === 0 && this.#src.base + p === 0;
    if (len < MIN_SHB) {
      this.#tooShort(p, len, MIN_SHB, first ? "not-capture" : "corrupt");
      return false;
    }
    const b = this.#src.buf;
    const le = this.littleEndian;
    const major = le ? b[p + 12] | (b[p + 13] << 8) : (b[p + 12] << 8) | b[p + 13];
    const minor = le ? b[p + 14] | (b[p + 15] << 8) : (b[p + 14] << 8) | b[p + 15];
    if (major !== 1) {
      this.#fail(
        first ? "not-capture" : "corrupt",
        p,
        `has an unsupported pcapng version ${major}.${minor}`,
        undefined,
        "block",
      );
      return false;
    }
    this.sections++;
    this.#sectionBase = this.interfaces.length;
    this.#sectionCount = 0;
    return true;
  }

  #interfaceDescription(p: number, len: number): boolean {
    if (len < MIN_IDB) {
      this.#tooShort(p, len, MIN_IDB);
      return false;
    }
    const b = this.#src.buf;
    const le = this.littleEndian;
    const u16 = (o: number) => le ? b[o] | (b[o + 1] << 8) : (b[o] << 8) | b[o + 1];
    const u32 = (o: number) => le ? u32le(b, o) : u32be(b, o);
    const linkType = u16(p + 8);
    const snaplen = u32(p + 12);
    let name = "";
    let description = "";
    let tsresol = 6;
    let tsOffset = 0;
    let fcsLen = -1;
    // Options (section 3.5): code u16 | length u16 | value padded to 32 bits.
    let o = p + 16;
    const end = p + len - 4;
    while (o + 4 <= end) {
      const code = u16(o);
      const olen = u16(o + 2);
      const v = o + 4;
      if (code === 0 || v + olen > end) break; // opt_endofopt, or malformed
      if (code === 2) name = utf8.decode(b.subarray(v, v + olen));
      else if (code === 3) description = utf8.decode(b.subarray(v, v + olen));
      else if (code === 9 && olen === 1) tsresol = b[v];
      else if (code === 13 && olen === 1) fcsLen = b[v];
      else if (code === 14 && olen === 8) {
        // Signed 64-bit seconds.
        const hi = le ? u32(v + 4) | 0 : u32(v) | 0;
        const lo = le ? u32(v) : u32(v + 4);
        tsOffset = hi * 4294967296 + lo;
      }
      o = v + ((olen + 3) & ~3);
    }
    const conv = new TimestampConverter(tsresol, tsOffset);
    const index = this.interfaces.length;
    this.interfaces.push({
      index,
      section: this.sections - 1,
      linkType,
      snaplen,
      name,
      description,
      tsresol,
      tsUnitsPerSecond: conv.unitsPerSecond,
      tsResolNs: conv.nsPerUnit,
      tsOffsetSec: tsOffset,
      fcsLen,
    });
    this.#ifLinkType.push(linkType);
    this.#ifSnaplen.push(snaplen);
    this.#ifConv.push(conv);
    this.#sectionCount++;
    return true;
  }

  #noInterface(p: number, ifId: number): number {
    return this.#fail(
      "corrupt",
      p,
      `is corrupt (interface ${ifId} has no Interface Description Block in its section)`,
    );
  }

  #tooShort(
    p: number,
    len: number,
    min: number,
    kind: "corrupt" | "not-capture" = "corrupt",
  ): number {
    const t = this.#type;
    const packet = t === BLOCK_EPB || t === BLOCK_SPB || t === BLOCK_OPB;
    return this.#fail(
      kind,
      p,
      `is corrupt (${blockName(t)} total length ${len} is below the minimum ${min})`,
      undefined,
      packet ? "packet" : "block",
    );
  }

  /** Not enough bytes for the block at `p`: ask for more, or end / fail. */
  #short(p: number, avail: number, need: number, blockLen: number): number {
    const src = this.#src;
    if (!src.eof) {
      src.need = need;
      return NEXT_NEED_DATA;
    }
    if (src.ioError !== null) {
      return this.#fail(
        "io",
        p,
        `could not be read (${describeIoError(src.ioError)})`,
        src.ioError,
        "block",
      );
    }
    if (avail === 0) return NEXT_EOF;
    let what: "packet" | "block" = "block";
    if (avail >= 4) {
      const t = this.littleEndian ? u32le(src.buf, p) : u32be(src.buf, p);
      if (t === BLOCK_EPB || t === BLOCK_SPB || t === BLOCK_OPB) what = "packet";
    }
    return this.#fail(
      "truncated",
      p,
      blockLen < 0
        ? `is cut short (block header is 12 bytes, ${avail} present)`
        : `is cut short (block header says ${blockLen} bytes, ${avail} present)`,
      undefined,
      what,
    );
  }

  /**
   * Records an error for the block at `p`. `subject` "packet" names it as
   * packet N; "block" says which packet number comes next.
   */
  #fail(
    kind: "not-capture" | "io" | "truncated" | "corrupt",
    p: number,
    what: string,
    cause?: unknown,
    subject: "packet" | "block" = "packet",
  ): number {
    const n = this.framesRead + 1;
    const off = this.#src.base + p;
    const head = subject === "packet"
      ? `packet ${n} at byte offset ${off}`
      : `block at byte offset ${off} (before packet ${n})`;
    this.error = readError(kind, this.#path, `${head} ${what}`, n, off, cause);
    return NEXT_ERROR;
  }
}

/** Human name of a block type for messages. */
function blockName(t: number): string {
  switch (t) {
    case BLOCK_SHB:
      return "Section Header Block";
    case BLOCK_IDB:
      return "Interface Description Block";
    case BLOCK_EPB:
      return "Enhanced Packet Block";
    case BLOCK_SPB:
      return "Simple Packet Block";
    case BLOCK_OPB:
      return "Packet Block";
    default:
      return `block type 0x${t.toString(16).padStart(8, "0")}`;
  }
}

function u32le(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

function u32be(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}
