/**
 * Reading a capture file end to end: file reader → filter → decoder →
 * counters → display. This is the inline (single-thread) pipeline; the
 * packet loop is synchronous within each chunk the reader holds and yields
 * to the event loop between chunks, so Ctrl-C is noticed and handled.
 *
 * @module
 */

import { PacketCounters } from "../analysis/packet_counters.ts";
import { CaptureFileReader, NEXT_FRAME, NEXT_NEED_DATA } from "../capture/capture_file_reader.ts";
import { FilterSet } from "../capture/bpf_filter.ts";
import { Frame } from "../capture/frame.ts";
import { formatHexDump } from "../display/hex_dump.ts";
import { linkTypeName } from "../display/names.ts";
import type { OutputWriter } from "../display/output_writer.ts";
import { packetToJson } from "../display/packet_json.ts";
import { formatPacketLine } from "../display/packet_line.ts";
import { formatProtocolTree } from "../display/protocol_tree.ts";
import { formatSummary, summaryToJson } from "../display/summary.ts";
import { alertLine, alertToJson } from "../analysis/alert.ts";
import { formatTick } from "../analysis/stats_ticker.ts";
import type { AtomicFile } from "../export/atomic_file.ts";
import { FlowCsvWriter, FlowJsonWriter, JsonLinesWriter } from "../export/flow_writers.ts";
import { isoText } from "../display/timestamp.ts";
import { decodeFrame } from "../protocol/decode.ts";
import { AnalysisEngine, ENGINE_BATCH, type EngineOptions } from "./analysis_engine.ts";
import { PacketRecord } from "../protocol/packet.ts";

/** What an offline run needs to know (a narrow view of the resolved settings). */
export interface OfflineRunOptions {
  /** Capture file path, "-" for standard input. */
  path: string;
  /** BPF filter expression, or null for none. */
  filter: string | null;
  /** Stop after this many packets (those passing the filter); 0 = no limit. */
  count: number;
  /** No per-packet output. */
  quiet: boolean;
  /** One JSON object per packet (and one for the summary) instead of text. */
  json: boolean;
  /** Verbosity: 2 or more adds the per-layer protocol tree. */
  verbose: number;
  /** Add a hex + ASCII dump of each packet. */
  hexDump: boolean;
  /**
   * Diagnostics, one line each (stderr in the CLI): with verbose >= 1 the
   * input's format and interfaces, the filter, and the read rate; with
   * verbose >= 3 also the compiled BPF program.
   */
  log: (line: string) => void;
  /** Flow tracking, TCP analysis, anomalies and stats; null when none is asked for. */
  engine: EngineOptions | null;
  /** Export files, opened (and so checked) before the run; null when not asked for. */
  exports: RunExports;
}

/** The export files of a run (each already open under a temporary name). */
export interface RunExports {
  flowsJson: AtomicFile | null;
  flowsCsv: AtomicFile | null;
  expiredFlows: AtomicFile | null;
  alerts: AtomicFile | null;
}

/** How an offline run ended. */
export interface OfflineRunResult {
  counters: PacketCounters;
  /** One-line description of the damage that ended reading, or null. */
  error: string | null;
  /** True when Ctrl-C stopped the run. */
  interrupted: boolean;
  /** True when the output's reader went away (broken pipe). */
  outputClosed: boolean;
}

