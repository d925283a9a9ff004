/**
 * Whole-process flow analysis throughput: NetScope's full analysis (decode,
 * flow table, TCP analysis, anomaly detection, stats with top flows) against
 * tshark's conversation tables on one generated capture file of 5,000,000
 * packets and about 1,000,000 flows, in one run, printed as a markdown
 * table with ratios, NetScope's peak RSS, and the flow counts each tool
 * reports. Every tool reads the same file from a warm page cache; the whole
 * process is timed (start-up, reading, analysis, report, exit).
 *
 * Rows:
 * - `cat F` — the I/O floor (page cache → /dev/null);
 * - `tcpdump -r F -w /dev/null` — libpcap's raw read floor: copies every
 *   record, decodes nothing;
 * - `netscope -r F --quiet` — decoding only, no flow table (what the rows
 *   below add to it is the cost of the analysis);
 * - `netscope -r F --quiet --stats --top-flows 10 --anomalies` — the full
 *   analysis with the default settings (flow.max_flows 100,000, so most of
 *   the file's flows are evicted or expire on the way; idle timeout 60 s);
 *   the row the goals are measured on;
 * - the same with `--config scale.toml` — scale mode: `[analysis] rtt`,
 *   `retrans` and `out_of_order` off (no TCP analyzer, compact layout);
 * - the same with `--max-flows 0 --flow-timeout-s 0` — nothing evicted or
 *   expired, so every flow of the file is in the table at the end: its
 *   peak RSS is the memory for about 1M flows, and its `flows: N seen`
 *   counts distinct flow keys, comparable with tshark's conversations;
 * - scale mode with `--max-flows 0 --flow-timeout-s 0` — the same for
 *   scale mode; the two "all flows" rows give the RSS growth per flow held
 *   (their peak RSS less the decode-only row's, over the live flows);
 * - the full row with `--export-csv` — the flow table written as CSV at
 *   exit (`--skip-exports` leaves it out);
 * - `netscope -r F -c 1 --quiet --stats ... --anomalies` — the full
 *   configuration's fixed start-up cost;
 * - `tshark -n -q -r F -z conv,tcp -z conv,udp` — tshark's TCP and UDP
 *   conversation tables: the reference of the "50x faster" goal; its run
 *   count can be capped with `--tshark-runs` (it takes 1–2 minutes);
 * - `argus -r F -w out.argus; ra -r out.argus` — argus's bidirectional flow
 *   records with state, RTT and loss, printed by ra (one `sh -c`, both
 *   processes timed; peak RSS is the larger of the two), when both are
 *   installed (Debian `argus-server`, `argus-client`); same run cap.
 *
 * Measurement as in `read_throughput.ts` (see `_bench_util.ts`): runs
 * interleaved, median wall time around the child, CPU time and peak RSS
 * from GNU time. Nothing here asserts a timing.
 *
 * Usage: `deno run -A bench/flow_throughput.ts [--packets N] [--flows F]
 * [--seed S] [--runs R] [--tshark-runs R] [--skip-tshark] [--skip-argus]
 * [--skip-exports] [--file PATH]`
 *
 * The generated file is kept under bench/.data/ (gitignored) and reused by
 * later runs with the same parameters (5M packets: about 730 MB, 30 s to
 * generate, 1 GB of memory while generating).
 *
 * @module
 */

import {
  ArgReader,
  type CommonBenchArgs,
  commonBenchFlag,
  fmt,
  machine,
  medians,
  netscopeCommand,
  parseSummary,
  pickRunner,
  prepareCapture,
  resultTable,
  runInterleaved,
  runMain,
  type Sample,
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
  /** Runs of the slow peers (tshark, argus), at most `runs`. */
  peerRuns: number | null;
  skipTshark: boolean;
  skipArgus: boolean;
  skipExports: boolean;
  file: string | null;
}

const USAGE = "usage: flow_throughput.ts [--packets N] [--flows F] [--seed S] [--runs R] " +
  "[--tshark-runs R] [--skip-tshark] [--skip-argus] [--skip-exports] [--file PATH]";

