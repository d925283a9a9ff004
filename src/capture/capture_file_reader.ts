/**
 * Facade over the pcap and pcapng readers: opens a path ("-" = standard
 * input), detects the format from the first bytes (never from the name),
 * parses the file header (pcapng: the first SHB and the blocks up to the
 * first IDB) and then hands out frames one at a time into a reused
 * {@link Frame}.
 *
 * ```ts
 * const r = await CaptureFileReader.open(path);
 * const f = new Frame();
 * for (;;) {
 *   const s = r.next(f);
 *   if (s === NEXT_FRAME) decode(f);
 *   else if (s === NEXT_NEED_DATA) await r.fill(); // false: next() gives EOF or ERROR
 *   else break; // NEXT_EOF, or NEXT_ERROR with r.error
 * }
 * r.close();
 * ```
 *
 * `next()` is synchronous and allocation-free; `fill()` does one large async
 * read (2 MiB by default; a regular file's next chunk is read while the
 * current one is parsed, see `byte_source.ts`) so the event loop runs between
 * chunks. Frame bytes stay valid until the next `fill()` (and, by contract,
 * `next()`).
 *
 * @module
 */

import type { Frame } from "./frame.ts";
import { type ByteReader, ByteSource, DEFAULT_CHUNK_SIZE } from "./byte_source.ts";
import { type CaptureFileError, describeIoError, readError } from "./capture_file_error.ts";
import { isPcapMagic, PCAP_FILE_HEADER_LENGTH, PcapReader } from "./pcap_reader.ts";
import { BLOCK_SHB, type CaptureInterface, PcapngReader } from "./pcapng_reader.ts";
import { TimestampConverter } from "./pcapng_timestamp.ts";
import { NEXT_EOF, NEXT_ERROR, NEXT_FRAME, NEXT_NEED_DATA } from "./read_status.ts";

export { NEXT_EOF, NEXT_ERROR, NEXT_FRAME, NEXT_NEED_DATA };
export type { CaptureInterface };

/** Capture file formats recognised by {@link detectFormat}. */
export type CaptureFormat = "pcap" | "pcapng";

/** Options for {@link CaptureFileReader.open}. */
export interface CaptureFileReaderOptions {
  /** Read size in bytes (default 2 MiB). Records larger than it still work. */
  chunkSize?: number;
  /**
   * {@link CaptureFileReader.fromReader} only: read the next chunk while the
   * current one is parsed (default false; `open()` reads regular files
   * larger than one chunk ahead).
   */
  readAhead?: boolean;
}

/**
 * Format from the first bytes of a file: pcap magic (either byte order,
 * µs/ns/modified) or the pcapng SHB block type 0x0A0D0D0A; null otherwise or
 * if fewer than 4 bytes are given.
 */
export function detectFormat(bytes: Uint8Array, offset = 0): CaptureFormat | null {
  if (bytes.length - offset < 4) return null;
  if (isPcapMagic(bytes, offset)) return "pcap";
  const t = ((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) |
    bytes[offset + 3]) >>> 0;
  return t === BLOCK_SHB ? "pcapng" : null;
}

/** Reads a pcap or pcapng capture; see the module doc for the loop. */
export class CaptureFileReader {
  /** Detected format. */
  readonly format: CaptureFormat;
  /** Path as given ("-" for standard input). */
  readonly path: string;

  readonly #src: ByteSource;
  readonly #parser: PcapReader | PcapngReader;
  readonly #pcap: PcapReader | null;
  readonly #pcapng: PcapngReader | null;
  readonly #pcapInterfaces: readonly CaptureInterface[];