/** Runs the whole file through the pipeline, writing to `out`. */
export async function runOffline(
  opts: OfflineRunOptions,
  out: OutputWriter,
): Promise<OfflineRunResult> {
  const started = performance.now();
  const reader = await CaptureFileReader.open(opts.path);
  const filters = opts.filter === null ? null : new FilterSet(opts.filter);
  // A bad expression fails before any output.
  const firstMatcher = filters === null ? null : filters.matcherFor(reader.linkType);
  if (opts.verbose >= 1) {
    opts.log(`reading ${reader.path}: ${reader.format}`);
    if (firstMatcher !== null) {
      opts.log(
        `filter "${firstMatcher.expression}": ${firstMatcher.program.length} BPF instructions`,
      );
      if (opts.verbose >= 3) {
        for (const l of firstMatcher.dump().split("\n")) opts.log("  " + l);
      }
    }
  }
  const counters = new PacketCounters();
  // Ctrl-C ends the run at once, even while waiting for input (a pipe or
  // stdin that has gone quiet): the read is raced against the signal.
  let interrupted = false;
  let wake: () => void = () => {};
  const interruption = new Promise<void>((resolve) => (wake = resolve));
  const onSigint = () => {
    interrupted = true;
    wake();
  };
  Deno.addSignalListener("SIGINT", onSigint);
  const printing = !opts.quiet;
  const ex = opts.exports;
  const expiredOut = ex.expiredFlows === null ? null : new JsonLinesWriter(ex.expiredFlows);
  const alertsOut = ex.alerts === null ? null : new JsonLinesWriter(ex.alerts);
  const engine = opts.engine === null ? null : new AnalysisEngine(opts.engine, {
    onTick: (tick) => {
      if (opts.json) out.line(JSON.stringify(tick));
      else {
        const sec = Math.floor(tick.ts);
        out.line(formatTick(tick, isoText(sec, Math.round((tick.ts - sec) * 1e9))));
      }
    },
    onAlert: (alert) => {
      if (opts.json) out.line(JSON.stringify({ type: "alert", ...alertToJson(alert) }));
      else out.line(alertLine(alert));
      alertsOut?.add(alertToJson(alert));
    },
    onFlowEnd: expiredOut === null ? null : (flow, reason) => expiredOut.add({ ...flow, reason }),
  });
  const loop = new PacketLoop(reader, filters, counters, engine, opts, out);
  try {
    for (;;) {
      const st = loop.run();
      if (st === NEXT_NEED_DATA) {
        out.flush();
        if (interrupted || out.closed) break;
        const filling = reader.fill();
        filling.catch(() => {}); // settles after close() if Ctrl-C won the race
        await Promise.race([filling, interruption]);
        if (interrupted) break;
      } else {
        break;
      }
    }
  } finally {
    Deno.removeSignalListener("SIGINT", onSigint);
    reader.close();
  }
  const filteredOut = loop.filteredOut;
  const error = reader.error === null ? null : reader.error.message;
  let flowLine: string | null = null;
  if (engine !== null) {
    engine.finish();
    const table = engine.table;
    if (table !== null) {
      flowLine = `flows: ${table.created} seen, ${table.size} live at the end, ` +
        `${table.expired} expired, ${table.evicted} evicted`;
    }
    if (engine.detector !== null) {
      const d = engine.detector;
      flowLine = (flowLine === null ? "" : flowLine + "\n") +
        `alerts: ${d.alertsRaised} (${d.synFloodAlerts} SYN flood, ${d.portScanAlerts} port scan)`;
    }
  }
  writeExports(engine, ex, expiredOut, alertsOut);
  if (opts.verbose >= 1) {
    for (const i of reader.interfaces) {
      opts.log(
        `  interface ${i.index}${i.name ? ` "${i.name}"` : ""}: ${linkTypeName(i.linkType)}, ` +
          `snaplen ${i.snaplen}, ${i.tsUnitsPerSecond} timestamp units per second`,
      );
    }
    const secs = (performance.now() - started) / 1000;
    opts.log(
      `read ${reader.framesRead} frames, ${reader.bytesRead} bytes in ${secs.toFixed(3)} s` +
        ` (${(reader.framesRead / secs / 1e6).toFixed(2)} Mpps)`,
    );
  }
  const source = { path: opts.path, format: reader.format, filteredOut, error };
  if (!out.closed) {
    if (opts.json) {
      const sj = summaryToJson(counters, source);
      const table = engine?.table ?? null;
      if (table !== null) {
        sj.flows = {
          seen: table.created,
          live: table.size,
          expired: table.expired,
          evicted: table.evicted,
        };
      }
      if (engine?.detector) sj.alerts = engine.detector.alertsRaised;
      out.line(JSON.stringify(sj));
    } else {
      if (printing && counters.packets > 0) out.line("");
      out.line(formatSummary(counters, source));
      if (flowLine !== null) out.line(flowLine);
    }
    out.flush();
  }
  return { counters, error, interrupted, outputClosed: out.closed };
}

/** Writes the flow table to the JSON/CSV exports and commits every export file. */
function writeExports(
  engine: AnalysisEngine | null,
  ex: RunExports,
  expiredOut: JsonLinesWriter | null,
  alertsOut: JsonLinesWriter | null,
): void {
  const json = ex.flowsJson === null ? null : new FlowJsonWriter(ex.flowsJson);
  const csv = ex.flowsCsv === null ? null : new FlowCsvWriter(ex.flowsCsv);
  if (engine !== null && (json !== null || csv !== null)) {
    engine.forEachFlow((flow) => {
      json?.add(flow);
      csv?.add(flow);
    });
  }
  json?.finish();
  csv?.finish();
  expiredOut?.finish();
  alertsOut?.finish();
}

