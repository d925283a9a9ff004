/**
 * Chunked input for the capture file readers: one growable buffer filled by
 * large asynchronous reads from a file, standard input or any
 * {@link ByteReader}.
 *
 * The parsers read records straight out of {@link ByteSource.buf} between
 * {@link ByteSource.pos} (first unconsumed byte) and {@link ByteSource.end}
 * (end of valid data). When a record is incomplete they set
 * {@link ByteSource.need} (bytes wanted from `pos`) and the caller awaits
 * {@link ByteSource.fill}, which moves the unconsumed tail to the start of
 * the buffer (`copyWithin`), grows the buffer if the one pending record is
 * larger than it, and reads more after the tail. Nothing moves except inside
 * `fill()`, so a frame's bytes stay valid until the next `fill()`.
 *
 * @module
 */

import { CaptureFileError, describeInput, describeIoError } from "./capture_file_error.ts";

/** Default chunk size: 16 MiB, one read per chunk. */
export const DEFAULT_CHUNK_SIZE = 16 * 1024 * 1024;

/** Smallest buffer allocated for a file of known small size. */
const MIN_INITIAL_CAPACITY = 4096;

/** Anything with an async `read` like `Deno.FsFile` / `Deno.stdin`. */
export interface ByteReader {
  /** Reads into `p`; resolves to the byte count, or `null` at end of input. */
  read(p: Uint8Array): Promise<number | null>;
  /** Releases the underlying resource (optional). */
  close?(): void;
}

/** A buffer over an input, refilled chunk by chunk; see the module doc. */
export class ByteSource {
  /** Current buffer (replaced only when it grows). */
  buf: Uint8Array;
  /** Offset in `buf` of the first unconsumed byte. */
  pos = 0;
  /** Offset in `buf` just past the last valid byte. */
  end = 0;
  /** Input byte offset of `buf[0]`. */
  base = 0;
  /** Bytes the parser needs from `pos` before it can go on (set before NEED_DATA). */
  need = 1;
  /** True once the reader reported end of input (or failed). */
  eof = false;
  /** The error a read failed with (then `eof` is true too), else null. */
  ioError: unknown = null;
  /** Total bytes read from the input. */
  bytesRead = 0;
  /** Target read size; the buffer starts at most this large. */
  readonly chunkSize: number;

  #reader: ByteReader | null;
  #closed = false;
  /** The last read filled all free space: more data is likely waiting. */
  #lastReadFilled = false;

  /**
   * Creates a source over `reader`; nothing is read until {@link fill}.
   * @param reader input, or null for a source whose bytes are all in `initial`
   * @param chunkSize read size (the buffer grows past it only for one record
   *   larger than it)
   * @param initialCapacity first buffer size (default `chunkSize`)
   */
  constructor(reader: ByteReader | null, chunkSize = DEFAULT_CHUNK_SIZE, initialCapacity?: number) {
    if (!Number.isInteger(chunkSize) || chunkSize < 1) {
      throw new RangeError(`Cannot use chunk size ${chunkSize}: expected a positive integer`);
    }
    this.chunkSize = chunkSize;
    this.#reader = reader;
    const cap = Math.max(1, Math.min(chunkSize, initialCapacity ?? chunkSize));
    this.buf = new Uint8Array(reader === null ? 0 : cap);
  }

  /**
   * Opens `path` for reading (`"-"` = standard input). The first buffer is
   * `chunkSize` bytes, or less for a smaller regular file.
   * @throws CaptureFileError kind "io" if the file cannot be opened
   */
  static async open(path: string, chunkSize = DEFAULT_CHUNK_SIZE): Promise<ByteSource> {
    if (path === "-") {
      return new ByteSource({ read: (p) => Deno.stdin.read(p) }, chunkSize);
    }
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path, { read: true });
    } catch (e) {
      throw openError(path, e);
    }
    let info: Deno.FileInfo;
    try {
      info = await file.stat();
    } catch (e) {
      file.close();
      throw openError(path, e);
    }
    if (info.isDirectory) {
      file.close();
      throw openError(path, new Deno.errors.IsADirectory("is a directory"));
    }
    let initial = chunkSize;
    if (info.isFile && info.size < chunkSize) {
      // +1 so the first read sees the whole file; round to 4 KiB.
      initial = Math.max(MIN_INITIAL_CAPACITY, Math.ceil((info.size + 1) / 4096) * 4096);
    }
    return new ByteSource(file, chunkSize, initial);
  }

  /** A source over bytes already in memory (no copy; `fill()` returns false). */
  static fromBytes(bytes: Uint8Array): ByteSource {
    const src = new ByteSource(null);
    src.buf = bytes;
    src.end = bytes.length;
    src.eof = true;
    return src;
  }

  /** Unconsumed bytes in the buffer. */
  get available(): number {
    return this.end - this.pos;
  }

  /**
   * Compacts, grows if needed, and reads until `need` bytes are available
   * from `pos`, the buffer is full, or the input ends. Resolves to false when
   * no new byte could be read (end of input or a read error, kept in
   * `ioError`); after that `eof` is true.
   */
  async fill(): Promise<boolean> {
    if (this.eof || this.#reader === null) {
      this.eof = true;
      return false;
    }
    this.#compact();
    this.#grow();
    let got = false;
    while (this.end < this.buf.length) {
      const room = this.buf.length - this.end;
      let n: number | null;
      try {
        n = await this.#reader.read(this.buf.subarray(this.end));
      } catch (e) {
        this.ioError = e;
        this.eof = true;
        return got;
      }
      if (n === null) {
        this.eof = true;
        return got;
      }
      this.end += n;
      this.bytesRead += n;
      got = true;
      this.#lastReadFilled = n === room;
      if (this.end - this.pos >= this.need) break;
    }
    // Buffer full: the parser can make progress (need <= capacity after #grow).
    return true;
  }

  /** Closes the underlying reader (idempotent). Standard input is left open. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.eof = true;
    const r = this.#reader;
    this.#reader = null;
    if (r !== null && r.close !== undefined) {
      try {
        r.close();
      } catch {
        // Already closed: nothing to release.
      }
    }
  }

  /** Moves buf[pos..end) to the front. */
  #compact(): void {
    const p = this.pos;
    if (p === 0) return;
    if (this.end > p) this.buf.copyWithin(0, p, this.end);
    this.end -= p;
    this.base += p;
    this.pos = 0;
  }

  /**
   * Grows the buffer when the pending record does not fit and the buffer is
   * full of it (so memory follows real data, not a corrupt length field), or
   * when a small first buffer keeps filling up (growing file, pipe).
   */
  #grow(): void {
    const cap = this.buf.length;
    let target = cap;
    if (this.need > cap && this.end === cap) {
      target = Math.min(this.need, Math.max(cap * 2, MIN_INITIAL_CAPACITY));
    } else if (this.#lastReadFilled && cap < this.chunkSize) {
      target = Math.min(this.chunkSize, cap * 2);
    }
    if (target <= cap) return;
    const next = new Uint8Array(target);
    next.set(this.buf.subarray(0, this.end));
    this.buf = next;
    this.#lastReadFilled = false;
  }
}

function openError(path: string, e: unknown): CaptureFileError {
  return new CaptureFileError(
    "io",
    path,
    `Cannot open ${describeInput(path)}: ${describeIoError(e)}`,
    0,
    0,
    { cause: e },
  );
}
