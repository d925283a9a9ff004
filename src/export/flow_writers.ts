/**
 * Flow export writers: `--export-json` (a pretty-printed JSON array),
 * `--export-csv` (header + one row per flow, RFC 4180 quoting: the same
 * bytes csv-stringify writes with its defaults, which the tests check) and `--expired-flows-jsonl` (one object per line, with the
 * reason the flow ended). Each writes into an AtomicFile.
 *
 * @module
 */

import type { AtomicFile } from "./atomic_file.ts";
import { CSV_COLUMNS, type FlowRecord } from "./flow_record.ts";

/** Flows formatted per JSON.stringify call by FlowJsonWriter. */
const JSON_FLOWS_PER_CALL = 1024;

/**
 * Writes flows as one JSON array (two-space indentation), streamed in
 * batches: each batch is one native `JSON.stringify` call, its brackets
 * cut off, so the file is byte for byte what stringifying the whole array
 * at once would give.
 */
export class FlowJsonWriter {
  #file: AtomicFile;
  #count = 0;
  #pending: FlowRecord[] = [];
  constructor(file: AtomicFile) {
    this.#file = file;
    file.write("[");
  }
  /** Appends one flow. */
  add(flow: FlowRecord): void {
    this.#pending.push(flow);
    if (this.#pending.length >= JSON_FLOWS_PER_CALL) this.#writePending();
  }
  /** Closes the array and commits the file. */
  finish(): void {
    this.#writePending();
    this.#file.write(this.#count === 0 ? "]\n" : "\n]\n");
    this.#file.commit();
  }
  #writePending(): void {
    const n = this.#pending.length;
    if (n === 0) return;
    // "[\n  {...},\n  {...}\n]" → "  {...},\n  {...}"
    const text = JSON.stringify(this.#pending, null, 2);
    this.#file.write((this.#count === 0 ? "\n" : ",\n") + text.slice(2, -2));
    this.#count += n;
    this.#pending = [];
  }
}

/**
 * One CSV field: empty for null, the number's shortest text, a string as is
 * unless it holds a comma, a double quote, CR or LF, then quoted with its
 * quotes doubled (RFC 4180; what csv-stringify does with default options).
 */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") return String(v); // digits, ".", "-", "e", "+", "Infinity", "NaN"
  const s = String(v);
  return /[",\r\n]/.test(s) ? '"' + s.replaceAll('"', '""') + '"' : s;
}

/** One CSV record: fields joined by commas, ended by LF. */
export function csvRow(values: readonly unknown[]): string {
  let line = "";
  for (let i = 0; i < values.length; i++) line += (i === 0 ? "" : ",") + csvField(values[i]);
  return line + "\n";
}

/** Writes flows as CSV: the header, then one row per flow. */
export class FlowCsvWriter {
  #file: AtomicFile;
  readonly #row: unknown[] = new Array(CSV_COLUMNS.length);
  constructor(file: AtomicFile) {
    this.#file = file;
    file.write(csvRow(CSV_COLUMNS));
  }
  /** Appends one flow. */
  add(flow: FlowRecord): void {
    const row = this.#row;
    for (let i = 0; i < CSV_COLUMNS.length; i++) row[i] = flow[CSV_COLUMNS[i]!];
    this.#file.write(csvRow(row));
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
