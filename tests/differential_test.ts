/**
 * Differential test: NetScope's `decodeFrame()` against tshark, the
 * reference decoder, on every capture in tests/fixtures. For each frame the
 * fields both decode (frame length, VLAN ids, IP addresses and protocol,
 * ports, TCP flags and raw sequence numbers, ICMP types, DNS query names,
 * TLS SNI) must print identically. Differences that are right for a reason
 * are listed, with that reason, in tests/differential_exceptions.ts; an
 * exception that matches nothing fails the test.
 *
 * @module
 */

import assert from "node:assert/strict";
import { ARP_FIXED_LEN } from "../src/protocol/arp.ts";
import { decodeFrame } from "../src/protocol/decode.ts";
import { DNS_MAX_QUESTIONS, dnsNameAt } from "../src/protocol/dns.ts";
import { tlsSni } from "../src/protocol/tls.ts";
import {
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  L_DNS,
  L_TLS,
  NET_ARP,
  NET_IPV4,
  NET_IPV6,
  PacketRecord,
} from "../src/protocol/packet.ts";
import {
  CaptureFileReader,
  NEXT_FRAME,
  NEXT_NEED_DATA,
} from "../src/capture/capture_file_reader.ts";
import { Frame } from "../src/capture/frame.ts";
import {
  formatIpv4,
  formatIpv6,
  haveTshark,
  runTshark,
  type TsharkFrame,
  tsharkIpv6Transport,
  tsharkVlanIds,
} from "./_tshark.ts";
import {
  type CompareField,
  DIFFERENTIAL_EXCEPTIONS,
  type DifferentialException,
} from "./differential_exceptions.ts";

const FIXTURES = new URL("./fixtures/", import.meta.url);

/** Fixtures tshark cannot read at all, with the reason. */
const TSHARK_REFUSES: Record<string, string> = {
  "pcap-invalid-version-1.pcap":
    "tshark refuses the file (pcap version 1.4: 'contains record data that TShark doesn't support')",
};

/** Fields compared in the layer 2-4 step. */
const CORE_FIELDS: readonly CompareField[] = [
  "frame.len",
  "frame.cap_len",
  "vlan.id",
  "mpls.label",
  "mpls.count",
  "arp.opcode",
  "ip.src",
  "ip.dst",
  "ip.proto",
  "ip.len",
  "ip.ttl",
  "ip.id",
  "ip.flags",
  "ip.frag_offset",
  "ip.checksum.status",
  "ipv6.src",
  "ipv6.dst",
  "ipv6.plen",
  "ipv6.hlim",
  "ipv6.flow",
  "ipv6.transport",
  "tcp.srcport",
  "tcp.dstport",
  "tcp.flags",
  "tcp.seq_raw",
  "tcp.ack_raw",
  "tcp.len",
  "tcp.hdr_len",
  "tcp.window_size_value",
  "tcp.options.mss_val",
  "tcp.options.wscale.shift",
  "tcp.options.sack_perm",
  "tcp.options.sack_le",
  "tcp.options.sack_re",
  "tcp.options.timestamp.tsval",
  "tcp.options.timestamp.tsecr",
  "udp.srcport",
  "udp.dstport",
  "udp.length",
  "icmp.type",
  "icmp.code",
  "icmpv6.type",
  "icmpv6.code",
];

type Values = Record<CompareField, string[]>;

function emptyValues(): Values {
  const v = {} as Values;
  for (const f of CORE_FIELDS) v[f] = [];
  v["dns.qry.name"] = [];
  v["tls.sni"] = [];
  return v;
}

/** tshark prints some integer fields in hex ("0x0012"); compare decimal. */
function hexToDec(list: string[]): string[] {
  return list.map((x) => String(parseInt(x, 16)));
}

