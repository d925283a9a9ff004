/**
 * Whole-process read throughput: NetScope against tcpdump and tshark on one
 * generated capture file, in one run, printed as a markdown table with
 * ratios. Every tool reads the same file from a warm page cache; what is
 * timed is the whole process (start-up, reading, decoding, exit), as a user
 * would see it.
 *
 * Rows:
 * - `cat F` — the I/O floor (page cache → pipe to /dev/null);
 * - `tcpdump -r F -w /dev/null` — libpcap's raw read floor: copies every
 *   record, decodes nothing;
 * - `tcpdump -n -r F` (stdout to /dev/null) — tcpdump decoding and printing
 *   every packet, the fairer peer for a decoding tool;
 * - `tcpdump -n -S -r F` — the same with absolute TCP sequence numbers: no
 *   per-connection table for relative numbers (NetScope keeps none either),
 *   which on a file with many connections is most of tcpdump's time;
 * - `netscope -r F --quiet` — NetScope reading and decoding every packet
 *   (Ethernet/VLAN/IPv4/IPv6/TCP/UDP/DNS/TLS ClientHello) and printing the
 *   summary; `deno run` with the permissions of `deno task capture`;
 * - `netscope -r F -c 1 --quiet` — NetScope's fixed start-up cost (Deno
 *   start, module load, first read), for reading the other rows;
 * - `tshark -r F -q` — tshark reading the records only: with `-q` and no
 *   filter or tap, tshark does not dissect at all (tshark.c: `do_dissection
 *   = print_packet_info || rfcode || dfcode || pdu_export_arg ||
 *   tap_listeners_require_dissection()`), so this is its read floor;
 * - `tshark -n -r F -q -z io,phs` — tshark dissecting every packet into a
 *   protocol tree (TCP analysis and reassembly, HTTP/TLS/DNS dissectors) and
 *   printing the protocol hierarchy: the counterpart of NetScope's decode
 *   and per-protocol summary, and the row the "20x faster than tshark" goal
 *   is measured against.
 *
 * Measurement: each tool runs `--runs` times (default 3), interleaved (run 1
 * of every tool, then run 2, ...) so that load from other processes spreads
 * over all of them; the table gives the median. Wall time is measured here
 * around the child process (spawn to exit, `performance.now()`). Peak RSS and
 * CPU time come from GNU time (`/usr/bin/time -f "%U %S %M"`: ru_maxrss and
 * ru_utime/ru_stime of the child, Debian package `time`); without it, peak
 * RSS is read by polling `VmHWM` in `/proc/PID/status` every 5 ms and CPU
 * time is not reported. Nothing here asserts a timing.
 *
 * Usage: `deno run -A bench/read_throughput.ts [--packets N] [--flows F]
 * [--seed S] [--runs R] [--skip-tshark] [--file PATH]`
 *
 * The generated file is kept under bench/.data/ (gitignored) and reused by
 * later runs with the same parameters.
 *
 * @module
 */

import { captureFileName, ensureCapture, type GenOptions } from "./gen_capture.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const DATA_DIR = ROOT + "bench/.data";
const GNU_TIME = "/usr/bin/time";
/** The permissions of `deno task capture`. */
const NETSCOPE_PERMS = [
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-ffi",
  "--allow-net",
  "--allow-sys",
];

/** Parsed command line. */
interface BenchArgs {
  gen: GenOptions;
  runs: number;
  skipTshark: boolean;
  file: string | null;
}

const USAGE = "usage: read_throughput.ts [--packets N] [--flows F] [--seed S] [--runs R] " +
  "[--skip-tshark] [--file PATH]";

function parseArgs(args: readonly string[]): BenchArgs {
  const out: BenchArgs = {
    gen: { packets: 2_000_000, seed: 1 },
    runs: 3,
    skipTshark: false,
    file: null,
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.indexOf("=");
    const flag = a.startsWith("--") && eq > 0 ? a.slice(0, eq) : a;
    const raw = (): string => {
      const v = a.startsWith("--") && eq > 0 ? a.slice(eq + 1) : args[++i];
      if (v === undefined || v === "") throw new RangeError(`Cannot parse ${flag}: missing value`);
      return v;
    };
    const num = (): number => {
      const v = raw();
      const n = Number(v.replaceAll("_", ""));
      if (!Number.isInteger(n) || n < 1) {
        throw new RangeError(`Cannot parse ${flag}: expected a positive integer, got ${v}`);
      }
      return n;
    };
    switch (flag) {
      case "--packets":
        out.gen.packets = num();
        break;
      case "--flows":
        out.gen.flows = num();
        break;
      case "--seed":
        out.gen.seed = num();
        break;
      case "--runs":
        out.runs = num();
        break;
      case "--skip-tshark":
        out.skipTshark = true;
        break;
      case "--file":
        out.file = raw();
        break;
      case "-h":
      case "--help":
        console.log(USAGE);
        Deno.exit(0);
        break;
      default:
        throw new RangeError(`Cannot parse arguments: unknown argument ${a}`);
    }
  }
  return out;
}

