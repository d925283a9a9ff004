/**
 * Shared helpers of the whole-process benchmarks (`read_throughput.ts`,
 * `flow_throughput.ts`): command-line parsing, the generated capture file,
 * timing one child process with its peak RSS and CPU time, interleaved runs
 * with medians, and the markdown result table.
 *
 * Measurement: wall time is measured around the child process (spawn to
 * exit, `performance.now()`). Peak RSS and CPU time come from GNU time
 * (`/usr/bin/time -f "%U %S %M"`: ru_maxrss and ru_utime/ru_stime of the
 * child, Debian package `time`); the kernel folds waited-for descendants
 * into both, so a `sh -c` pipeline reports its largest process's peak and
 * the CPU time of all. Without GNU time, peak RSS is read by polling
 * `VmHWM` in `/proc/PID/status` every 5 ms and CPU time is not reported.
 *
 * @module
 */

import { captureFileName, ensureCapture, type GenOptions } from "./gen_capture.ts";

/** The repository root, with a trailing slash. */
export const ROOT: string = new URL("../", import.meta.url).pathname;
/** Where generated captures are kept between runs (gitignored). */
export const DATA_DIR: string = ROOT + "bench/.data";
/** GNU time (Debian package `time`). */
export const GNU_TIME = "/usr/bin/time";
/** The permissions of `deno task capture`. */
export const NETSCOPE_PERMS: readonly string[] = [
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-ffi",
  "--allow-net",
  "--allow-sys",
];

/**
 * Environment added for every timed child. With TZ unset, glibc's
 * localtime() stats /etc/localtime on every call, which doubles the time of
 * `tcpdump -n` (one call per printed packet); TZ=UTC removes that artefact.
 */
export const CHILD_ENV: Readonly<Record<string, string>> = { TZ: "UTC" };

/** `deno run` of NetScope's `main.ts` with the permissions of `deno task capture`. */
export function netscopeCommand(): string[] {
  return [Deno.execPath(), "run", ...NETSCOPE_PERMS, ROOT + "main.ts"];
}

// ---------------------------------------------------------------------------
// Command line.

/**
 * Walks `--flag value` / `--flag=value` arguments. `next()` returns the
 * next flag (the part before `=`), or null at the end; the value readers
 * consume the flag's value.
 */
export class ArgReader {
  readonly #args: readonly string[];
  #i = -1;
  #arg = "";
  #flag = "";
  #eq = -1;

  constructor(args: readonly string[]) {
    this.#args = args;
  }

