/**
 * Reader for the classic pcap ("libpcap") file format, per
 * draft-ietf-opsawg-pcap (File Header section 4, Packet Record section 5):
 *
 * ```
 * file header (24 bytes): magic u32 | major u16 | minor u16 | thiszone i32 |
 *   sigfigs u32 | snaplen u32 | FCS:3 f:1 reserved:12 LinkType:16
 * record header (16 bytes): ts_sec u32 | ts_frac u32 | caplen u32 | len u32
 * ```
 *
 * Supported: both byte orders (magic A1B2C3D4 written in either order),
 * microsecond and nanosecond (A1B23C4D) timestamps, Alexey Kuznetsov's
 * modified format (A1B2CD34, 24-byte record headers), any snaplen including 0,
 * version 2.x. As libpcap and Wireshark do, versions 2.0–2.2 have caplen and
 * len swapped, and 2.3 is swapped when caplen > len. Version 1.x ("archaic")
 * and other majors are refused.
 *
 * A record whose caplen is above max(snaplen, the link type's maximum from
 * libpcap's `max_snaplen_for_dlt`: 262144, D-Bus 128 MiB, ...) or above
 * 256 MiB is corrupt. caplen > snaplen below that bound is accepted (tshark
 * reads such files, e.g. a header snaplen that does not match the real one).
 * A ts_frac at or above one second is carried into the seconds.
 *
 * `next()` allocates nothing: the frame points into the source buffer.
 *
 * @module
 */

import type { Frame } from "./frame.ts";
import type { ByteSource } from "./byte_source.ts";
import { type CaptureFileError, describeIoError, readError } from "./capture_file_error.ts";
import * as readStatus from "./read_status.ts";

// Module-level copies of the imported constants (see decode.ts: an imported
// binding costs a chain of dependent loads at every use in optimised code).
const { NEXT_EOF, NEXT_ERROR, NEXT_FRAME, NEXT_NEED_DATA } = readStatus;

/** Largest record (pcap caplen, pcapng block length) ever accepted: 256 MiB. */
export const MAX_RECORD_LENGTH = 256 * 1024 * 1024;

/** Size of the pcap file header. */
export const PCAP_FILE_HEADER_LENGTH = 24;

/** Magic numbers as read little-endian from the first 4 bytes. */
const MAGIC_US_LE = 0xa1b2c3d4; // d4 c3 b2 a1
const MAGIC_US_BE = 0xd4c3b2a1; // a1 b2 c3 d4
const MAGIC_NS_LE = 0xa1b23c4d; // 4d 3c b2 a1
const MAGIC_NS_BE = 0x4d3cb2a1; // a1 b2 3c 4d
const MAGIC_KUZ_LE = 0xa1b2cd34; // 34 cd b2 a1
const MAGIC_KUZ_BE = 0x34cdb2a1; // a1 b2 cd 34

/** Lengths-swapped modes (libpcap sf-pcap.c). */
const LENGTHS_NOT_SWAPPED = 0;
const LENGTHS_SWAPPED = 1;
const LENGTHS_MAYBE_SWAPPED = 2;