/** One tool to time. */
interface Tool {
  /** Short name for the table. */
  name: string;
  /** The command as shown in the table (F = the file). */
  shown: string;
  cmd: string[];
  /** Keep stdout (to check the tool's own report); otherwise it goes to /dev/null. */
  captureStdout: boolean;
  /** Whether this row is one of the compared tools (not a floor / start-up row). */
  role: "floor" | "peer" | "netscope" | "startup";
}

/** One measured run. */
interface Sample {
  wallS: number;
  cpuS: number | null;
  rssMB: number | null;
  code: number;
  stdout: string;
  stderr: string;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function which(cmd: string): Promise<boolean> {
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

/**
 * Environment added for every timed child. With TZ unset, glibc's
 * localtime() stats /etc/localtime on every call, which doubles the time of
 * `tcpdump -n` (one call per printed packet); TZ=UTC removes that artefact.
 */
const CHILD_ENV = { TZ: "UTC" };

/** Runs `cmd` once under GNU time; wall time measured around the child. */
async function runTimed(cmd: string[], captureStdout: boolean): Promise<Sample> {
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
async function runPolled(cmd: string[], captureStdout: boolean): Promise<Sample> {
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

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function fmt(x: number | null, digits: number): string {
  return x === null || !Number.isFinite(x) ? "n/a" : x.toFixed(digits);
}

async function machine(): Promise<string> {
  const cpu = /model name\s*:\s*(.*)/.exec(await Deno.readTextFile("/proc/cpuinfo"))?.[1] ??
    "unknown CPU";
  const memKB = Number(/MemTotal:\s+(\d+)/.exec(await Deno.readTextFile("/proc/meminfo"))?.[1]);
  const load = (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
  return `${navigator.hardwareConcurrency} cores (${cpu}), ${(memKB / 1048576).toFixed(0)} GiB, ` +
    `${Deno.build.os}, load average ${load} at start`;
}

async function version(cmd: string[]): Promise<string> {
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

/** Packet count and malformed count from NetScope's text summary, or null. */
function parseSummary(stdout: string): { packets: number; malformed: number } | null {
  const p = /^(\d+) packets,/m.exec(stdout);
  const m = /^malformed: (\d+)/m.exec(stdout);
  return p === null || m === null ? null : { packets: Number(p[1]), malformed: Number(m[1]) };
}

async function main(): Promise<number> {
  const args = parseArgs(Deno.args);
  const log = (s: string) => console.error(s);

  // 1. The capture file.
  let file: string;
  let packets: number | null = null;
  if (args.file !== null) {
    file = args.file;
  } else {
    const t0 = performance.now();
    const got = ensureCapture(DATA_DIR, args.gen);
    file = got.path;
    packets = args.gen.packets;
    if (got.generated) {
      const s = got.stats!;
      log(
        `generated ${file}: ${s.packets} packets, ${(s.bytes / 1e6).toFixed(1)} MB, ` +
          `${s.flows} flows in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
    } else log(`reusing ${file} (${captureFileName(args.gen)})`);
  }
  const size = (await Deno.stat(file)).size;

  // 2. Tools.
  const haveTime = await exists(GNU_TIME);
  const haveTcpdump = await which("tcpdump");
  const haveTshark = !args.skipTshark && await which("tshark");
  const deno = Deno.execPath();
  const netscope = [deno, "run", ...NETSCOPE_PERMS, ROOT + "main.ts"];
  const tools: Tool[] = [
    {
      name: "cat",
      shown: "`cat F > /dev/null`",
      cmd: ["cat", file],
      captureStdout: false,
      role: "floor",
    },
  ];
  if (haveTcpdump) {
    tools.push({
      name: "tcpdump raw",
      shown: "`tcpdump -r F -w /dev/null`",
      cmd: ["tcpdump", "-r", file, "-w", "/dev/null"],
      captureStdout: false,
      role: "peer",
    }, {
      name: "tcpdump decode",
      shown: "`tcpdump -n -r F > /dev/null`",
      cmd: ["tcpdump", "-n", "-r", file],
      captureStdout: false,
      role: "peer",
    }, {
      name: "tcpdump decode -S",
      shown: "`tcpdump -n -S -r F > /dev/null`",
      cmd: ["tcpdump", "-n", "-S", "-r", file],
      captureStdout: false,
      role: "peer",
    });
  }
  tools.push({
    name: "netscope",
    shown: "`netscope -r F --quiet`",
    cmd: [...netscope, "-r", file, "--quiet"],
    captureStdout: true,
    role: "netscope",
  }, {
    name: "netscope start-up",
    shown: "`netscope -r F -c 1 --quiet`",
    cmd: [...netscope, "-r", file, "-c", "1", "--quiet"],
    captureStdout: true,
    role: "startup",
  });
  if (haveTshark) {
    tools.push({
      name: "tshark read",
      shown: "`tshark -r F -q`",
      cmd: ["tshark", "-r", file, "-q"],
      captureStdout: false,
      role: "peer",
    }, {
      name: "tshark dissect",
      shown: "`tshark -n -r F -q -z io,phs`",
      cmd: ["tshark", "-n", "-r", file, "-q", "-z", "io,phs"],
      captureStdout: false,
      role: "peer",
    });
  }
  const run = haveTime ? runTimed : runPolled;
  if (!haveTime) log(`${GNU_TIME} not found (Debian package "time"): peak RSS from /proc polling`);
  if (!haveTcpdump) log("tcpdump not found: its rows are left out");
  if (!args.skipTshark && !haveTshark) log("tshark not found: its row is left out");

  // 3. Warm the page cache, and Deno's module cache (untimed).
  await new Deno.Command("cat", { args: [file], stdout: "null" }).output();
  await new Deno.Command(netscope[0]!, {
    args: [...netscope.slice(1), "-r", file, "-c", "1", "--quiet"],
    stdout: "null",
    stderr: "null",
  }).output();

  // 4. Runs, interleaved.
  const env = await machine();
  const samples = new Map<string, Sample[]>(tools.map((t) => [t.name, []]));
  for (let r = 1; r <= args.runs; r++) {
    for (const t of tools) {
      const s = await run(t.cmd, t.captureStdout);
      samples.get(t.name)!.push(s);
      let note = "";
      if (s.code !== 0) note = `  exit ${s.code}: ${s.stderr.trim().split("\n").pop()}`;
      if (t.role === "netscope") {
        const sum = parseSummary(s.stdout);
        if (sum === null) note += "  (no summary in NetScope's output)";
        else {
          packets ??= sum.packets;
          if (sum.packets !== packets) note += `  (NetScope read ${sum.packets} packets)`;
          if (sum.malformed !== 0) note += `  (NetScope: ${sum.malformed} malformed)`;
        }
      }
      log(
        `run ${r}/${args.runs} ${t.name.padEnd(18)} ${s.wallS.toFixed(3)} s` +
          `  cpu ${fmt(s.cpuS, 2)} s  rss ${fmt(s.rssMB, 1)} MB${note}`,
      );
    }
  }

  // 5. Table.
  const med = new Map<string, number>();
  for (const t of tools) med.set(t.name, median(samples.get(t.name)!.map((s) => s.wallS)));
  const lines: string[] = [];
  lines.push(`file: ${file}`);
  lines.push(
    `${packets ?? "?"} packets, ${(size / 1e6).toFixed(1)} MB; median of ${args.runs} runs; ` +
      new Date().toISOString().slice(0, 10),
  );
  lines.push(`machine: ${env}`);
  lines.push(
    `versions: ${Deno.version.deno} (deno); ${await version(["tcpdump", "--version"])}; ` +
      (haveTshark ? await version(["tshark", "--version"]) : "tshark skipped"),
  );
  lines.push("");
  lines.push("| tool | command | wall s (median) | min–max | Mpps | CPU s | peak RSS MB |");
  lines.push("|---|---|---|---|---|---|---|");
  for (const t of tools) {
    const ss = samples.get(t.name)!;
    const walls = ss.map((s) => s.wallS);
    const m = med.get(t.name)!;
    const cpu = ss.every((s) => s.cpuS !== null) ? median(ss.map((s) => s.cpuS!)) : null;
    const rss = ss.every((s) => s.rssMB !== null) ? Math.max(...ss.map((s) => s.rssMB!)) : null;
    const mpps = t.role === "startup" || packets === null ? null : packets / m / 1e6;
    lines.push(
      `| ${t.name} | ${t.shown} | ${m.toFixed(2)} | ${Math.min(...walls).toFixed(2)}–` +
        `${Math.max(...walls).toFixed(2)} | ${fmt(mpps, 2)} | ${fmt(cpu, 2)} | ${fmt(rss, 0)} |`,
    );
  }
  lines.push("");
  const ns = med.get("netscope")!;
  const ratio = (name: string, f: (x: number) => number, label: string, goal: string) => {
    const x = med.get(name);
    if (x === undefined) return;
    const v = f(x);
    lines.push(`- ${label}: **${v.toFixed(2)}x**${goal}`);
  };
  ratio(
    "tcpdump raw",
    (x) => ns / x,
    "netscope / `tcpdump -w /dev/null` (wall)",
    " (goal: at most 2x)",
  );
  ratio("tcpdump decode", (x) => ns / x, "netscope / `tcpdump -n` (wall)", "");
  ratio("tcpdump decode -S", (x) => ns / x, "netscope / `tcpdump -n -S` (wall)", "");
  ratio(
    "tshark dissect",
    (x) => x / ns,
    "`tshark -z io,phs` / netscope (wall)",
    " (goal: at least 20x)",
  );
  ratio(
    "tshark read",
    (x) => x / ns,
    "`tshark -q` / netscope (wall; tshark reads, no dissection)",
    "",
  );
  const su = med.get("netscope start-up")!;
  lines.push(
    `- NetScope without its start-up (${su.toFixed(2)} s): ` +
      `${packets === null ? "?" : (packets / Math.max(1e-9, ns - su) / 1e6).toFixed(2)} Mpps`,
  );
  console.log(lines.join("\n"));
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main());
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    console.error(`read_throughput: ${e.message}\n${USAGE}`);
    Deno.exit(2);
  }
}
