/**
 * Buffered text output. Lines are collected into a byte buffer and written
 * in large blocks, so printing a million packets costs a few hundred
 * syscalls, not a million. A closed pipe (`netscope ... | head`) is not an
 * error: the writer notes it and the run ends quietly.
 *
 * @module
 */

const encoder = new TextEncoder();

/** Something bytes can be written to synchronously (Deno.stdout, a file). */
export interface SyncWritable {
  writeSync(p: Uint8Array): number;
}

/** A buffered line writer over a synchronous sink. */
export class OutputWriter {
  #sink: SyncWritable;
  #buf: Uint8Array;
  #len = 0;
  #closed = false;

  constructor(sink: SyncWritable, capacity = 1 << 16) {
    this.#sink = sink;
    this.#buf = new Uint8Array(capacity);
  }

  /** True once the reader of the output went away (EPIPE). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Appends `text` and a newline. */
  line(text: string): void {
    this.write(text);
    this.write("\n");
  }

  /** Appends `text`. */
  write(text: string): void {
    if (this.#closed) return;
    // Worst case 3 bytes per UTF-16 unit.
    if (this.#len + text.length * 3 > this.#buf.length) {
      this.flush();
      if (text.length * 3 > this.#buf.length) {
        this.#writeAll(encoder.encode(text));
        return;
      }
    }
    const r = encoder.encodeInto(text, this.#buf.subarray(this.#len));
    this.#len += r.written;
  }

  /** Writes out everything buffered. */
  flush(): void {
    if (this.#len === 0 || this.#closed) return;
    this.#writeAll(this.#buf.subarray(0, this.#len));
    this.#len = 0;
  }

  #writeAll(bytes: Uint8Array): void {
    let off = 0;
    try {
      while (off < bytes.length) off += this.#sink.writeSync(bytes.subarray(off));
    } catch (e) {
      if (e instanceof Deno.errors.BrokenPipe) {
        this.#closed = true;
        this.#len = 0;
        return;
      }
      throw e;
    }
  }
}