function printPacket(rec: PacketRecord, opts: OfflineRunOptions, out: OutputWriter): void {
  if (opts.json) {
    out.line(JSON.stringify(packetToJson(rec)));
    return;
  }
  out.line(formatPacketLine(rec));
  if (opts.verbose >= 2) out.line(formatProtocolTree(rec));
  if (opts.hexDump) out.line(formatHexDump(rec.buf, rec.frame.offset, rec.frame.capLen));
}

/** `PacketLoop.run()` stopped because the output or the packet count ended the run. */
const LOOP_DONE = -100;

/**
 * The per-packet loop over the frames the reader holds: filter, decode,
 * count, analyse, print. Synchronous; `run()` returns when the reader needs
 * data (`NEXT_NEED_DATA`), at the end of the input or on damage, or when
 * the run is done (`LOOP_DONE`: output closed, packet count reached).
 *
 * With an engine and nothing printed per packet, packets reach the engine
 * in batches of up to {@link ENGINE_BATCH} (`AnalysisEngine.observeBatch`,
 * which overlaps their flow-table cache misses); each batch is decoded into
 * its own frames and records and is handed over before `run()` returns, so
 * it never outlives the reader's buffer. When packets are printed, each goes
 * to the engine before its line is printed, so that ticks and alerts
 * appear between the packets where they happened.
 */
class PacketLoop {
  filteredOut = 0;
  readonly #frames: Frame[];
  readonly #recs: PacketRecord[];
  readonly #ts: Float64Array;
  readonly #batch: number;
  #pending = 0;
  #baseSec = -1;

  constructor(
    readonly reader: CaptureFileReader,
    readonly filters: FilterSet | null,
    readonly counters: PacketCounters,
    readonly engine: AnalysisEngine | null,
    readonly opts: OfflineRunOptions,
    readonly out: OutputWriter,
  ) {
    this.#batch = engine !== null && opts.quiet ? ENGINE_BATCH : 1;
    this.#frames = Array.from({ length: this.#batch }, () => new Frame());
    this.#recs = Array.from({ length: this.#batch }, () => new PacketRecord());
    this.#ts = new Float64Array(this.#batch);
  }

  run(): number {
    const st = this.#loop();
    this.#flush();
    return st;
  }

  #loop(): number {
    const { reader, filters, counters, engine, opts, out } = this;
    const frames = this.#frames, recs = this.#recs, ts = this.#ts, batch = this.#batch;
    const printing = !opts.quiet, count = opts.count;
    // Local copies: an imported binding is read through a chain of loads at
    // every use in optimised code, a local is a register.
    const FRAME = NEXT_FRAME;
    let n = this.#pending;
    for (;;) {
      const frame = frames[n]!;
      const st = reader.next(frame);
      if (st !== FRAME) {
        this.#pending = n;
        return st;
      }
      if (
        filters !== null &&
        !filters.matcherFor(frame.linkType).match(
          frame.buf,
          frame.offset,
          frame.capLen,
          frame.wireLen,
        )
      ) {
        this.filteredOut++;
        continue;
      }
      const rec = recs[n]!;
      decodeFrame(frame, rec);
      counters.observe(rec);
      if (engine !== null) {
        if (this.#baseSec < 0) {
          this.#baseSec = frame.tsSec;
          engine.start(frame.tsSec);
        }
        const t = (frame.tsSec - this.#baseSec) + frame.tsNsec / 1e9;
        if (batch === 1) engine.observe(rec, t);
        else {
          ts[n] = t;
          if (++n === batch) {
            engine.observeBatch(recs, ts, n);
            n = 0;
          }
        }
      }
      if (printing) printPacket(rec, opts, out);
      if (out.closed || (count > 0 && counters.packets >= count)) {
        this.#pending = n;
        return LOOP_DONE;
      }
    }
  }

  /** Hands the packets of an unfinished batch to the engine. */
  #flush(): void {
    const n = this.#pending;
    if (n > 0) {
      this.#pending = 0;
      this.engine!.observeBatch(this.#recs, this.#ts, n);
    }
  }
}
