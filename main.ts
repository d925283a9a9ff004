/**
 * NetScope's entry point: resolve settings from the command line and the
 * config file, then run. Exit codes: 0 success; 1 unexpected failure;
 * 2 bad flag, config, filter, or input that is not a capture; 3 a capture
 * file that is cut short or corrupt (every packet before the damage was
 * analysed and reported); 130 interrupted by Ctrl-C.
 *
 * @module
 */

import { CaptureFileError } from "./src/capture/capture_file_error.ts";
import { FilterError } from "./src/capture/bpf_filter.ts";
import {
  type Feature,
  helpText,
  requestedUnavailable,
  resolveSettings,
  UsageError,
  versionText,
} from "./src/cli/mod.ts";
import { OutputWriter } from "./src/display/output_writer.ts";
import { AtomicFile, ExportError } from "./src/export/atomic_file.ts";
import type { EngineOptions } from "./src/pipeline/analysis_engine.ts";
import { type RunExports, runOffline } from "./src/pipeline/offline_run.ts";
import type { Settings } from "./src/cli/settings.ts";

/** Features built so far; settings that request any other fail clearly. */
const AVAILABLE: ReadonlySet<Feature> = new Set<Feature>(["flows", "stats", "anomalies"]);

/** Exit codes (documented in docs/cli-reference.md). */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_DAMAGED_INPUT = 3;
export const EXIT_INTERRUPTED = 130;

function fail(message: string, code: number): number {
  const enc = new TextEncoder();
  Deno.stderr.writeSync(enc.encode(`netscope: ${message}\n`));
  return code;
}

/** Runs NetScope with `argv`; returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const out = new OutputWriter(Deno.stdout);
  let exports: RunExports | null = null;
  try {
    const settings = await resolveSettings(argv);
    if (settings.action === "help") {
      out.write(helpText());
      out.flush();
      return EXIT_OK;
    }
    if (settings.action === "version") {
      out.line(versionText());
      out.flush();
      return EXIT_OK;
    }
    const unavailable = requestedUnavailable(settings, AVAILABLE);
    if (unavailable.length > 0) return fail(unavailable[0]!, EXIT_USAGE);
    const path = settings.capture.read_pcap;
    if (path === null) return fail("live capture is not available yet", EXIT_USAGE);
    if (settings.analysis.alerts_jsonl !== null && !settings.analysis.anomalies.enabled) {
      return fail("--alerts-jsonl needs --anomalies (anomaly detection is off)", EXIT_USAGE);
    }
    // Export paths are checked (opened) before any capture work.
    exports = openExports(settings);
    const result = await runOffline({
      path,
      filter: settings.capture.filter,
      count: settings.run.count,
      quiet: settings.output.quiet,
      json: settings.output.json,
      verbose: settings.verbose,
      hexDump: settings.output.hex_dump,
      engine: engineOptions(settings),
      exports,
      log: (line) => {
        out.flush();
        Deno.stderr.writeSync(new TextEncoder().encode(`netscope: ${line}\n`));
      },
    }, out);
    if (result.error !== null) return fail(result.error, EXIT_DAMAGED_INPUT);
    if (result.interrupted) return EXIT_INTERRUPTED;
    return EXIT_OK;
  } catch (e) {
    out.flush();
    if (exports !== null) abortExports(exports);
    if (e instanceof ExportError) return fail(e.message, EXIT_USAGE);
    if (e instanceof UsageError) return fail(e.message, e.exitCode);
    if (e instanceof FilterError) return fail(e.message, EXIT_USAGE);
    if (e instanceof CaptureFileError) {
      return fail(
        e.message,
        e.kind === "truncated" || e.kind === "corrupt" ? EXIT_DAMAGED_INPUT : EXIT_USAGE,
      );
    }
    if (e instanceof Deno.errors.BrokenPipe) return EXIT_OK;
    throw e;
  }
}

/** What the analysis engine should compute, from the settings; null if nothing. */
function engineOptions(s: Settings): EngineOptions | null {
  const flows = s.output.export_json !== null || s.output.export_csv !== null ||
    s.output.expired_flows_jsonl !== null;
  const anomalies = s.analysis.anomalies.enabled ? s.analysis.anomalies : null;
  const stats = s.stats.enabled
    ? { intervalMs: s.stats.interval_ms, topN: s.stats.top_flows }
    : null;
  if (!flows && anomalies === null && stats === null) return null;
  return {
    flows,
    timeoutSecs: s.flow.timeout_secs,
    maxFlows: s.flow.max_flows,
    rtt: s.analysis.rtt,
    retrans: s.analysis.retrans,
    outOfOrder: s.analysis.out_of_order,
    anomalies,
    stats,
  };
}

function openExports(s: Settings): RunExports {
  const ex: RunExports = { flowsJson: null, flowsCsv: null, expiredFlows: null, alerts: null };
  try {
    const o = s.output;
    if (o.export_json !== null) ex.flowsJson = AtomicFile.open(o.export_json, "flow export");
    if (o.export_csv !== null) ex.flowsCsv = AtomicFile.open(o.export_csv, "flow export");
    if (o.expired_flows_jsonl !== null) {
      ex.expiredFlows = AtomicFile.open(o.expired_flows_jsonl, "expired-flows file");
    }
    if (s.analysis.alerts_jsonl !== null) {
      ex.alerts = AtomicFile.open(s.analysis.alerts_jsonl, "alerts file");
    }
  } catch (e) {
    abortExports(ex);
    throw e;
  }
  return ex;
}

function abortExports(ex: RunExports): void {
  ex.flowsJson?.abort();
  ex.flowsCsv?.abort();
  ex.expiredFlows?.abort();
  ex.alerts?.abort();
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
