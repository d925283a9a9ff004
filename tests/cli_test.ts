/**
 * End-to-end runs of the netscope command (main.ts in a subprocess, with the
 * permissions of `deno task capture`): output, exit codes and error lines.
 */

import assert from "node:assert/strict";
import { parse } from "csv-parse/sync";
import { CSV_COLUMNS } from "../src/export/flow_record.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const FX = ROOT + "tests/fixtures/";
const PERMS = [
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-ffi",
  "--allow-net",
  "--allow-sys",
];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function netscope(args: string[], stdin?: Uint8Array): Promise<Run> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMS, ROOT + "main.ts", ...args],
    stdin: stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", RUST_BACKTRACE: "0" },
  }).spawn();
  if (stdin) {
    const w = child.stdin.getWriter();
    await w.write(stdin);
    await w.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

function packetLines(stdout: string): string[] {
  return stdout.split("\n").filter((l) => /^\d\d:\d\d:\d\d\.\d{6} /.test(l));
}

async function tcpdumpCount(file: string, filter: string[]): Promise<number> {
  const out = await new Deno.Command("tcpdump", {
    args: ["-n", "-r", file, ...filter],
    stdout: "piped",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(out.stdout).split("\n").filter((l) => l !== "").length;
}

Deno.test("netscope -r prints every packet and a summary", async () => {
  const r = await netscope(["-r", FX + "tls.pcap"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "");
  assert.equal(packetLines(r.stdout).length, 44);
  assert.match(r.stdout, /^44 packets, 12207 bytes on the wire, 12207 captured$/m);
  assert.match(r.stdout, /^protocols: .*ipv4 \d+, ipv6 \d+, tcp 44, tls 3/m);
  assert.match(r.stdout, /TLS ClientHello, SNI www\.gstatic\.com/);
});

Deno.test("netscope -c stops after N packets; --quiet prints only the summary", async () => {
  const c = await netscope(["-r", FX + "example.pcap", "-c", "7"]);
  assert.equal(c.code, 0);
  assert.equal(packetLines(c.stdout).length, 7);
  assert.match(c.stdout, /^7 packets,/m);
  const q = await netscope(["-r", FX + "example.pcap", "--quiet"]);
  assert.equal(q.code, 0);
  assert.equal(packetLines(q.stdout).length, 0);
  assert.match(q.stdout, /^4631 packets,/m);
});

Deno.test("netscope applies a trailing BPF filter like tcpdump", async () => {
  const filter = ["udp", "port", "53"];
  const r = await netscope(["-r", FX + "example.pcap", "--quiet", ...filter]);
  assert.equal(r.code, 0, r.stderr);
  const want = await tcpdumpCount(FX + "example.pcap", filter);
  assert.ok(want > 0);
  assert.match(
    r.stdout,
    new RegExp(`^${want} packets, .*, ${4631 - want} rejected by the filter$`, "m"),
  );
  const f = await netscope(["-r", FX + "example.pcap", "-f", "udp port 53", "-c", "3"]);
  assert.equal(packetLines(f.stdout).length, 3);
  for (const l of packetLines(f.stdout)) assert.match(l, /\.53[: ]/);
});

Deno.test("netscope --json writes one object per packet and a summary object", async () => {
  const r = await netscope(["-r", FX + "DnsPackets.pcap", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const objs = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(objs.length, 465);
  assert.ok(objs.slice(0, -1).every((o) => o.type === "packet"));
  const summary = objs.at(-1);
  assert.equal(summary.type, "summary");
  assert.equal(summary.packets, 464);
  assert.equal(objs[0].number, 1);
  assert.equal(objs[0].dns.questions[0].name, "www.google.com");
  assert.equal(typeof objs[0].udp.src_port, "number");
  assert.equal(objs[1].dns.answers.length, 5);
});

Deno.test("netscope -vv adds a protocol tree and --hex-dump a hex dump", async () => {
  const r = await netscope(["-r", FX + "one_http_stream_fin.pcap", "-c", "1", "-vv", "--hex-dump"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^ {2}TCP$/m);
  assert.match(r.stdout, /^ {6}mss: 1460$/m);
  assert.match(r.stdout, /^\t0x0000: {2}/m);
});

Deno.test("netscope -r - reads standard input", async () => {
  const bytes = await Deno.readFile(FX + "one_http_stream_fin.pcap");
  const r = await netscope(["-r", "-"], bytes);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(packetLines(r.stdout).length, 15);
});

Deno.test("netscope reports a capture cut short with exit 3 after analysing what came before", async () => {
  const r = await netscope(["-r", FX + "fuzz-2021-10-13.pcap"]);
  assert.equal(r.code, 3);
  assert.equal(packetLines(r.stdout).length, 1);
  const err = r.stderr.trim().split("\n");
  assert.equal(err.length, 1, r.stderr);
  assert.match(err[0]!, /^netscope: .*packet 2 at byte offset 237/);
});

Deno.test("netscope refuses input that is not a capture with exit 2 and one line", async () => {
  for (
    const path of [ROOT + "README.md", FX + "pcap-invalid-version-1.pcap", FX + "missing.pcap"]
  ) {
    const r = await netscope(["-r", path]);
    assert.equal(r.code, 2, path);
    assert.equal(r.stdout, "");
    const err = r.stderr.trim().split("\n");
    assert.equal(err.length, 1, r.stderr);
    assert.match(err[0]!, /^netscope: Cannot (read|open) /);
  }
});

Deno.test("netscope refuses bad flags, filters and features not built yet", async () => {
  const cases: [string[], RegExp][] = [
    [
      ["-r", FX + "tls.pcap", "tcp", "prot", "80"],
      /^netscope: Cannot compile filter "tcp prot 80"/,
    ],
    [["-r", FX + "tls.pcap", "--web"], /^netscope: .*web dashboard is not available yet/],
    [["-r", FX + "tls.pcap", "--pipeline"], /sharded pipeline is not available yet/],
    [
      ["-r", FX + "tls.pcap", "--export-json", "/nonexistent/dir/x.json"],
      /^netscope: Cannot write flow export "\/nonexistent\/dir\/x\.json": no such file or directory$/,
    ],
    [["-r", FX + "tls.pcap", "--alerts-jsonl", "/tmp/x.jsonl"], /--alerts-jsonl needs --anomalies/],
    [
      ["-r", FX + "tls.pcap", "--quiet", "--no-quiet"],
      /--quiet and --no-quiet cannot be used together/,
    ],
    [["-r", FX + "tls.pcap", "-c", "abc"], /-c\/--count must be an integer, got "abc"/],
    [["--bogus"], /unknown option "--bogus"/],
    [[], /live capture is not available yet/],
  ];
  for (const [args, re] of cases) {
    const r = await netscope(args);
    assert.equal(r.code, 2, args.join(" "));
    assert.equal(r.stdout, "");
    const err = r.stderr.trim().split("\n");
    assert.equal(err.length, 1, r.stderr);
    assert.match(err[0]!, re);
  }
});

Deno.test("netscope ends quietly when its output pipe closes", async () => {
  const out = await new Deno.Command("bash", {
    args: [
      "-c",
      `"${Deno.execPath()}" run ${
        PERMS.join(" ")
      } "${ROOT}main.ts" -r "${FX}example.pcap" | head -2; echo "rc=\${PIPESTATUS[0]}"`,
    ],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", RUST_BACKTRACE: "0" },
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  assert.equal(new TextDecoder().decode(out.stderr), "");
  assert.equal(packetLines(stdout).length, 2);
  assert.match(stdout, /^rc=0$/m);
});

Deno.test("Ctrl-C while waiting for input prints the summary of what was read", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMS, ROOT + "main.ts", "-r", "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", RUST_BACKTRACE: "0" },
  }).spawn();
  const bytes = await Deno.readFile(FX + "one_http_stream_fin.pcap");
  const w = child.stdin.getWriter();
  await w.write(bytes); // all 15 packets, but stdin stays open
  const reader = child.stdout.getReader();
  let seen = "";
  while (packetLines(seen).length < 15) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += new TextDecoder().decode(value);
  }
  child.kill("SIGINT");
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += new TextDecoder().decode(value);
  }
  const status = await child.status;
  await w.close().catch(() => {});
  await child.stderr.cancel();
  assert.equal(status.code, 130);
  assert.match(seen, /^15 packets,/m);
});

Deno.test("netscope --help and --version", async () => {
  const h = await netscope(["--help"]);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /--read-pcap <PATH>/);
  const v = await netscope(["-V"]);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^netscope \d+\.\d+\.\d+\n$/);
});

Deno.test("netscope -v reports the input on stderr; -vvv adds the BPF program", async () => {
  const r = await netscope(["-r", FX + "pcapng-example.pcapng", "--quiet", "-vvv", "tcp"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^netscope: reading .*pcapng-example\.pcapng: pcapng$/m);
  assert.match(r.stderr, /^netscope: {3}interface 1: LINUX_SLL \(Linux cooked v1\)/m);
  assert.match(r.stderr, /^netscope: filter "tcp": 12 BPF instructions$/m);
  assert.match(r.stderr, /^netscope: {3}\(000\) ldh +\[12\]$/m);
  assert.match(r.stderr, /^netscope: read 159 frames, 26200 bytes in /m);
  // This file's second interface really has timestamps past year 275760.
  assert.match(r.stdout, /\.\. @18446744073204\.277451000 /);
});

Deno.test("netscope writes flow exports, expired flows and alerts, and only at the end", async () => {
  const dir = await Deno.makeTempDir();
  const r = await netscope([
    "-r",
    FX + "synscan.pcap",
    "--quiet",
    "--anomalies",
    "--flow-timeout-s",
    "5",
    "--export-json",
    `${dir}/flows.json`,
    "--export-csv",
    `${dir}/flows.csv`,
    "--expired-flows-jsonl",
    `${dir}/expired.jsonl`,
    "--alerts-jsonl",
    `${dir}/alerts.jsonl`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^ALERT .* port_scan: Port scan from 172\.16\.0\.8/m);
  const flows = JSON.parse(await Deno.readTextFile(`${dir}/flows.json`));
  const csv: string[][] = parse(await Deno.readTextFile(`${dir}/flows.csv`));
  assert.equal(csv.length, flows.length + 1);
  assert.deepEqual(csv[0], [...CSV_COLUMNS]);
  assert.ok(csv.every((row) => row.length === CSV_COLUMNS.length));
  assert.deepEqual(Object.keys(flows[0]), [...CSV_COLUMNS]);
  const expired = (await Deno.readTextFile(`${dir}/expired.jsonl`)).trimEnd().split("\n")
    .map((l) => JSON.parse(l));
  assert.ok(expired.length > 0);
  assert.ok(expired.every((f) => ["idle_timeout", "tcp_closed", "evicted"].includes(f.reason)));
  // Every flow is either live at the end (exports) or expired before it.
  assert.match(
    r.stdout,
    new RegExp(`^flows: ${flows.length + expired.length} seen, ${flows.length} live`, "m"),
  );
  const alerts = (await Deno.readTextFile(`${dir}/alerts.jsonl`)).trimEnd().split("\n")
    .map((l) => JSON.parse(l));
  assert.equal(alerts.length, 1);
  assert.equal(alerts[0].kind, "port_scan");
  assert.deepEqual(alerts[0].source, { ip: "172.16.0.8" });
  // No temporary files are left behind.
  const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  assert.deepEqual(names, ["alerts.jsonl", "expired.jsonl", "flows.csv", "flows.json"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("netscope --stats prints ticks that follow capture time", async () => {
  const a = await netscope(["-r", FX + "example.pcap", "--quiet", "--stats", "--top-flows", "2"]);
  assert.equal(a.code, 0, a.stderr);
  const ticks = a.stdout.split("\n").filter((l) => l.startsWith("[stats "));
  // One tick per 1 s interval that holds packets: example.pcap's packets fall
  // in 15 distinct whole seconds (tshark -T fields -e frame.time_epoch).
  assert.equal(ticks.length, 15);
  assert.match(ticks[0]!, /^\[stats 2013-05-02T20:20:33\.000000000Z\] /);
  const b = await netscope(["-r", FX + "example.pcap", "--quiet", "--stats", "--top-flows", "2"]);
  assert.equal(b.stdout, a.stdout, "the same file gives the same ticks");
  const j = await netscope(["-r", FX + "example.pcap", "--json", "--quiet", "--stats"]);
  const objs = j.stdout.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(objs.filter((o) => o.type === "stats").length, 15);
  assert.equal(objs.filter((o) => o.type === "stats").reduce((n, o) => n + o.packets, 0), 4631);
});

Deno.test("--stats top flows: each flow's interval bytes add up to its exported total", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = `${dir}/flows.json`;
    const r = await netscope([
      "-r",
      FX + "example.pcap",
      "--json",
      "--quiet",
      "--stats",
      "--top-flows",
      "1000",
      "--flow-timeout-s",
      "0",
      "--export-json",
      out,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const ticks = r.stdout.trim().split("\n").map((l) => JSON.parse(l))
      .filter((o) => o.type === "stats");
    const perFlow = new Map<string, number>();
    let shown = 0;
    for (const tick of ticks) {
      for (const f of tick.top_flows) {
        const k = `${f.protocol} ${f.endpoint_a} ${f.endpoint_b}`;
        perFlow.set(k, (perFlow.get(k) ?? 0) + f.bytes);
        assert.ok(f.bytes > 0, "a flow idle in an interval is not listed");
        shown++;
      }
    }
    const flows = JSON.parse(await Deno.readTextFile(out));
    const ep = (ip: string, port: number) =>
      (ip.includes(":") ? `[${ip}]` : ip) + (port > 0 ? `:${port}` : "");
    let checked = 0;
    for (const f of flows) {
      const k = `${f.protocol} ${ep(f.endpoint_a_ip, f.endpoint_a_port)} ${
        ep(f.endpoint_b_ip, f.endpoint_b_port)
      }`;
      assert.equal(perFlow.get(k), f.bytes_total, k);
      checked++;
    }
    assert.equal(checked, perFlow.size, "every listed flow is in the export");
    assert.ok(checked > 20 && shown > checked, `${checked} flows, ${shown} listings`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--quiet (packets reach the engine in batches) gives what a printing run gives", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const results = [];
    for (const quiet of [true, false]) {
      const out = `${dir}/flows-${quiet}.json`;
      const r = await netscope([
        "-r",
        FX + "synscan.pcap",
        "--json",
        ...(quiet ? ["--quiet"] : []),
        "--stats",
        "--top-flows",
        "5",
        "--anomalies",
        "-c",
        "1001", // not a whole number of batches
        "--export-json",
        out,
        "tcp",
      ]);
      assert.equal(r.code, 0, r.stderr);
      const objs = r.stdout.trim().split("\n").map((l) => JSON.parse(l));
      results.push({
        lines: objs.filter((o) => o.type !== "packet"),
        packets: objs.filter((o) => o.type === "packet").length,
        flows: JSON.parse(await Deno.readTextFile(out)),
      });
    }
    const [quiet, printing] = results;
    assert.equal(quiet!.packets, 0);
    assert.equal(printing!.packets, 1001);
    assert.deepEqual(quiet!.lines, printing!.lines);
    assert.deepEqual(quiet!.flows, printing!.flows);
    const total = quiet!.flows.reduce(
      (n: number, f: { packets_total: number }) => n + f.packets_total,
      0,
    );
    assert.equal(total, 1001, "every packet up to the count is in a flow");
    assert.ok(quiet!.lines.some((o: { type: string }) => o.type === "alert"), "an alert");
    assert.ok(quiet!.lines.filter((o: { type: string }) => o.type === "stats").length >= 3);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Ctrl-C still writes the flow export", async () => {
  const dir = await Deno.makeTempDir();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMS, ROOT + "main.ts", "-r", "-", "--export-json", `${dir}/f.json`],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", RUST_BACKTRACE: "0" },
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(await Deno.readFile(FX + "one_http_stream_fin.pcap"));
  const reader = child.stdout.getReader();
  let seen = "";
  while (packetLines(seen).length < 15) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += new TextDecoder().decode(value);
  }
  child.kill("SIGINT");
  while (!(await reader.read()).done) { /* drain */ }
  const status = await child.status;
  await w.close().catch(() => {});
  await child.stderr.cancel();
  assert.equal(status.code, 130);
  const flows = JSON.parse(await Deno.readTextFile(`${dir}/f.json`));
  assert.equal(flows.length, 1);
  assert.equal(flows[0].packets_total, 15);
  await Deno.remove(dir, { recursive: true });
});
