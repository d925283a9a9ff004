/**
 * The benchmark capture generator: a generated 2,000-packet file is read by
 * tshark (default preferences, so with TCP reassembly and HTTP/TLS/DNS
 * dissection, plus checksum validation) without malformed packets, errors
 * or bad checksums, tshark sees the sessions the generator says it wrote,
 * and NetScope's decoder agrees with tshark on it.
 */

import assert from "node:assert/strict";
import { PacketCounters } from "../src/analysis/packet_counters.ts";
import { CaptureFileReader, NEXT_FRAME } from "../src/capture/capture_file_reader.ts";
import { Frame } from "../src/capture/frame.ts";
import { decodeFrame } from "../src/protocol/decode.ts";
import { L_DNS, L_IPV6, L_TLS, L_VLAN, PacketRecord } from "../src/protocol/packet.ts";
import { tlsAlpn, tlsSni } from "../src/protocol/tls.ts";
import { captureFileName, generateCapture, type GenStats } from "./gen_capture.ts";
import { tsharkFields } from "../tests/_tshark.ts";

const ROOT = new URL("../", import.meta.url).pathname;
/** The permissions of `deno task capture`. */
const PERMS = [
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-ffi",
  "--allow-net",
  "--allow-sys",
];
const OPTS = { packets: 2000, seed: 1 };
/** tshark's expert severity for errors (epan/proto.h PI_ERROR). */
const PI_ERROR = 0x00800000;

const FIELDS = [
  "frame.number",
  "_ws.malformed",
  "_ws.expert.severity",
  "ip.checksum.status",
  "tcp.checksum.status",
  "udp.checksum.status",
  "vlan.id",
  "ipv6.src",
  "dns.id",
  "tls.handshake.type",
  "tls.handshake.extensions_server_name",
  "tls.handshake.extensions_alpn_str",
  "http.request.method",
  "http.response.code",
] as const;

type Row = Record<typeof FIELDS[number], string>;

async function tsharkRows(path: string): Promise<Row[]> {
  const out = await tsharkFields(path, FIELDS, {
    extraArgs: ["-n"],
    prefs: {
      "ip.check_checksum": "TRUE",
      "tcp.check_checksum": "TRUE",
      "udp.check_checksum": "TRUE",
    },
  });
  const stderr = out.stderr.replace(/^Running as user .*\n/m, "");
  assert.equal(out.code, 0, stderr);
  assert.equal(stderr, "");
  return out.rows.map((cols) => {
    const row = {} as Row;
    // tshark's default text: a field's occurrences joined by ",".
    FIELDS.forEach((f, i) => (row[f] = cols[i]!.join(",")));
    return row;
  });
}

// One generated file shared by the tests below.
const gen = generateCapture(OPTS);
const stats: GenStats = gen.stats;
const dir = Deno.makeTempDirSync({ prefix: "netscope-gen-" });
const path = `${dir}/${captureFileName(OPTS)}`;
Deno.writeFileSync(path, gen.bytes);
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
const rows = await tsharkRows(path);

Deno.test("generateCapture() is deterministic in its options", () => {
  const again = generateCapture(OPTS);
  assert.deepEqual(again.bytes, gen.bytes);
  const other = generateCapture({ ...OPTS, seed: 2 });
  assert.equal(other.stats.packets, 2000);
  assert.notDeepEqual(other.bytes, gen.bytes);
});

Deno.test("generateCapture() writes the exact packet count, timestamps strictly increasing", () => {
  assert.equal(stats.packets, 2000);
  assert.equal(stats.bytes, gen.bytes.length);
  const reader = CaptureFileReader.fromBytes(gen.bytes);
  const frame = new Frame();
  let n = 0, prev = -1;
  while (reader.next(frame) === NEXT_FRAME) {
    const t = frame.tsSec * 1e9 + frame.tsNsec;
    assert.ok(t > prev, `frame ${n + 1} is not later than the one before`);
    assert.ok(frame.tsNsec % 1000 === 0, "microsecond timestamps");
    prev = t;
    n++;
  }
  assert.equal(reader.error, null);
  assert.equal(n, 2000);
  assert.equal(reader.linkType, 1);
});