  /** The next flag, or null when all arguments have been read. */
  next(): string | null {
    this.#i++;
    if (this.#i >= this.#args.length) return null;
    const a = this.#args[this.#i]!;
    this.#arg = a;
    this.#eq = a.indexOf("=");
    this.#flag = a.startsWith("--") && this.#eq > 0 ? a.slice(0, this.#eq) : a;
    return this.#flag;
  }

  /** The current flag's value (after `=`, else the next argument). */
  value(): string {
    const a = this.#arg;
    const v = a.startsWith("--") && this.#eq > 0 ? a.slice(this.#eq + 1) : this.#args[++this.#i];
    if (v === undefined || v === "") {
      throw new RangeError(`Cannot parse ${this.#flag}: missing value`);
    }
    return v;
  }

  /** The current flag's value as a positive integer (`_` separators allowed). */
  positiveInt(): number {
    const v = this.value();
    const n = Number(v.replaceAll("_", ""));
    if (!Number.isInteger(n) || n < 1) {
      throw new RangeError(`Cannot parse ${this.#flag}: expected a positive integer, got ${v}`);
    }
    return n;
  }

  /** The error for an argument nobody recognised. */
  unknown(): RangeError {
    return new RangeError(`Cannot parse arguments: unknown argument ${this.#arg}`);
  }
}

/**
 * Runs a benchmark's `main`, exiting with its code; a RangeError (bad
 * arguments) prints `name: message` and the usage line and exits with 2.
 */
export async function runMain(
  name: string,
  usage: string,
  main: () => Promise<number>,
): Promise<never> {
  try {
    Deno.exit(await main());
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    console.error(`${name}: ${e.message}\n${usage}`);
    Deno.exit(2);
  }
}

// ---------------------------------------------------------------------------
// The capture file.

/** The file a benchmark reads. */
export interface BenchFile {
  path: string;
  /** Packets in it when known (generated files), else null. */
  packets: number | null;
  /** Sessions the generator wrote, when it generated the file in this run. */
  flows: number | null;
  /** Size in bytes. */
  size: number;
}

/**
 * `file` if given, else the generated capture for `gen` under DATA_DIR
 * (generated now unless a previous run left it there).
 */
export async function prepareCapture(
  gen: GenOptions,
  file: string | null,
  log: (line: string) => void,
): Promise<BenchFile> {
  if (file !== null) return { path: file, packets: null, flows: null, size: await size(file) };
  const t0 = performance.now();
  const got = ensureCapture(DATA_DIR, gen);
  let flows: number | null = null;
  if (got.generated) {
    const s = got.stats!;
    flows = s.flows;
    log(
      `generated ${got.path}: ${s.packets} packets, ${(s.bytes / 1e6).toFixed(1)} MB, ` +
        `${s.flows} flows in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  } else log(`reusing ${got.path} (${captureFileName(gen)})`);
  return { path: got.path, packets: gen.packets, flows, size: await size(got.path) };
}

async function size(path: string): Promise<number> {
  return (await Deno.stat(path)).size;
}

/** Reads `file` once (warm page cache) and runs `netscope -c 1` on it (warm module cache). */
export async function warmUp(file: string, netscope: readonly string[]): Promise<void> {
  await new Deno.Command("cat", { args: [file], stdout: "null" }).output();
  await new Deno.Command(netscope[0]!, {
    args: [...netscope.slice(1), "-r", file, "-c", "1", "--quiet"],
    stdout: "null",
    stderr: "null",
  }).output();
}

// ---------------------------------------------------------------------------
// Environment.

/** Whether `path` exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Whether `cmd` is on the PATH. */
export async function which(cmd: string): Promise<boolean> {
  try {
    const out = await new Deno.Command("sh", {
      args: ["-c", `command -v ${cmd}`],
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  } catch {
    return false;
  }
}

const dec = new TextDecoder();

/** One line describing the machine: cores, CPU model, memory, OS, load average. */
export async function machine(): Promise<string> {
  const cpu = /model name\s*:\s*(.*)/.exec(await Deno.readTextFile("/proc/cpuinfo"))?.[1] ??
    "unknown CPU";
  const memKB = Number(/MemTotal:\s+(\d+)/.exec(await Deno.readTextFile("/proc/meminfo"))?.[1]);
  const load = (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
  return `${navigator.hardwareConcurrency} cores (${cpu}), ${(memKB / 1048576).toFixed(0)} GiB, ` +
    `${Deno.build.os}, load average ${load} at start`;
}

/** First line of what `cmd` prints (stdout then stderr), or "not installed". */
export async function version(cmd: string[]): Promise<string> {
  try {
    const out = await new Deno.Command(cmd[0]!, {
      args: cmd.slice(1),
      stdout: "piped",
      stderr: "piped",
    })
      .output();
    return (dec.decode(out.stdout) + dec.decode(out.stderr)).split("\n")[0]!.trim();
  } catch {
    return "not installed";
  }
}

// ---------------------------------------------------------------------------
// Running and timing.

/** One tool to time. */
export interface Tool {
  /** Short name for the table. */
  name: string;
  /** The command as shown in the table (F = the file). */
  shown: string;
  cmd: string[];
  /** Keep stdout (to check the tool's own report); otherwise it goes to /dev/null. */
  captureStdout: boolean;
  /** Whether this row is one of the compared tools (not a floor / start-up row). */
  role: "floor" | "peer" | "netscope" | "startup";
  /** Run it at most this many times (a slow peer); default: every run. */
  maxRuns?: number;
  /** Called before every run of the tool (untimed), e.g. to delete an output file. */
  before?: () => Promise<void>;
}

/** One measured run. */
export interface Sample {
  wallS: number;
  cpuS: number | null;
  rssMB: number | null;
  code: number;
  stdout: string;
  stderr: string;
}

/** How one child is run and measured. */
export type Runner = (cmd: string[], captureStdout: boolean) => Promise<Sample>;

/** Runs `cmd` once under GNU time; wall time measured around the child. */
export async function runTimed(cmd: string[], captureStdout: boolean): Promise<Sample> {
  const timeOut = await Deno.makeTempFile({ prefix: "netscope-bench-time-" });
  try {
    const t0 = performance.now();
    const out = await new Deno.Command(GNU_TIME, {
      args: ["-f", "%U %S %M", "-o", timeOut, ...cmd],
      stdout: captureStdout ? "piped" : "null",
      stderr: "piped",
      env: CHILD_ENV,
    }).output();
    const wallS = (performance.now() - t0) / 1000;
    const [u, s, m] = (await Deno.readTextFile(timeOut)).trim().split("\n").pop()!.split(" ");
    return {
      wallS,
      cpuS: Number(u) + Number(s),
      rssMB: Number(m) / 1024,
      code: out.code,
      stdout: captureStdout ? dec.decode(out.stdout) : "",
      stderr: dec.decode(out.stderr),
    };
  } finally {
    await Deno.remove(timeOut);
  }
}

/** Runs `cmd` once without GNU time: peak RSS by polling VmHWM, no CPU time. */
export async function runPolled(cmd: string[], captureStdout: boolean): Promise<Sample> {
  const t0 = performance.now();
  const child = new Deno.Command(cmd[0]!, {
    args: cmd.slice(1),
    stdout: captureStdout ? "piped" : "null",
    stderr: "piped",
    env: CHILD_ENV,
  }).spawn();
  let hwmKB = 0;
  let done = false;
  const poll = (async () => {
    while (!done) {
      try {
        const st = await Deno.readTextFile(`/proc/${child.pid}/status`);
        const m = /VmHWM:\s+(\d+) kB/.exec(st);
        if (m !== null) hwmKB = Math.max(hwmKB, Number(m[1]));
      } catch {
        // the process has exited
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const out = await child.output();
  const wallS = (performance.now() - t0) / 1000;
  done = true;
  await poll;
  return {
    wallS,
    cpuS: null,
    rssMB: hwmKB > 0 ? hwmKB / 1024 : null,
    code: out.code,
    stdout: captureStdout ? dec.decode(out.stdout) : "",
    stderr: dec.decode(out.stderr),
  };
}

/** The runner to use here (GNU time when installed), logging what is missing. */
export async function pickRunner(log: (line: string) => void): Promise<Runner> {
  if (await exists(GNU_TIME)) return runTimed;
  log(`${GNU_TIME} not found (Debian package "time"): peak RSS from /proc polling`);
  return runPolled;
}

/**
 * Runs every tool `runs` times (or its `maxRuns`), interleaved: run 1 of
 * every tool, then run 2, ..., so that load from other processes spreads
 * over all of them. `check` returns a note for the progress line (empty if
 * none); progress goes to `log`. Returns the samples by tool name.
 */
export async function runInterleaved(
  tools: readonly Tool[],
  runs: number,
  run: Runner,
  check: (tool: Tool, s: Sample) => string,
  log: (line: string) => void,
): Promise<Map<string, Sample[]>> {
  const samples = new Map<string, Sample[]>(tools.map((t) => [t.name, []]));
  const width = Math.max(18, ...tools.map((t) => t.name.length));
  for (let r = 1; r <= runs; r++) {
    for (const t of tools) {
      const n = Math.min(runs, t.maxRuns ?? runs);
      if (r > n) continue;
      if (t.before !== undefined) await t.before();
      const s = await run(t.cmd, t.captureStdout);
      samples.get(t.name)!.push(s);
      let note = "";
      if (s.code !== 0) note = `  exit ${s.code}: ${s.stderr.trim().split("\n").pop()}`;
      note += check(t, s);
      log(
        `run ${r}/${n} ${t.name.padEnd(width)} ${s.wallS.toFixed(3)} s` +
          `  cpu ${fmt(s.cpuS, 2)} s  rss ${fmt(s.rssMB, 1)} MB${note}`,
      );
    }
  }
  return samples;
}

/** Median of a non-empty list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** `x` with `digits` decimals, "n/a" for null or non-finite. */
export function fmt(x: number | null, digits: number): string {
  return x === null || !Number.isFinite(x) ? "n/a" : x.toFixed(digits);
}

/** Median wall time of every tool that ran. */
export function medians(samples: ReadonlyMap<string, Sample[]>): Map<string, number> {
  const med = new Map<string, number>();
  for (const [name, ss] of samples) {
    if (ss.length > 0) {
      med.set(
        name,
        median(ss.map((s) => s.wallS)),
      );
    }
  }
  return med;
}

/**
 * The markdown result table, one row per tool: median wall time, range,
 * Mpps (not for start-up rows), median CPU time, largest peak RSS. With
 * `runsColumn`, a column with the number of runs of each row.
 */
export function resultTable(
  tools: readonly Tool[],
  samples: ReadonlyMap<string, Sample[]>,
  packets: number | null,
  runsColumn = false,
): string[] {
  const lines: string[] = [];
  const runsHead = runsColumn ? " runs |" : "";
  lines.push(
    `| tool | command | wall s (median) | min–max | Mpps | CPU s | peak RSS MB |${runsHead}`,
  );
  lines.push(`|---|---|---|---|---|---|---|${runsColumn ? "---|" : ""}`);
  for (const t of tools) {
    const ss = samples.get(t.name)!;
    if (ss.length === 0) continue;
    const walls = ss.map((s) => s.wallS);
    const m = median(walls);
    const cpu = ss.every((s) => s.cpuS !== null) ? median(ss.map((s) => s.cpuS!)) : null;
    const rss = ss.every((s) => s.rssMB !== null) ? Math.max(...ss.map((s) => s.rssMB!)) : null;
    const mpps = t.role === "startup" || packets === null ? null : packets / m / 1e6;
    lines.push(
      `| ${t.name} | ${t.shown} | ${m.toFixed(2)} | ${Math.min(...walls).toFixed(2)}–` +
        `${Math.max(...walls).toFixed(2)} | ${fmt(mpps, 2)} | ${fmt(cpu, 2)} | ${fmt(rss, 0)} |` +
        (runsColumn ? ` ${ss.length} |` : ""),
    );
  }
  return lines;
}

// ---------------------------------------------------------------------------
// NetScope's own report.

/** What NetScope's text summary says (fields it did not print are null). */
export interface NetscopeSummary {
  packets: number;
  malformed: number;
  /** `flows: N seen, L live at the end, E expired, V evicted`. */
  flowsSeen: number | null;
  flowsLive: number | null;
  flowsExpired: number | null;
  flowsEvicted: number | null;
  /** `alerts: N (...)`. */
  alerts: number | null;
}

/** Parses NetScope's text summary, or returns null when it is not there. */
export function parseSummary(stdout: string): NetscopeSummary | null {
  const p = /^(\d+) packets,/m.exec(stdout);
  const m = /^malformed: (\d+)/m.exec(stdout);
  if (p === null || m === null) return null;
  const f = /^flows: (\d+) seen, (\d+) live at the end, (\d+) expired, (\d+) evicted/m.exec(
    stdout,
  );
  const a = /^alerts: (\d+)/m.exec(stdout);
  return {
    packets: Number(p[1]),
    malformed: Number(m[1]),
    flowsSeen: f === null ? null : Number(f[1]),
    flowsLive: f === null ? null : Number(f[2]),
    flowsExpired: f === null ? null : Number(f[3]),
    flowsEvicted: f === null ? null : Number(f[4]),
    alerts: a === null ? null : Number(a[1]),
  };
}

/** The options every side-by-side bench script takes. */
export interface CommonBenchArgs {
  gen: GenOptions;
  runs: number;
  skipTshark: boolean;
  file: string | null;
}

/**
 * Handles one of the common flags (`--packets`, `--flows`, `--seed`,
 * `--runs`, `--skip-tshark`, `--file`, `-h`/`--help`); returns false for
 * any other flag, which the script then handles or rejects.
 */
export function commonBenchFlag(
  flag: string,
  a: ArgReader,
  out: CommonBenchArgs,
  usage: string,
): boolean {
  switch (flag) {
    case "--packets":
      out.gen.packets = a.positiveInt();
      return true;
    case "--flows":
      out.gen.flows = a.positiveInt();
      return true;
    case "--seed":
      out.gen.seed = a.positiveInt();
      return true;
    case "--runs":
      out.runs = a.positiveInt();
      return true;
    case "--skip-tshark":
      out.skipTshark = true;
      return true;
    case "--file":
      out.file = a.value();
      return true;
    case "-h":
    case "--help":
      console.log(usage);
      Deno.exit(0);
  }
  return false;
}