/** What tshark printed, normalised to the compared fields. */
function tsharkValues(fr: TsharkFrame): Values {
  const v = emptyValues();
  v["frame.len"] = fr["frame.len"];
  v["frame.cap_len"] = fr["frame.cap_len"];
  v["vlan.id"] = tsharkVlanIds(fr);
  // NetScope keeps the outermost label and the stack depth.
  v["mpls.label"] = fr["mpls.label"].slice(0, 1);
  v["mpls.count"] = fr["mpls.label"].length > 0 ? [String(fr["mpls.label"].length)] : [];
  v["arp.opcode"] = fr["arp.opcode"];
  v["ip.src"] = fr["ip.src"];
  v["ip.dst"] = fr["ip.dst"];
  v["ip.proto"] = fr["ip.proto"];
  v["ip.len"] = fr["ip.len"];
  v["ip.ttl"] = fr["ip.ttl"];
  v["ip.id"] = hexToDec(fr["ip.id"]);
  v["ip.flags"] = hexToDec(fr["ip.flags"]);
  v["ip.frag_offset"] = fr["ip.frag_offset"];
  v["ip.checksum.status"] = fr["ip.checksum.status"];
  v["ipv6.src"] = fr["ipv6.src"];
  v["ipv6.dst"] = fr["ipv6.dst"];
  v["ipv6.plen"] = fr["ipv6.plen"];
  v["ipv6.hlim"] = fr["ipv6.hlim"];
  v["ipv6.flow"] = hexToDec(fr["ipv6.flow"]);
  v["ipv6.transport"] = tsharkIpv6Transport(fr);
  v["tcp.srcport"] = fr["tcp.srcport"];
  v["tcp.dstport"] = fr["tcp.dstport"];
  v["tcp.flags"] = hexToDec(fr["tcp.flags"]);
  v["tcp.seq_raw"] = fr["tcp.seq_raw"];
  v["tcp.ack_raw"] = fr["tcp.ack_raw"];
  v["tcp.len"] = fr["tcp.len"];
  v["tcp.hdr_len"] = fr["tcp.hdr_len"];
  v["tcp.window_size_value"] = fr["tcp.window_size_value"];
  v["tcp.options.mss_val"] = fr["tcp.options.mss_val"];
  v["tcp.options.wscale.shift"] = fr["tcp.options.wscale.shift"];
  // The SACK-permitted option has no value: tshark prints its bytes.
  v["tcp.options.sack_perm"] = fr["tcp.options.sack_perm"].map(() => "1");
  v["tcp.options.sack_le"] = fr["tcp.options.sack_le"];
  v["tcp.options.sack_re"] = fr["tcp.options.sack_re"];
  v["tcp.options.timestamp.tsval"] = fr["tcp.options.timestamp.tsval"];
  v["tcp.options.timestamp.tsecr"] = fr["tcp.options.timestamp.tsecr"];
  v["udp.srcport"] = fr["udp.srcport"];
  v["udp.dstport"] = fr["udp.dstport"];
  v["udp.length"] = fr["udp.length"];
  v["icmp.type"] = fr["icmp.type"];
  v["icmp.code"] = fr["icmp.code"];
  v["icmpv6.type"] = fr["icmpv6.type"];
  v["icmpv6.code"] = fr["icmpv6.code"];
  v["dns.qry.name"] = fr["dns.qry.name"];
  v["tls.sni"] = fr["tls.handshake.extensions_server_name"];
  return v;
}

/**
 * What NetScope decoded, printed the way tshark prints it. A field is
 * present when the decoder promises it: IPv4 fields once the header passed
 * its length checks (srcAddrOff set), TCP ports from 4 captured bytes,
 * sequence numbers, flags and header length from 14, window from 20, the
 * declared payload length once the data offset is known to be valid.
 */
