/**
 * Export files that are never seen half-written: everything goes to a
 * temporary file beside the target (same directory, so the rename cannot
 * cross file systems), and `commit()` renames it into place. Opening
 * happens at start-up, so a path that cannot be written is reported before
 * any capture work.
 *
 * @module
 */

import { OutputWriter } from "../display/output_writer.ts";

/** An export path that cannot be written (message: one line naming it). */
export class ExportError extends Error {
  override name = "ExportError";
}

/** A buffered text file written under a temporary name until committed. */
export class AtomicFile {
  readonly path: string;
  readonly tempPath: string;
  #file: Deno.FsFile;
  #out: OutputWriter;
  #done = false;

  private constructor(path: string, tempPath: string, file: Deno.FsFile) {
    this.path = path;
    this.tempPath = tempPath;
    this.#file = file;
    this.#out = new OutputWriter(file, 1 << 16);
  }

  /** Creates the temporary file for `path`; throws ExportError if it cannot. */
  static open(path: string, what: string): AtomicFile {
    const slash = path.lastIndexOf("/");
    const dir = slash >= 0 ? path.slice(0, slash + 1) : "";
    const base = slash >= 0 ? path.slice(slash + 1) : path;
    if (base === "") throw new ExportError(`Cannot write ${what} "${path}": it names a directory`);
    try {
      const st = Deno.statSync(path);
      if (st.isDirectory) {
        throw new ExportError(`Cannot write ${what} "${path}": it is a directory`);
      }
    } catch (e) {
      if (e instanceof ExportError) throw e;
      // Not there yet: fine.
    }
    const tempPath = `${dir}.${base}.tmp-${Deno.pid}`;
    try {
      const file = Deno.openSync(tempPath, { write: true, create: true, truncate: true });
      return new AtomicFile(path, tempPath, file);
    } catch (e) {
      const why = e instanceof Error ? e.message.replace(/:? \(os error \d+\).*$/, "") : String(e);
      throw new ExportError(`Cannot write ${what} "${path}": ${why.split(":")[0]!.toLowerCase()}`);
    }
  }

  /** Appends text. */
  write(text: string): void {
    this.#out.write(text);
  }

  /** Appends a line. */
  line(text: string): void {
    this.#out.line(text);
  }

  /** Writes buffered text to the temporary file (it stays temporary). */
  flush(): void {
    this.#out.flush();
  }

  /** Flushes, closes and renames the file into place. */
  commit(): void {
    if (this.#done) return;
    this.#done = true;
    this.#out.flush();
    this.#file.close();
    Deno.renameSync(this.tempPath, this.path);
  }

  /** Closes and removes the temporary file. */
  abort(): void {
    if (this.#done) return;
    this.#done = true;
    try {
      this.#file.close();
    } catch { /* already closed */ }
    try {
      Deno.removeSync(this.tempPath);
    } catch { /* already gone */ }
  }
}