Deno.test("generated capture: tshark reads every frame, no malformed packet, no bad checksum", () => {
  assert.equal(rows.length, 2000);
  const problems: string[] = [];
  for (const r of rows) {
    const sev = r["_ws.expert.severity"].split(",").filter((s) => s !== "").map(Number);
    if (r["_ws.malformed"] !== "") problems.push(`frame ${r["frame.number"]}: malformed`);
    if (sev.some((s) => s >= PI_ERROR)) problems.push(`frame ${r["frame.number"]}: expert error`);
    for (const f of ["ip.checksum.status", "tcp.checksum.status", "udp.checksum.status"] as const) {
      // 0 = bad, 1 = good (2 = unverified would mean the preference was ignored).
      if (r[f] !== "" && r[f] !== "1") problems.push(`frame ${r["frame.number"]}: ${f} ${r[f]}`);
    }
  }
  assert.deepEqual(problems, []);
  // Every checksum was verified as good, not just "not bad".
  assert.ok(
    rows.every((r) => r["tcp.checksum.status"] === "1" || r["udp.checksum.status"] === "1"),
  );
});

Deno.test("generated capture: tshark sees the sessions the generator reports", () => {
  const count = (pred: (r: Row) => boolean) => rows.filter(pred).length;
  assert.equal(count((r) => r["vlan.id"] !== ""), stats.vlanPackets);
  assert.equal(count((r) => r["ipv6.src"] !== ""), stats.ipv6Packets);
  assert.equal(count((r) => r["dns.id"] !== ""), stats.dnsPackets);
  assert.equal(count((r) => r["tls.handshake.type"].split(",").includes("1")), stats.clientHellos);
  assert.equal(count((r) => r["http.request.method"] === "GET"), stats.httpRequests);
  // Both TLS sides and HTTP responses are there (reassembled by tshark).
  assert.ok(count((r) => r["tls.handshake.type"].split(",").includes("2")) > 0);
  assert.ok(count((r) => r["http.response.code"] === "200") > 0);
  assert.ok(stats.dnsPackets > 100 && stats.clientHellos > 10 && stats.httpRequests > 10);
  assert.ok(stats.vlanPackets > 0 && stats.ipv6Packets > 0 && stats.retransmissions > 0);
});

Deno.test("generated capture: NetScope's decoder agrees with tshark, nothing malformed", () => {
  const reader = CaptureFileReader.fromBytes(gen.bytes);
  const frame = new Frame();
  const rec = new PacketRecord();
  const counters = new PacketCounters();
  const mismatches: string[] = [];
  let i = 0;
  while (reader.next(frame) === NEXT_FRAME) {
    decodeFrame(frame, rec);
    counters.observe(rec);
    const r = rows[i++]!;
    const sni = rec.app === L_TLS ? tlsSni(rec.buf, rec.tls) : "";
    const alpn = rec.app === L_TLS ? tlsAlpn(rec.buf, rec.tls).join(",") : "";
    if (sni !== r["tls.handshake.extensions_server_name"]) {
      mismatches.push(
        `frame ${i} SNI: tshark ${r["tls.handshake.extensions_server_name"]}, ${sni}`,
      );
    }
    if (alpn !== r["tls.handshake.extensions_alpn_str"]) {
      mismatches.push(`frame ${i} ALPN: tshark ${r["tls.handshake.extensions_alpn_str"]}, ${alpn}`);
    }
  }
  assert.deepEqual(mismatches, []);
  assert.equal(counters.packets, rows.length);
  assert.equal(counters.malformed, 0);
  assert.equal(counters.truncated, 0);
  assert.equal(counters.unsupported, 0);
  assert.equal(counters.badIpv4Checksums, 0);
  assert.equal(counters.perLayer[L_DNS], stats.dnsPackets);
  assert.equal(counters.perLayer[L_TLS], stats.clientHellos);
  assert.equal(counters.perLayer[L_VLAN], stats.vlanPackets);
  assert.equal(counters.perLayer[L_IPV6], stats.ipv6Packets);
});

Deno.test("netscope -r on a generated capture reports every packet and 0 malformed", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMS, ROOT + "main.ts", "-r", path, "--quiet", "--json"],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  const summary = JSON.parse(new TextDecoder().decode(out.stdout).trim());
  assert.equal(summary.type, "summary");
  assert.equal(summary.packets, rows.length);
  assert.equal(summary.malformed, 0);
  assert.equal(summary.truncated, 0);
  assert.equal(summary.protocols.dns, stats.dnsPackets);
  assert.equal(summary.protocols.tls, stats.clientHellos);
});