function ourValues(rec: PacketRecord): Values {
  const v = emptyValues();
  const f = rec.frame;
  const b = rec.buf;
  const one = (field: CompareField, x: number) => (v[field] = [String(x)]);
  one("frame.len", f.wireLen);
  one("frame.cap_len", f.capLen);
  const nTags = Math.min(rec.vlanCount, rec.vlanIds.length);
  for (let i = 0; i < nTags; i++) v["vlan.id"].push(String(rec.vlanIds[i]));
  if (rec.mplsCount > 0) {
    one("mpls.label", rec.mplsLabel);
    one("mpls.count", rec.mplsCount);
  }
  if (rec.net === NET_ARP && rec.netOff + ARP_FIXED_LEN <= f.offset + f.capLen) {
    one("arp.opcode", rec.arpOp);
  }
  if (rec.net === NET_IPV4 && rec.srcAddrOff >= 0) {
    v["ip.src"] = [formatIpv4(b, rec.srcAddrOff)];
    v["ip.dst"] = [formatIpv4(b, rec.dstAddrOff)];
    one("ip.proto", rec.ipProto);
    one("ip.len", rec.ipTotalLen);
    one("ip.ttl", rec.ttl);
    one("ip.id", rec.ipId);
    one("ip.flags", rec.ipFlags);
    one("ip.frag_offset", rec.fragOffset / 8);
    if (rec.ipChecksumOk >= 0) one("ip.checksum.status", rec.ipChecksumOk);
  } else if (rec.net === NET_IPV6 && rec.srcAddrOff >= 0) {
    v["ipv6.src"] = [formatIpv6(b, rec.srcAddrOff)];
    v["ipv6.dst"] = [formatIpv6(b, rec.dstAddrOff)];
    one("ipv6.plen", rec.ipTotalLen - 40);
    one("ipv6.hlim", rec.ttl);
    one("ipv6.flow", rec.flowLabel);
    if (rec.ipProto >= 0) one("ipv6.transport", rec.ipProto);
  }
  if (rec.srcPort >= 0 && rec.ipProto === IPPROTO_TCP) {
    one("tcp.srcport", rec.srcPort);
    one("tcp.dstport", rec.dstPort);
    if (rec.l4CapLen >= 14) {
      one("tcp.flags", rec.tcpFlags);
      one("tcp.seq_raw", rec.tcpSeq);
      one("tcp.ack_raw", rec.tcpAck);
      one("tcp.hdr_len", rec.tcpHdrLen);
    }
    if (rec.l4CapLen >= 20) one("tcp.window_size_value", rec.tcpWindow);
    const offsetValid = rec.tcpHdrLen >= 20 && rec.tcpHdrLen <= rec.l4Len;
    if (rec.l4CapLen >= 20 && offsetValid) one("tcp.len", rec.payloadWireLen);
    if (rec.tcpMss >= 0) one("tcp.options.mss_val", rec.tcpMss);
    if (rec.tcpWscale >= 0) one("tcp.options.wscale.shift", rec.tcpWscale);
    if (rec.tcpSackPerm) one("tcp.options.sack_perm", 1);
    for (let i = 0; i < rec.tcpSackCount; i++) {
      v["tcp.options.sack_le"].push(String(rec.tcpSack[2 * i]));
      v["tcp.options.sack_re"].push(String(rec.tcpSack[2 * i + 1]));
    }
    if (rec.tcpHasTs) {
      one("tcp.options.timestamp.tsval", rec.tcpTsVal);
      one("tcp.options.timestamp.tsecr", rec.tcpTsEcr);
    }
  } else if (rec.srcPort >= 0 && rec.ipProto === IPPROTO_UDP) {
    one("udp.srcport", rec.srcPort);
    one("udp.dstport", rec.dstPort);
    if (rec.l4CapLen >= 8) one("udp.length", rec.udpLen);
  }
  if (rec.icmpType >= 0) {
    if (rec.ipProto === IPPROTO_ICMP) {
      one("icmp.type", rec.icmpType);
      one("icmp.code", rec.icmpCode);
    } else if (rec.ipProto === IPPROTO_ICMPV6) {
      one("icmpv6.type", rec.icmpType);
      one("icmpv6.code", rec.icmpCode);
    }
  }
  if (rec.app === L_DNS && !dnsPlaceholder) {
    const dns = rec.dns;
    const n = Math.min(dns.qParsed, DNS_MAX_QUESTIONS);
    for (let i = 0; i < n; i++) {
      // dnsNameAt() prints "example.com." and "." for the root; tshark prints
      // "example.com" and "<Root>".
      const name = dnsNameAt(b, dns, dns.qNameOff[i]!);
      v["dns.qry.name"].push(name === "." ? "<Root>" : name.replace(/\.$/, ""));
    }
  }
  if (rec.app === L_TLS && !tlsPlaceholder && rec.tls.sniOff >= 0) {
    v["tls.sni"] = [tlsSni(b, rec.tls)];
  }
  return v;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

interface Difference {
  frame: number;
  field: CompareField;
  tshark: string[];
  ours: string[];
}

function show(list: readonly string[]): string {
  return list.length === 0 ? "(none)" : list.join(",");
}

/**
 * Filters `diffs` through the exceptions for `file` and `fields`; returns
 * the unexplained differences and the exceptions that matched nothing.
 */
function applyExceptions(
  file: string,
  fields: readonly CompareField[],
  diffs: Difference[],
  exceptions: readonly DifferentialException[] = DIFFERENTIAL_EXCEPTIONS,
): { left: Difference[]; stale: Stale[]; explainedFrames: Set<number> } {
  const mine = exceptions.filter((e) => e.file === file);
  const used = new Set<string>(); // `${index in mine}:${field}`
  const left: Difference[] = [];
  const explainedFrames = new Set<number>();
  for (const d of diffs) {
    let explained = false;
    for (let i = 0; i < mine.length; i++) {
      const e = mine[i]!;
      if (!e.fields.includes(d.field)) continue;
      if (e.frames !== "all" && !e.frames.includes(d.frame)) continue;
      if (e.compare === "first" && !sameList(d.tshark.slice(0, 1), d.ours)) continue;
      used.add(`${i}:${d.field}`);
      explained = true;
    }
    if (explained) explainedFrames.add(d.frame);
    else left.push(d);
  }
  const stale: Stale[] = [];
  for (let i = 0; i < mine.length; i++) {
    for (const field of mine[i]!.fields) {
      if (fields.includes(field) && !used.has(`${i}:${field}`)) {
        stale.push({ exception: mine[i]!, field });
      }
    }
  }
  return { left, stale, explainedFrames };
}

interface Stale {
  exception: DifferentialException;
  field: CompareField;
}

function report(file: string, left: Difference[], stale: Stale[]): string {
  const lines: string[] = [];
  for (const d of left.slice(0, 40)) {
    lines.push(
      `${file} frame ${d.frame} ${d.field}: tshark ${show(d.tshark)}, NetScope ${show(d.ours)}`,
    );
  }
  if (left.length > 40) lines.push(`... and ${left.length - 40} more differences`);
  for (const { exception, field } of stale) {
    lines.push(
      `${file}: stale exception (matches no difference): ${field} frames ${exception.frames}`,
    );
  }
  return lines.join("\n");
}

/**
 * Reads `path` with the capture file reader, decodes every frame and returns
 * NetScope's values per frame, in order. Stops at the first read error (as
 * tshark does), so a file cut mid-record yields the frames before the cut.
 */
async function decodeAll(path: string): Promise<Values[]> {
  const reader = await CaptureFileReader.open(path);
  const frame = new Frame();
  const rec = new PacketRecord();
  const out: Values[] = [];
  try {
    for (;;) {
      const s = reader.next(frame);
      if (s === NEXT_FRAME) {
        decodeFrame(frame, rec);
        out.push(ourValues(rec));
      } else if (s === NEXT_NEED_DATA) {
        await reader.fill();
      } else break;
    }
  } finally {
    reader.close();
  }
  return out;
}

function isPlaceholder(module: string): boolean {
  const src = Deno.readTextFileSync(new URL(`../src/protocol/${module}`, import.meta.url));
  return src.includes("Placeholder");
}

const fixtureNames = [...Deno.readDirSync(FIXTURES)]
  .map((e) => e.name)
  .filter((n) => n.endsWith(".pcap") || n.endsWith(".pcapng"))
  .sort();
const tsharkPresent = await haveTshark();

/**
 * Starts tshark on every file, `lanes` runs at a time (a run takes ~0.25 s,
 * mostly start-up); each test awaits its own result.
 */
function startTsharkRuns(names: string[], lanes: number): Map<string, Promise<TsharkFrame[]>> {
  const runs = new Map<string, Promise<TsharkFrame[]>>();
  const gates: Promise<void>[] = [];
  for (let i = 0; i < lanes; i++) gates.push(Promise.resolve());
  names.forEach((name, i) => {
    const lane = i % lanes;
    const run = gates[lane]!.then(() => runTshark(new URL(name, FIXTURES).pathname));
    gates[lane] = run.then(() => {}, () => {});
    const frames = run.then((r) => r.frames);
    frames.catch(() => {}); // reported by the test that awaits it
    runs.set(name, frames);
  });
  return runs;
}

const tsharkRuns = tsharkPresent
  ? startTsharkRuns(
    fixtureNames.filter((n) => TSHARK_REFUSES[n] === undefined),
    Math.max(2, Math.min(4, navigator.hardwareConcurrency)),
  )
  : new Map<string, Promise<TsharkFrame[]>>();
const dnsPlaceholder = isPlaceholder("dns.ts");
const tlsPlaceholder = isPlaceholder("tls.ts");

Deno.test("differential exceptions name existing fixtures and carry a reason", () => {
  for (const e of DIFFERENTIAL_EXCEPTIONS) {
    assert.ok(fixtureNames.includes(e.file), `exception names a missing fixture: ${e.file}`);
    assert.ok(e.reason.length >= 20, `exception for ${e.file} ${e.fields} needs a real reason`);
    assert.ok(e.fields.length > 0, `exception for ${e.file} names no field`);
    assert.ok(e.frames === "all" || e.frames.length > 0, `exception for ${e.file} names no frame`);
  }
});

Deno.test("applyExceptions() keeps unexplained differences and reports stale exceptions", () => {
  const diffs: Difference[] = [
    { frame: 1, field: "ip.src", tshark: ["10.0.0.1", "10.0.0.2"], ours: ["10.0.0.1"] },
    { frame: 2, field: "ip.src", tshark: ["10.0.0.3", "10.0.0.2"], ours: ["10.0.0.9"] },
    { frame: 3, field: "tcp.srcport", tshark: ["80"], ours: [] },
  ];
  const exceptions: DifferentialException[] = [
    { file: "x.pcap", frames: "all", fields: ["ip.src"], compare: "first", reason: "r".repeat(20) },
    {
      file: "x.pcap",
      frames: [3],
      fields: ["tcp.srcport", "udp.srcport"],
      compare: "any",
      reason: "",
    },
    { file: "x.pcap", frames: [9], fields: ["ip.dst"], compare: "any", reason: "" },
  ];
  const { left, stale, explainedFrames } = applyExceptions(
    "x.pcap",
    ["ip.src", "ip.dst", "tcp.srcport", "udp.srcport"],
    diffs,
    exceptions,
  );
  // Frame 2's first occurrence differs from ours: "first" does not excuse it.
  assert.deepEqual(left, [diffs[1]]);
  assert.deepEqual([...explainedFrames].sort(), [1, 3]);
  assert.deepEqual(stale.map((s) => s.field), ["udp.srcport", "ip.dst"]);
  // Fields outside the step are not judged stale there.
  assert.equal(
    applyExceptions("x.pcap", ["ip.src"], diffs.slice(0, 1), exceptions).stale.length,
    0,
  );
});

Deno.test("formatIpv6() prints addresses as tshark does (RFC 5952, glibc inet_ntop)", () => {
  const text = (hex: string) => {
    const b = new Uint8Array(16);
    for (let i = 0; i < 16; i++) b[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    return formatIpv6(b, 0);
  };
  assert.equal(text("20010db8000000000000000000000001"), "2001:db8::1");
  assert.equal(text("20010db8000000010000000000000001"), "2001:db8:0:1::1");
  assert.equal(text("20010db8000000000001000000000001"), "2001:db8::1:0:0:1");
  assert.equal(text("20010db8000100010001000100010001"), "2001:db8:1:1:1:1:1:1");
  assert.equal(text("00000000000000000000000000000000"), "::");
  assert.equal(text("00000000000000000000000000000001"), "::1");
  assert.equal(text("00000000000000000000ffffc0000201"), "::ffff:192.0.2.1");
  assert.equal(text("000000000000000000000000c0000201"), "::192.0.2.1");
  assert.equal(text("fe800000000000000000000000000000"), "fe80::");
});

for (const file of fixtureNames) {
  const refused = TSHARK_REFUSES[file];
  Deno.test({
    name: `decodeFrame() matches tshark on ${file}`,
    ignore: refused !== undefined || !tsharkPresent,
    async fn(t) {
      const path = new URL(file, FIXTURES).pathname;
      const tsharkFrames = await tsharkRuns.get(file)!;
      const ours = await decodeAll(path);
      assert.ok(tsharkFrames.length > 0, `tshark read no frames from ${file}`);
      assert.equal(ours.length, tsharkFrames.length, `${file}: frame count differs from tshark`);
      const theirs = tsharkFrames.map(tsharkValues);

      const compare = (fields: readonly CompareField[]): Difference[] => {
        const diffs: Difference[] = [];
        for (let i = 0; i < theirs.length; i++) {
          const frameNo = Number(tsharkFrames[i]!["frame.number"][0]);
          for (const field of fields) {
            const a = theirs[i]![field], b = ours[i]![field];
            if (!sameList(a, b)) diffs.push({ frame: frameNo, field, tshark: a, ours: b });
          }
        }
        return diffs;
      };
      const check = (fields: readonly CompareField[]) => {
        const { left, stale } = applyExceptions(file, fields, compare(fields));
        assert.ok(left.length === 0 && stale.length === 0, "\n" + report(file, left, stale));
      };
      /** Application fields: also the number of packets carrying one must match. */
      const checkApp = (field: CompareField, what: string) => {
        const { left, stale, explainedFrames } = applyExceptions(file, [field], compare([field]));
        let tsharkCount = 0, ourCount = 0;
        for (let i = 0; i < theirs.length; i++) {
          if (explainedFrames.has(Number(tsharkFrames[i]!["frame.number"][0]))) continue;
          if (theirs[i]![field].length > 0) tsharkCount++;
          if (ours[i]![field].length > 0) ourCount++;
        }
        assert.equal(ourCount, tsharkCount, `${file}: packets with a ${what}`);
        assert.ok(left.length === 0 && stale.length === 0, "\n" + report(file, left, stale));
      };

      await t.step("layers 2-4: lengths, VLAN, IP, ports, TCP, ICMP", () => check(CORE_FIELDS));
      await t.step({
        name: dnsPlaceholder
          ? "DNS query names (ignored: src/protocol/dns.ts is still a placeholder)"
          : "DNS query names",
        ignore: dnsPlaceholder,
        fn: () => checkApp("dns.qry.name", "DNS query name"),
      });
      await t.step({
        name: tlsPlaceholder
          ? "TLS SNI (ignored: src/protocol/tls.ts is still a placeholder)"
          : "TLS SNI",
        ignore: tlsPlaceholder,
        fn: () => checkApp("tls.sni", "TLS SNI"),
      });
    },
  });
}