  private constructor(src: ByteSource, path: string) {
    this.#src = src;
    this.path = path;
    if (src.ioError !== null && src.available < PCAP_FILE_HEADER_LENGTH) {
      throw readError(
        "io",
        path,
        `read failed (${describeIoError(src.ioError)})`,
        0,
        0,
        src.ioError,
      );
    }
    const avail = src.available;
    if (avail === 0) throw readError("not-capture", path, "file is empty");
    const format = detectFormat(src.buf.subarray(src.pos, src.end));
    if (format === null) {
      const shown: string[] = [];
      for (let i = 0; i < Math.min(4, avail); i++) {
        shown.push("0x" + src.buf[src.pos + i].toString(16).padStart(2, "0"));
      }
      throw readError(
        "not-capture",
        path,
        `not a pcap or pcapng file (first bytes ${shown.join(" ")})`,
      );
    }
    this.format = format;
    if (format === "pcap") {
      const p = new PcapReader(src, path);
      this.#pcap = p;
      this.#pcapng = null;
      this.#parser = p;
      const conv = new TimestampConverter(p.nanosecond ? 9 : 6);
      this.#pcapInterfaces = [{
        index: 0,
        section: 0,
        linkType: p.linkType,
        snaplen: p.snaplen,
        name: "",
        description: "",
        tsresol: conv.tsresol,
        tsUnitsPerSecond: conv.unitsPerSecond,
        tsResolNs: conv.nsPerUnit,
        tsOffsetSec: 0,
        fcsLen: p.fcsLen,
      }];
    } else {
      const p = new PcapngReader(src, path);
      this.#pcap = null;
      this.#pcapng = p;
      this.#parser = p;
      this.#pcapInterfaces = [];
    }
  }

  /**
   * Opens `path` ("-" = standard input), detects the format from the first
   * bytes and parses the file header (pcapng: SHB and blocks up to the first
   * IDB).
   * @throws CaptureFileError kind "io" (cannot open/read), "not-capture"
   *   (empty, unknown magic, unsupported version), "truncated"/"corrupt"
   *   (damaged file header)
   */
  static async open(
    path: string,
    options: CaptureFileReaderOptions = {},
  ): Promise<CaptureFileReader> {
    const src = await ByteSource.open(path, options.chunkSize ?? DEFAULT_CHUNK_SIZE);
    return await CaptureFileReader.#create(src, path);
  }

  /** Like {@link open} over any async reader (a stream, a test double). */
  static async fromReader(
    reader: ByteReader,
    path = "<reader>",
    options: CaptureFileReaderOptions = {},
  ): Promise<CaptureFileReader> {
    const chunk = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    const src = new ByteSource(reader, chunk, chunk, options.readAhead ?? false);
    return await CaptureFileReader.#create(src, path);
  }

  /**
   * A reader over a capture already in memory (no copy, no I/O: `next()`
   * never returns NEXT_NEED_DATA). Same errors as {@link open}.
   */
  static fromBytes(bytes: Uint8Array, path = "<memory>"): CaptureFileReader {
    const r = new CaptureFileReader(ByteSource.fromBytes(bytes), path);
    r.#prime();
    return r;
  }

  static async #create(src: ByteSource, path: string): Promise<CaptureFileReader> {
    try {
      src.need = PCAP_FILE_HEADER_LENGTH;
      while (src.available < PCAP_FILE_HEADER_LENGTH && !src.eof) await src.fill();
      const r = new CaptureFileReader(src, path);
      while (r.#prime() === NEXT_NEED_DATA) await src.fill();
      return r;
    } catch (e) {
      src.close();
      throw e;
    }
  }

  /**
   * pcapng: reads blocks up to the first IDB. An error in the first block
   * (the file's SHB) is thrown; a later one is left for `next()`.
   */
  #prime(): number {
    const ng = this.#pcapng;
    if (ng === null) return NEXT_FRAME;
    const s = ng.prime();
    if (s === NEXT_ERROR && ng.sections === 0 && ng.error !== null) throw ng.error;
    return s;
  }

  /**
   * Fills `frame` with the next frame: NEXT_FRAME, NEXT_NEED_DATA (await
   * {@link fill} and call again), NEXT_EOF (clean end) or NEXT_ERROR
   * ({@link error}). Synchronous, allocation-free, never throws.
   */
  next(frame: Frame): number {
    return this.#parser.next(frame);
  }

  /**
   * Reads the next chunk (moving a partial record to the buffer start, and
   * growing the buffer for a record larger than it). Resolves to false at end
   * of input (or on a read error); `next()` then returns NEXT_EOF, or
   * NEXT_ERROR for a partial record / the read error.
   */
  fill(): Promise<boolean> {
    return this.#src.fill();
  }

  /** The error behind the last NEXT_ERROR, else null. */
  get error(): CaptureFileError | null {
    return this.#parser.error;
  }

  /** Link type of the first interface (pcap: the header's), -1 if no IDB yet. */
  get linkType(): number {
    const i = this.interfaces;
    return i.length > 0 ? i[0].linkType : -1;
  }

  /** Snaplen of the first interface (pcap: the header's), 0 if no IDB yet. */
  get snaplen(): number {
    const i = this.interfaces;
    return i.length > 0 ? i[0].snaplen : 0;
  }

  /** pcapng: every IDB seen so far across all sections, in order; pcap: one entry. */
  get interfaces(): readonly CaptureInterface[] {
    return this.#pcapng !== null ? this.#pcapng.interfaces : this.#pcapInterfaces;
  }

  /** pcapng blocks skipped (NRB, ISB, custom, unknown types); 0 for pcap. */
  get skippedBlocks(): number {
    return this.#pcapng !== null ? this.#pcapng.skippedBlocks : 0;
  }

  /** Frames delivered so far. */
  get framesRead(): number {
    return this.#parser.framesRead;
  }

  /** Bytes read from the input so far. */
  get bytesRead(): number {
    return this.#src.bytesRead;
  }

  /** Frames whose captured length exceeds the wire length (delivered unchanged). */
  get capLenAboveWireLen(): number {
    return this.#parser.capLenAboveWireLen;
  }

  /** pcap file details (version, byte order, precision), or null for pcapng. */
  get pcap(): PcapReader | null {
    return this.#pcap;
  }

  /** pcapng sections seen so far (0 for pcap). */
  get sections(): number {
    return this.#pcapng !== null ? this.#pcapng.sections : 0;
  }

  /** Releases the file (standard input is left open). Idempotent. */
  close(): void {
    this.#src.close();
  }

  /** Same as {@link close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }
}
