/**
 * Chunked input for the capture file readers: a buffer filled by large
 * asynchronous reads from a file, standard input or any {@link ByteReader}.
 *
 * The parsers read records straight out of {@link ByteSource.buf} between
 * {@link ByteSource.pos} (first unconsumed byte) and {@link ByteSource.end}
 * (end of valid data). When a record is incomplete they set
 * {@link ByteSource.need} (bytes wanted from `pos`) and the caller awaits
 * {@link ByteSource.fill}. Nothing moves except inside `fill()`, so a
 * frame's bytes stay valid until the next `fill()`.
 *
 * Two ways to fill:
 *
 * - **Direct** (standard input, pipes, small files, any `ByteReader` by
 *   default): `fill()` moves the unconsumed tail to the start of the one
 *   buffer (`copyWithin`), grows the buffer if the pending record is larger
 *   than it, and reads more after the tail.
 * - **Read-ahead** (regular files larger than one chunk, or on request): two
 *   buffers, each with `headroom` bytes in front of a chunk. While the parser
 *   walks one, the next chunk is already being read into the other (Deno
 *   runs the read on another thread). `fill()` awaits that read, copies the
 *   unconsumed tail (a partial record) just in front of the new data, swaps
 *   the buffers and starts the next read into the one just left. A tail
 *   larger than the headroom (a record bigger than it) is appended to the
 *   current buffer instead, which grows for it. So the file is read while it
 *   is decoded: on the 5M-packet benchmark file the main thread no longer
 *   waits for reads (it did for 0.15-0.25 s before), and both buffers stay in the
 *   last-level cache. Chunks of 1 to 8 MiB measured alike; 2 MiB keeps each
 *   `fill()` (an event loop turn, ≈ 0.1 ms) rare and the first read short.
 *
 * @module
 */

import { CaptureFileError, describeInput, describeIoError } from "./capture_file_error.ts";

/** Default chunk size: one read per chunk (see the module doc for read-ahead). */
export const DEFAULT_CHUNK_SIZE = 2 * 1024 * 1024;

/**
 * Largest headroom kept in front of each read-ahead chunk for a partial
 * record: 256 KiB (the usual largest snaplen) plus a record header, with
 * room to spare, so that such a record cut at a chunk boundary is copied
 * into the headroom rather than the buffer grown.
 */
const MAX_HEADROOM = 256 * 1024 + 64;

