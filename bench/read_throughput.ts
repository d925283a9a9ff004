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

import {
  ArgReader,
  type CommonBenchArgs,
  commonBenchFlag,
  machine,
  medians,
  netscopeCommand,
  parseSummary,
  pickRunner,
  prepareCapture,
  resultTable,
  runInterleaved,
  runMain,
  type Tool,
  version,
  warmUp,
  which,
} from "./_bench_util.ts";
import type { GenOptions } from "./gen_capture.ts";

/** Parsed command line. */
interface BenchArgs extends CommonBenchArgs {
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
  const a = new ArgReader(args);
  for (let flag = a.next(); flag !== null; flag = a.next()) {
    if (!commonBenchFlag(flag, a, out, USAGE)) throw a.unknown();
  }
  return out;
}

async function main(): Promise<number> {
  const args = parseArgs(Deno.args);
  const log = (s: string) => console.error(s);

  // 1. The capture file.
  const bf = await prepareCapture(args.gen, args.file, log);
  const file = bf.path;
  let packets = bf.packets;
  const size = bf.size;

  // 2. Tools.
  const haveTcpdump = await which("tcpdump");
  const haveTshark = !args.skipTshark && await which("tshark");
  const netscope = netscopeCommand();
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
  const run = await pickRunner(log);
  if (!haveTcpdump) log("tcpdump not found: its rows are left out");
  if (!args.skipTshark && !haveTshark) log("tshark not found: its row is left out");

  // 3. Warm the page cache, and Deno's module cache (untimed).
  await warmUp(file, netscope);

  // 4. Runs, interleaved.
  const env = await machine();
  const samples = await runInterleaved(tools, args.runs, run, (t, s) => {
    if (t.role !== "netscope") return "";
    const sum = parseSummary(s.stdout);
    if (sum === null) return "  (no summary in NetScope's output)";
    let note = "";
    packets ??= sum.packets;
    if (sum.packets !== packets) note += `  (NetScope read ${sum.packets} packets)`;
    if (sum.malformed !== 0) note += `  (NetScope: ${sum.malformed} malformed)`;
    return note;
  }, log);

  // 5. Table.
  const med = medians(samples);
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
  lines.push(...resultTable(tools, samples, packets));
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

if (import.meta.main) await runMain("read_throughput", USAGE, main);