function parseArgs(args: readonly string[]): BenchArgs {
  const out: BenchArgs = {
    gen: { packets: 5_000_000, flows: 1_000_000, seed: 1 },
    runs: 3,
    peerRuns: null,
    skipTshark: false,
    skipArgus: false,
    skipExports: false,
    file: null,
  };
  const a = new ArgReader(args);
  for (let flag = a.next(); flag !== null; flag = a.next()) {
    switch (flag) {
      case "--tshark-runs":
        out.peerRuns = a.positiveInt();
        break;
      case "--skip-argus":
        out.skipArgus = true;
        break;
      case "--skip-exports":
        out.skipExports = true;
        break;
      default:
        if (!commonBenchFlag(flag, a, out, USAGE)) throw a.unknown();
    }
  }
  return out;
}

/** NetScope's full analysis: the flags of the benchmark. */
const FULL = ["--quiet", "--stats", "--top-flows", "10", "--anomalies"];

/** Nothing evicted or expired: every flow of the file stays in the table. */
const ALL_FLOWS = ["--max-flows", "0", "--flow-timeout-s", "0"];

/** Scale mode: every per-connection TCP analysis off (docs/configuration.md). */
const SCALE_TOML = `[analysis]
rtt = false
retrans = false
out_of_order = false
`;

/** Conversations per table in tshark's `-z conv,tcp -z conv,udp` output. */
export interface TsharkConversations {
  tcp: number;
  udp: number;
}

/**
 * Counts the rows of the "TCP Conversations" and "UDP Conversations"
 * tables tshark prints for `-z conv,tcp -z conv,udp` (each row has `<->`
 * between its endpoints).
 */
export function countConversations(stdout: string): TsharkConversations {
  const out: TsharkConversations = { tcp: 0, udp: 0 };
  let table: keyof TsharkConversations | null = null;
  let pos = 0;
  while (pos < stdout.length) {
    let end = stdout.indexOf("\n", pos);
    if (end < 0) end = stdout.length;
    const line = stdout.slice(pos, end);
    pos = end + 1;
    if (line.startsWith("TCP Conversations")) table = "tcp";
    else if (line.startsWith("UDP Conversations")) table = "udp";
    else if (line.startsWith("=")) table = null;
    else if (table !== null && line.includes("<->")) out[table]++;
  }
  return out;
}

/**
 * Flow records in `ra -r FILE` output: every line after the header except
 * argus's own management records (`man`).
 */
export function countArgusRecords(stdout: string): number {
  let n = 0;
  const lines = stdout.split("\n");
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.trim() !== "" && !/\sman\s/.test(l)) n++;
  }
  return n;
}