/** Placeholder for the unused spare buffer of a direct-mode source. */
const EMPTY = new Uint8Array(0);

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
  /** Current buffer (replaced when it grows, or swapped with the read-ahead one). */
  buf: Uint8Array;
  /** Offset in `buf` of the first unconsumed byte. */
  pos = 0;
  /** Offset in `buf` just past the last valid byte. */
  end = 0;
  /** Input byte offset of `buf[0]` (negative while headroom precedes the first byte). */
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
  /** True when the next chunk is read while the current one is parsed (see the module doc). */
  readonly readAhead: boolean;

  #reader: ByteReader | null;
  #closed = false;
  /** The last read filled all free space: more data is likely waiting. */
  #lastReadFilled = false;
  /** Read-ahead: bytes in front of each chunk for the tail of the previous one. */
  readonly #headroom: number;
  /** Read-ahead: the buffer the pending read writes into (at `#headroom`). */
  #spare: Uint8Array;
  /** Read-ahead: the read in flight into `#spare`, or null. */
  #pending: Promise<number | null> | null = null;

  /**
   * Creates a source over `reader`; nothing is read until {@link fill}.
   * @param reader input, or null for a source whose bytes are all in `initial`
   * @param chunkSize read size (the buffer grows past it only for one record
   *   larger than it)
   * @param initialCapacity first buffer size (default `chunkSize`; direct mode only)
   * @param readAhead read the next chunk while the current one is parsed
   */
  constructor(
    reader: ByteReader | null,
    chunkSize = DEFAULT_CHUNK_SIZE,
    initialCapacity?: number,
    readAhead = false,
  ) {
    if (!Number.isInteger(chunkSize) || chunkSize < 1) {
      throw new RangeError(`Cannot use chunk size ${chunkSize}: expected a positive integer`);
    }
    this.chunkSize = chunkSize;
    this.#reader = reader;
    this.readAhead = readAhead && reader !== null;
    if (this.readAhead) {
      this.#headroom = Math.min(chunkSize, MAX_HEADROOM);
      this.buf = new Uint8Array(this.#headroom + chunkSize);
      this.#spare = new Uint8Array(this.#headroom + chunkSize);
    } else {
      this.#headroom = 0;
      const cap = Math.max(1, Math.min(chunkSize, initialCapacity ?? chunkSize));
      this.buf = new Uint8Array(reader === null ? 0 : cap);
      this.#spare = EMPTY; // unused; not `buf`, which would keep it alive once it grows
    }
  }

  /**
   * Opens `path` for reading (`"-"` = standard input). A regular file larger
   * than `chunkSize` is read ahead (see the module doc); a smaller one gets a
   * buffer of its size.
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
    if (info.isFile && info.size < chunkSize) {
      // +1 so the first read sees the whole file; round to 4 KiB.
      const initial = Math.max(MIN_INITIAL_CAPACITY, Math.ceil((info.size + 1) / 4096) * 4096);
      return new ByteSource(file, chunkSize, initial);
    }
    return new ByteSource(file, chunkSize, chunkSize, info.isFile);
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
   * Makes more bytes available from `pos` (the bytes before `pos` are
   * dropped): reads until `need` bytes are available, the buffer is full
   * (direct mode) or one chunk came in (read-ahead), or the input ends.
   * Resolves to false when no new byte could be read (end of input or a read
   * error, kept in `ioError`); after that `eof` is true.
   */
  fill(): Promise<boolean> {
    if (this.eof || this.#reader === null) {
      this.eof = true;
      return Promise.resolve(false);
    }
    return this.readAhead ? this.#fillAhead() : this.#fillDirect();
  }

  /**
   * Closes the underlying reader (idempotent). Standard input is left open.
   * A read-ahead read under way finishes in the background; its bytes are
   * dropped.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.eof = true;
    this.#pending = null; // its rejection, if any, is already handled
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

  async #fillDirect(): Promise<boolean> {
    this.#compact();
    this.#grow();
    let got = false;
    while (this.end < this.buf.length) {
      const room = this.buf.length - this.end;
      let n: number | null;
      try {
        n = await this.#reader!.read(this.buf.subarray(this.end));
      } catch (e) {
        if (this.#closed) return false; // close() won the race (Ctrl-C): not damage
        this.ioError = e;
        this.eof = true;
        return got;
      }
      if (this.#closed) return false;
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

  /** Starts reading the next chunk into `#spare` after its headroom. */
  #startRead(): void {
    const h = this.#headroom;
    const p = this.#reader!.read(this.#spare.subarray(h, h + this.chunkSize));
    p.catch(() => {}); // awaited by the next fill(), or dropped by close()
    this.#pending = p;
  }

  async #fillAhead(): Promise<boolean> {
    const h = this.#headroom;
    let got = false;
    for (;;) {
      if (this.#pending === null) this.#startRead();
      let n: number | null;
      try {
        n = await this.#pending;
      } catch (e) {
        this.#pending = null;
        if (this.#closed) return false; // close() won the race (Ctrl-C): not damage
        this.ioError = e;
        this.eof = true;
        return got;
      }
      this.#pending = null;
      if (this.#closed) return false;
      if (n === null) {
        this.eof = true;
        return got;
      }
      const buf = this.buf;
      const spare = this.#spare;
      const pos = this.pos;
      const tail = this.end - pos;
      if (tail <= h) {
        // The new chunk is at spare[h, h + n): put the tail just before it and swap.
        if (tail > 0) spare.set(buf.subarray(pos, this.end), h - tail);
        this.base += pos - (h - tail);
        this.buf = spare;
        this.#spare = buf;
        this.pos = h - tail;
        this.end = h + n;
      } else {
        // A record larger than the headroom: keep appending to this buffer.
        this.#compact();
        if (tail + n > buf.length) {
          const next = new Uint8Array(Math.max(tail + n, buf.length * 2));
          next.set(buf.subarray(0, tail));
          this.buf = next;
        }
        this.buf.set(spare.subarray(h, h + n), tail);
        this.end = tail + n;
      }
      this.bytesRead += n;
      got = true;
      this.#startRead();
      if (this.end - this.pos >= this.need) return true;
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