/** True if `b[p..p+4)` is one of the pcap magic numbers (any byte order / variant). */
export function isPcapMagic(b: Uint8Array, p: number): boolean {
  const m = (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
  return m === MAGIC_US_LE || m === MAGIC_US_BE || m === MAGIC_NS_LE ||
    m === MAGIC_NS_BE || m === MAGIC_KUZ_LE || m === MAGIC_KUZ_BE;
}

/**
 * Largest captured length libpcap accepts for a link type
 * (`max_snaplen_for_dlt` in libpcap's pcap-int.h / pcap-common.c).
 */
export function maxSnaplenForLinkType(linkType: number): number {
  switch (linkType) {
    case 231: // LINKTYPE_DBUS
      return 128 * 1024 * 1024;
    case 249: // LINKTYPE_USBPCAP
      return 1024 * 1024;
    case 279: // LINKTYPE_EBHSCR
      return 8 * 1024 * 1024;
    default:
      return 262144;
  }
}

/** Reads pcap records from a {@link ByteSource}. */
export class PcapReader {
  /** True if the file is little-endian. */
  readonly littleEndian: boolean;
  /** True for nanosecond timestamps (magic A1B23C4D). */
  readonly nanosecond: boolean;
  /** True for the Kuznetsov "modified" format (24-byte record headers). */
  readonly modified: boolean;
  /** File format major version (always 2 once accepted). */
  readonly versionMajor: number;
  /** File format minor version (4 today; 0-3 have swapped length fields). */
  readonly versionMinor: number;
  /** Header snaplen (0 = unspecified). */
  readonly snaplen: number;
  /** LINKTYPE (low 16 bits of the header's link type field). */
  readonly linkType: number;
  /** FCS length in bytes from the link type field's f/FCS bits, or -1 if absent. */
  readonly fcsLen: number;
  /** Largest caplen accepted before a record is called corrupt. */
  readonly maxCapLen: number;
  /** Frames delivered so far. */
  framesRead = 0;
  /** Frames whose caplen exceeds their wire length (kept as they are). */
  capLenAboveWireLen = 0;
  /** Set when `next()` returns NEXT_ERROR. */
  error: CaptureFileError | null = null;

  readonly #src: ByteSource;
  readonly #path: string;
  readonly #hdrLen: number;
  readonly #lengths: number;
  /** `src.buf` as last seen by next(), and a DataView over it for 32-bit reads. */
  #viewBuf: Uint8Array | null = null;
  #view: DataView = new DataView(new ArrayBuffer(0));

  /**
   * Parses the 24-byte file header at `src.pos` and consumes it.
   * @throws CaptureFileError "not-capture" for a bad magic or version,
   *   "truncated" if fewer than 24 bytes are available (caller reads first)
   */
  constructor(src: ByteSource, path: string) {
    this.#src = src;
    this.#path = path;
    const b = src.buf;
    const p = src.pos;
    const avail = src.end - p;
    if (avail < 4 || !isPcapMagic(b, p)) {
      throw readError("not-capture", path, "not a pcap file (bad magic number)");
    }
    if (avail < PCAP_FILE_HEADER_LENGTH) {
      throw readError(
        "truncated",
        path,
        `the pcap file header is cut short (${PCAP_FILE_HEADER_LENGTH} bytes expected, ${avail} present)`,
      );
    }
    const m = (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
    this.littleEndian = m === MAGIC_US_LE || m === MAGIC_NS_LE || m === MAGIC_KUZ_LE;
    this.nanosecond = m === MAGIC_NS_LE || m === MAGIC_NS_BE;
    this.modified = m === MAGIC_KUZ_LE || m === MAGIC_KUZ_BE;
    const le = this.littleEndian;
    const u16 = (o: number) => le ? b[o] | (b[o + 1] << 8) : (b[o] << 8) | b[o + 1];
    const u32 = (o: number) => le ? u32le(b, o) : u32be(b, o);
    this.versionMajor = u16(p + 4);
    this.versionMinor = u16(p + 6);
    if (this.versionMajor !== 2) {
      const v = `${this.versionMajor}.${this.versionMinor}`;
      throw readError(
        "not-capture",
        path,
        this.versionMajor < 2
          ? `archaic pcap savefile format (version ${v})`
          : `unsupported pcap savefile version ${v}`,
      );
    }
    this.#lengths = this.versionMinor < 3
      ? LENGTHS_SWAPPED
      : this.versionMinor === 3
      ? LENGTHS_MAYBE_SWAPPED
      : LENGTHS_NOT_SWAPPED;
    this.snaplen = u32(p + 16);
    const lt = u32(p + 20);
    this.linkType = lt & 0xffff;
    this.fcsLen = (lt & 0x10000000) !== 0 ? ((lt >>> 29) & 7) * 2 : -1;
    this.maxCapLen = Math.min(
      MAX_RECORD_LENGTH,
      Math.max(this.snaplen, maxSnaplenForLinkType(this.linkType)),
    );
    this.#hdrLen = this.modified ? 24 : 16;
    src.pos = p + PCAP_FILE_HEADER_LENGTH;
  }

  /**
   * Fills `frame` with the next record. Returns NEXT_FRAME, NEXT_NEED_DATA
   * (await `src.fill()` and call again), NEXT_EOF or NEXT_ERROR (`error`).
   */
  next(frame: Frame): number {
    if (this.error !== null) return NEXT_ERROR;
    const src = this.#src;
    const b = src.buf;
    const p = src.pos;
    const avail = src.end - p;
    const h = this.#hdrLen;
    if (avail < h) return this.#short(p, avail, h, -1);
    if (b !== this.#viewBuf) {
      // Once per chunk: the record header is read as four 32-bit words.
      this.#viewBuf = b;
      this.#view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    }
    const v = this.#view;
    const le = this.littleEndian;
    const tsSec = v.getUint32(p, le);
    const tsFrac = v.getUint32(p + 4, le);
    let capLen = v.getUint32(p + 8, le);
    let wireLen = v.getUint32(p + 12, le);
    if (this.#lengths !== LENGTHS_NOT_SWAPPED) {
      if (this.#lengths === LENGTHS_SWAPPED || capLen > wireLen) {
        const t = capLen;
        capLen = wireLen;
        wireLen = t;
      }
    }
    if (capLen > this.maxCapLen) {
      return this.#fail(
        "corrupt",
        p,
        `is corrupt (captured length ${capLen} exceeds the maximum of ${this.maxCapLen} bytes)`,
      );
    }
    const total = h + capLen;
    if (avail < total) return this.#short(p, avail, total, capLen);
    // Pointer store only when the chunk changed (a store costs a write barrier).
    if (frame.buf !== b) frame.buf = b;
    frame.offset = p + h;
    frame.capLen = capLen;
    frame.wireLen = wireLen;
    if (this.nanosecond) {
      if (tsFrac < 1000000000) {
        frame.tsSec = tsSec;
        frame.tsNsec = tsFrac;
      } else {
        const carry = Math.floor(tsFrac / 1000000000);
        frame.tsSec = tsSec + carry;
        frame.tsNsec = tsFrac - carry * 1000000000;
      }
    } else if (tsFrac < 1000000) {
      frame.tsSec = tsSec;
      frame.tsNsec = tsFrac * 1000;
    } else {
      const carry = Math.floor(tsFrac / 1000000);
      frame.tsSec = tsSec + carry;
      frame.tsNsec = (tsFrac - carry * 1000000) * 1000;
    }
    if (capLen > wireLen) this.capLenAboveWireLen++;
    frame.linkType = this.linkType;
    frame.ifIndex = 0;
    frame.number = ++this.framesRead;
    frame.fileOffset = src.base + p;
    src.pos = p + total;
    return NEXT_FRAME;
  }

  /** Not enough bytes for the record at `p`: ask for more, or end / fail. */
  #short(p: number, avail: number, need: number, capLen: number): number {
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
      );
    }
    if (avail === 0) return NEXT_EOF;
    return this.#fail(
      "truncated",
      p,
      capLen < 0
        ? `is cut short (record header is ${need} bytes, ${avail} present)`
        : `is cut short (record header says ${capLen} bytes, ${avail - this.#hdrLen} present)`,
    );
  }

  #fail(kind: "io" | "truncated" | "corrupt", p: number, what: string, cause?: unknown): number {
    const n = this.framesRead + 1;
    const off = this.#src.base + p;
    this.error = readError(
      kind,
      this.#path,
      `packet ${n} at byte offset ${off} ${what}`,
      n,
      off,
      cause,
    );
    return NEXT_ERROR;
  }
}

function u32le(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

function u32be(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}
