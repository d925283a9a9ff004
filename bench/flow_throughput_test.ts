/**
 * The report parsers of the flow benchmark: tshark's conversation tables
 * counted on real fixture output against tshark's own stream numbering,
 * NetScope's summary parsed from a real run against tshark's frame count,
 * argus records and the argument reader on hand-built input.
 */

import assert from "node:assert/strict";
import { fixture } from "../tests/_fixtures.ts";
import { tshark, tsharkFields } from "../tests/_tshark.ts";
import { ArgReader, netscopeCommand, parseSummary } from "./_bench_util.ts";
import { countArgusRecords, countConversations } from "./flow_throughput.ts";

const dec = new TextDecoder();

async function run(cmd: string[]): Promise<string> {
  const out = await new Deno.Command(cmd[0]!, {
    args: cmd.slice(1),
    stdout: "piped",
    stderr: "piped",
    env: { TZ: "UTC" },
  }).output();
  assert.equal(out.code, 0, dec.decode(out.stderr));
  return dec.decode(out.stdout);
}

/** Distinct tcp.stream and udp.stream numbers tshark gives the file's packets. */
async function tsharkStreams(path: string): Promise<{ tcp: number; udp: number }> {
  const out = await tsharkFields(path, ["tcp.stream", "udp.stream"], {
    extraArgs: ["-n"],
    check: true,
  });
  const tcp = new Set<string>(), udp = new Set<string>();
  for (const [t, u] of out.rows.map((row) => row.map((occ) => occ.join(",")))) {
    if (t !== "") tcp.add(t!);
    if (u !== "") udp.add(u!);
  }
  return { tcp: tcp.size, udp: udp.size };
}

for (const name of ["chrome-34-google.pcap", "DnsPackets.pcap", "synscan.pcap", "tls.pcap"]) {
  Deno.test(`countConversations: ${name} has one row per tshark stream`, async () => {
    const path = fixture(name);
    const conv = (await tshark(["-n", "-q", "-r", path, "-z", "conv,tcp", "-z", "conv,udp"], {
      check: true,
    })).stdout;
    const got = countConversations(conv);
    assert.deepEqual(got, await tsharkStreams(path));
    assert.ok(got.tcp + got.udp > 0);
  });
}

Deno.test("countConversations: rows outside the two tables are not counted", () => {
  const text = [
    "================================================================================",
    "IPv4 Conversations",
    "10.0.0.1 <-> 10.0.0.2 1 60 bytes",
    "================================================================================",
    "UDP Conversations",
    "Filter:<No Filter>",
    "10.77.2.125:55436          <-> 8.8.8.8:53        6 768 bytes",
    "================================================================================",
    "TCP Conversations",
    "10.177.0.241:55484         <-> 206.113.152.59:443  33 3687 bytes",
    "10.177.0.242:55484         <-> 206.113.152.59:443  33 3687 bytes",
    "================================================================================",
  ].join("\n");
  assert.deepEqual(countConversations(text), { tcp: 2, udp: 1 });
  assert.deepEqual(countConversations(""), { tcp: 0, udp: 0 });
});

Deno.test("parseSummary: NetScope's summary of a fixture, with and without flows", async () => {
  const path = fixture("chrome-34-google.pcap");
  const frames = (await tsharkFields(path, ["frame.number"], { check: true })).rows.length;
  const ns = netscopeCommand();
  const plain = parseSummary(await run([...ns, "-r", path, "--quiet"]));
  assert.notEqual(plain, null);
  assert.equal(plain!.packets, frames);
  assert.equal(plain!.malformed, 0);
  assert.equal(plain!.flowsSeen, null);

  const full = parseSummary(
    await run([...ns, "-r", path, "--quiet", "--stats", "--anomalies", "--flow-timeout-s", "0"]),
  );
  assert.notEqual(full, null);
  assert.equal(full!.packets, frames);
  const streams = await tsharkStreams(path);
  // No timeout, no eviction, only TCP and UDP in this file: one flow per tshark stream.
  assert.equal(full!.flowsSeen, streams.tcp + streams.udp);
  assert.equal(full!.flowsLive, full!.flowsSeen);
  assert.equal(full!.flowsExpired, 0);
  assert.equal(full!.flowsEvicted, 0);
  assert.equal(full!.alerts, 0);
  assert.equal(parseSummary("no summary here"), null);
});

Deno.test("countArgusRecords: management records and the header are left out", () => {
  const ra = [
    "         StartTime      Flgs  Proto            SrcAddr  Sport   Dir            DstAddr  Dport",
    "   04:42:03.481041              man                  0      0                        0      0",
    "   22:13:20.000012  e           udp         10.94.3.36.51648    <->        10.255.0.53.domain",
    "   22:13:20.000030  e           tcp         10.1.2.3.40000      ->         192.0.2.1.http",
    "",
  ].join("\n");
  assert.equal(countArgusRecords(ra), 2);
  assert.equal(countArgusRecords(""), 0);
});

Deno.test("ArgReader: --flag value, --flag=value, errors", () => {
  const a = new ArgReader(["--runs", "3", "--packets=5_000_000", "--skip", "--file", "x", "-z"]);
  assert.equal(a.next(), "--runs");
  assert.equal(a.positiveInt(), 3);
  assert.equal(a.next(), "--packets");
  assert.equal(a.positiveInt(), 5_000_000);
  assert.equal(a.next(), "--skip");
  assert.equal(a.next(), "--file");
  assert.equal(a.value(), "x");
  assert.equal(a.next(), "-z");
  assert.throws(() => {
    throw a.unknown();
  }, /Cannot parse arguments: unknown argument -z/);
  assert.equal(a.next(), null);

  const b = new ArgReader(["--runs", "0", "--seed"]);
  b.next();
  assert.throws(() => b.positiveInt(), /Cannot parse --runs: expected a positive integer, got 0/);
  b.next();
  assert.throws(() => b.value(), /Cannot parse --seed: missing value/);
  const c = new ArgReader(["--runs=2.5"]);
  c.next();
  assert.throws(() => c.positiveInt(), /expected a positive integer, got 2.5/);
});
