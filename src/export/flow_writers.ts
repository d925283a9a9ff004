/**
 * Flow export writers: `--export-json` (a pretty-printed JSON array),
 * `--export-csv` (header + one row per flow, RFC 4180 quoting by
 * csv-stringify) and `--expired-flows-jsonl` (one object per line, with the
 * reason the flow ended). Each writes into an AtomicFile.
 *
 * @module
 */

import { stringify } from "csv-stringify/sync";
import type { AtomicFile } from "./atomic_file.ts";
import { CSV_COLUMNS, type FlowRecord } from "./flow_record.ts";

/** Writes flows as one JSON array, streamed element by element. */
export class FlowJsonWriter {
  #file: AtomicFile;
  #count = 0;
  constructor(file: AtomicFile) {
    this.#file = file;
    file.write("[");
  }
  /** Appends one flow. */
  add(flow: FlowRecord): void {
    const body = JSON.stringify(flow, null, 2).replace(/\n/g, "\n  ");
    this.#file.write((this.#count === 0 ? "\n  " : ",\n  ") + body);
    this.#count++;
  }
  /** Closes the array and commits the file. */
  finish(): void {
    this.#file.write(this.#count === 0 ? "]\n" : "\n]\n");
    this.#file.commit();
  }
}

function csvValue(v: unknown): string | number {
  if (v === null || v === undefined) return "";
  return v as string | number;
}

/** Writes flows as CSV: the header, then one row per flow. */
export class FlowCsvWriter {
  #file: AtomicFile;
  constructor(file: AtomicFile) {
    this.#file = file;
    file.write(stringify([CSV_COLUMNS as string[]]));
  }
  /** Appends one flow. */
  add(flow: FlowRecord): void {
    const row = CSV_COLUMNS.map((c) => csvValue(flow[c]));
    this.#file.write(stringify([row]));
  }
  /** Commits the file. */
  finish(): void {
    this.#file.commit();
  }
}

/** Writes one JSON object per line (expired flows, alerts). */
export class JsonLinesWriter {
  #file: AtomicFile;
  constructor(file: AtomicFile) {
    this.#file = file;
  }
  /** Appends one object. */
  add(obj: object): void {
    this.#file.line(JSON.stringify(obj));
  }
  /** Writes what is buffered (the file stays temporary until finish()). */
  flush(): void {
    this.#file.flush();
  }
  /** Commits the file. */
  finish(): void {
    this.#file.commit();
  }
}