async function main(): Promise<number> {
  const args = parseArgs(Deno.args);
  const log = (s: string) => console.error(s);

  // 1. The capture file.
  const bf = await prepareCapture(args.gen, args.file, log);
  const file = bf.path;
  let packets = bf.packets;

  // 2. Tools.
  const tmp = await Deno.makeTempDir({ prefix: "netscope-flow-bench-" });
  try {
    const scaleToml = `${tmp}/scale.toml`;
    await Deno.writeTextFile(scaleToml, SCALE_TOML);
    const csv = `${tmp}/flows.csv`;
    const argusOut = `${tmp}/out.argus`;
    const haveTcpdump = await which("tcpdump");
    const haveTshark = !args.skipTshark && await which("tshark");
    const haveArgus = !args.skipArgus && await which("argus") && await which("ra");
    const peerRuns = args.peerRuns ?? args.runs;
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
        role: "floor",
      });
    }
    tools.push(
      {
        name: "netscope decode",
        shown: "`netscope -r F --quiet`",
        cmd: [...netscope, "-r", file, "--quiet"],
        captureStdout: true,
        role: "netscope",
      },
      {
        name: "netscope full",
        shown: "`netscope -r F --quiet --stats --top-flows 10 --anomalies`",
        cmd: [...netscope, "-r", file, ...FULL],
        captureStdout: true,
        role: "netscope",
      },
      {
        name: "netscope scale",
        shown: "full + `--config scale.toml` (rtt, retrans, out_of_order off)",
        cmd: [...netscope, "-r", file, ...FULL, "--config", scaleToml],
        captureStdout: true,
        role: "netscope",
      },
      {
        name: "netscope all flows",
        shown: "full + `--max-flows 0 --flow-timeout-s 0`",
        cmd: [...netscope, "-r", file, ...FULL, ...ALL_FLOWS],
        captureStdout: true,
        role: "netscope",
      },
      {
        name: "netscope scale all flows",
        shown: "scale + `--max-flows 0 --flow-timeout-s 0`",
        cmd: [
          ...netscope,
          "-r",
          file,
          ...FULL,
          "--config",
          scaleToml,
          ...ALL_FLOWS,
        ],
        captureStdout: true,
        role: "netscope",
      },
    );
    if (!args.skipExports) {
      tools.push({
        name: "netscope csv",
        shown: "full + `--export-csv flows.csv`",
        cmd: [...netscope, "-r", file, ...FULL, "--export-csv", csv],
        captureStdout: true,
        role: "netscope",
        before: () => rmIfThere(csv),
      });
    }
    tools.push({
      name: "netscope start-up",
      shown: "full + `-c 1`",
      cmd: [...netscope, "-r", file, "-c", "1", ...FULL],
      captureStdout: true,
      role: "startup",
    });
    if (haveTshark) {
      tools.push({
        name: "tshark conv",
        shown: "`tshark -n -q -r F -z conv,tcp -z conv,udp`",
        cmd: ["tshark", "-n", "-q", "-r", file, "-z", "conv,tcp", "-z", "conv,udp"],
        captureStdout: true,
        role: "peer",
        maxRuns: peerRuns,
      });
    }
    if (haveArgus) {
      tools.push({
        name: "argus + ra",
        shown: "`argus -r F -w out.argus; ra -r out.argus`",
        cmd: ["sh", "-c", 'argus -r "$1" -w "$2" && ra -r "$2"', "sh", file, argusOut],
        captureStdout: true,
        role: "peer",
        maxRuns: peerRuns,
        before: () => rmIfThere(argusOut),
      });
    }
    const run = await pickRunner(log);
    if (!haveTcpdump) log("tcpdump not found: its row is left out");
    if (!args.skipTshark && !haveTshark) log("tshark not found: its row is left out");
    if (!args.skipArgus && !haveArgus) {
      log("argus or ra not found (Debian argus-server, argus-client): their row is left out");
    }

    // 3. Warm the page cache, and Deno's module cache (untimed).
    await warmUp(file, netscope);

    // 4. Runs, interleaved.
    const env = await machine();
    const flowNotes = new Map<string, string>();
    const flowsLive = new Map<string, number>();
    const samples = await runInterleaved(tools, args.runs, run, (t, s) => {
      if (s.code !== 0) return "";
      if (t.name === "tshark conv") {
        const c = countConversations(s.stdout);
        flowNotes.set(t.name, `${c.tcp + c.udp} conversations (${c.tcp} TCP, ${c.udp} UDP)`);
        s.stdout = "";
        return `  (${c.tcp + c.udp} conversations)`;
      }
      if (t.name === "argus + ra") {
        const n = countArgusRecords(s.stdout);
        flowNotes.set(t.name, `${n} flow records printed by ra`);
        s.stdout = "";
        return `  (${n} records)`;
      }
      if (t.role !== "netscope") return "";
      const sum = parseSummary(s.stdout);
      if (sum === null) return "  (no summary in NetScope's output)";
      let note = "";
      packets ??= sum.packets;
      if (sum.packets !== packets) note += `  (NetScope read ${sum.packets} packets)`;
      if (sum.malformed !== 0) note += `  (NetScope: ${sum.malformed} malformed)`;
      if (sum.flowsLive !== null) flowsLive.set(t.name, sum.flowsLive);
      if (sum.flowsSeen !== null) {
        flowNotes.set(
          t.name,
          `${sum.flowsSeen} seen, ${sum.flowsLive} live at the end, ${sum.flowsExpired} ` +
            `expired, ${sum.flowsEvicted} evicted; ${sum.alerts ?? "?"} alerts`,
        );
        note += `  (flows: ${sum.flowsSeen} seen, ${sum.alerts ?? "?"} alerts)`;
      }
      return note;
    }, log);

    // 5. Table.
    const med = medians(samples);
    const lines: string[] = [];
    lines.push(`file: ${file}`);
    lines.push(
      `${packets ?? "?"} packets, ${(bf.size / 1e6).toFixed(1)} MB` +
        (bf.flows === null ? "" : `, ${bf.flows} generated sessions`) +
        `; median of ${args.runs} runs` +
        (haveTshark || haveArgus ? ` (tshark and argus: ${Math.min(peerRuns, args.runs)})` : "") +
        "; " +
        new Date().toISOString().slice(0, 10),
    );
    lines.push(`machine: ${env}`);
    lines.push(
      `versions: ${Deno.version.deno} (deno); ${await version(["tcpdump", "--version"])}; ` +
        (haveTshark ? await version(["tshark", "--version"]) : "tshark skipped") +
        (haveArgus ? `; ${await version(["argus", "-h"])}` : "; argus skipped"),
    );
    lines.push("");
    lines.push(...resultTable(tools, samples, packets, true));
    lines.push("");
    const full = med.get("netscope full")!;
    const startup = med.get("netscope start-up")!;
    const rssOf = (name: string): number | null => peakRss(samples.get(name));
    const tshark = med.get("tshark conv");
    if (tshark !== undefined) {
      lines.push(
        `- \`tshark -z conv\` / netscope full (wall): **${(tshark / full).toFixed(1)}x** ` +
          `(goal: at least 50x); / netscope scale: ${
            (tshark / med.get("netscope scale")!).toFixed(1)
          }x`,
      );
    }
    if (packets !== null) {
      lines.push(
        `- netscope full: **${(packets / full / 1e6).toFixed(2)} Mpps** end to end (goal: at ` +
          `least 5); without its start-up (${startup.toFixed(2)} s): ` +
          `${(packets / Math.max(1e-9, full - startup) / 1e6).toFixed(2)} Mpps; decode only: ` +
          `${(packets / med.get("netscope decode")! / 1e6).toFixed(2)} Mpps`,
      );
    }
    lines.push(
      `- netscope peak RSS: full ${fmt(rssOf("netscope full"), 0)} MB, scale ` +
        `${fmt(rssOf("netscope scale"), 0)} MB, all flows held ` +
        `${fmt(rssOf("netscope all flows"), 0)} MB, decode only ` +
        `${fmt(rssOf("netscope decode"), 0)} MB`,
    );
    // RSS growth per flow held: the all-flows rows over the decode-only row.
    const decodeRss = rssOf("netscope decode");
    const perFlow = (name: string): string => {
      const rss = rssOf(name);
      const live = flowsLive.get(name);
      if (rss === null || decodeRss === null || live === undefined || live === 0) return "n/a";
      return `${((rss - decodeRss) * 1048576 / live).toFixed(0)} B/flow (${live} flows)`;
    };
    lines.push(
      `- RSS growth per flow held ((peak RSS − decode-only peak RSS) / live flows): full ` +
        `${perFlow("netscope all flows")} (goal: at most 250), scale ` +
        `${perFlow("netscope scale all flows")} (goal: at most 120)`,
    );
    // The same over the default-limits row instead: what one more flow held
    // costs, without the fixed costs both rows share (the anomaly detector's
    // bounded tables, read buffers, compiled code).
    const marginal = (all: string, limited: string): string => {
      const a = rssOf(all), b = rssOf(limited);
      const la = flowsLive.get(all), lb = flowsLive.get(limited);
      if (a === null || b === null || la === undefined || lb === undefined || la <= lb) {
        return "n/a";
      }
      return `${((a - b) * 1048576 / (la - lb)).toFixed(0)} B/flow`;
    };
    lines.push(
      `- RSS per additional flow held ((peak RSS all flows − default limits) / (live flows ` +
        `all − default)): full ${marginal("netscope all flows", "netscope full")}, scale ` +
        `${marginal("netscope scale all flows", "netscope scale")}`,
    );
    const tcpdump = med.get("tcpdump raw");
    if (tcpdump !== undefined) {
      lines.push(
        `- netscope full / \`tcpdump -w /dev/null\` (wall): ${(full / tcpdump).toFixed(1)}x`,
      );
    }
    const argus = med.get("argus + ra");
    if (argus !== undefined) {
      lines.push(`- argus + ra / netscope full (wall): ${(argus / full).toFixed(1)}x`);
    }
    lines.push("");
    lines.push("Flows reported (last run of each):");
    lines.push("");
    if (bf.flows !== null) lines.push(`- generator: ${bf.flows} sessions started`);
    for (const t of tools) {
      const n = flowNotes.get(t.name);
      if (n !== undefined) lines.push(`- ${t.name}: ${n}`);
    }
    console.log(lines.join("\n"));
    return 0;
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

function peakRss(ss: Sample[] | undefined): number | null {
  if (ss === undefined || ss.length === 0 || ss.some((s) => s.rssMB === null)) return null;
  return Math.max(...ss.map((s) => s.rssMB!));
}

async function rmIfThere(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}

if (import.meta.main) await runMain("flow_throughput", USAGE, main);
