import assert from "node:assert/strict";
import {
  decodeDns,
  DNS_MALFORMED,
  DNS_MAX_QUESTIONS,
  DNS_MAX_RRS,
  DNS_OK,
  DNS_SECTION_ADDITIONAL,
  DNS_SECTION_ANSWER,
  DNS_SECTION_AUTHORITY,
  DNS_TRUNCATED,
  DNS_TYPE_A,
  DNS_TYPE_AAAA,
  DNS_TYPE_CNAME,
  DNS_TYPE_NS,
  DNS_TYPE_NSEC,
  DNS_TYPE_PTR,
  DNS_TYPE_SOA,
  DnsInfo,
  dnsNameAt,
  dnsRcodeName,
  dnsRdataText,
  dnsToJson,
  dnsTypeName,
  formatDnsSummary,
  ipv6Text,
} from "./dns.ts";
import { ST_MALFORMED, ST_OK, ST_TRUNCATED } from "./packet.ts";
import { fixture } from "../../tests/_fixtures.ts";
import { tsharkFields } from "../../tests/_tshark.ts";
import { prng } from "../../tests/_prng.ts";

// ---------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------

async function run(cmd: string, args: string[]): Promise<string> {
  const r = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "null" }).output();
  if (!r.success) throw new Error(`Cannot run ${cmd}: exit code ${r.code}`);
  return new TextDecoder().decode(r.stdout);
}

function fromHex(h: string): Uint8Array {
  const out = new Uint8Array(h.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.substr(i * 2, 2), 16);
  return out;
}

/** Everything decodeDns stored, offsets made relative to the message start. */
function snapshot(info: DnsInfo): Record<string, unknown> {
  const base = info.msgOff;
  const rel = (o: number) => (o < 0 ? o : o - base);
  const nq = Math.min(info.qParsed, DNS_MAX_QUESTIONS);
  const rrs = [];
  for (let i = 0; i < info.rrCount; i++) {
    rrs.push([
      info.rrSection[i],
      rel(info.rrNameOff[i]),
      info.rrType[i],
      info.rrClass[i],
      info.rrTtl[i],
      rel(info.rrRdataOff[i]),
      info.rrRdataLen[i],
    ]);
  }
  const qs = [];
  for (let i = 0; i < nq; i++) qs.push([rel(info.qNameOff[i]), info.qType[i], info.qClass[i]]);
  return {
    status: info.status,
    mdns: info.mdns,
    msgLen: info.msgLen,
    wireLen: info.wireLen,
    endOff: rel(info.endOff),
    header: [info.id, info.flags, info.qdCount, info.anCount, info.nsCount, info.arCount],
    bits: [info.qr, info.opcode, info.aa, info.tc, info.rd, info.ra, info.z, info.ad, info.cd],
    rcode: [info.rcode, info.fullRcode],
    parsed: [info.qParsed, info.anParsed, info.nsParsed, info.arParsed, info.anKept],
    qs,
    rrs,
    edns: [rel(info.ednsOff), info.ednsUdpSize, info.ednsVersion, info.ednsDo],
  };
}

/** Decode `msg` tight and in the middle of a 0xFF-filled buffer; both must agree. */
function decodeBoth(
  msg: Uint8Array,
  wireLen = msg.length,
  mdns = false,
): { st: number; info: DnsInfo; summary: string; json: string } {
  const a = new DnsInfo();
  const st = decodeDns(msg, 0, msg.length, a, wireLen, mdns);
  assert.equal(a.status, st);
  const big = new Uint8Array(msg.length + 600).fill(0xff);
  big.set(msg, 300);
  const b = new DnsInfo();
  const st2 = decodeDns(big, 300, msg.length, b, wireLen, mdns);
  assert.equal(st2, st);
  assert.deepEqual(snapshot(b), snapshot(a));
  const summary = formatDnsSummary(msg, a);
  assert.equal(formatDnsSummary(big, b), summary);
  const json = JSON.stringify(dnsToJson(msg, a));
  assert.equal(JSON.stringify(dnsToJson(big, b)), json);
  for (let i = 0; i < a.rrCount; i++) {
    assert.equal(dnsRdataText(big, b, i), dnsRdataText(msg, a, i));
  }
  return { st, info: a, summary, json };
}

// ---- hand-built messages (RFC 1035 §4.1) ----

function nameBytes(n: string): number[] {
  if (n === ".") return [0];
  const out: number[] = [];
  for (const l of n.replace(/\.$/, "").split(".")) {
    out.push(l.length);
    for (let i = 0; i < l.length; i++) out.push(l.charCodeAt(i) & 0xff);
  }
  out.push(0);
  return out;
}
const be16 = (v: number) => [(v >>> 8) & 0xff, v & 0xff];
const be32 = (v: number) => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
const ptr = (o: number) => [0xc0 | (o >>> 8), o & 0xff];
const hdr = (id: number, flags: number, qd: number, an: number, ns: number, ar: number) => [
  ...be16(id),
  ...be16(flags),
  ...be16(qd),
  ...be16(an),
  ...be16(ns),
  ...be16(ar),
];
const question = (n: string | number[], t: number, c = 1) => [
  ...(typeof n === "string" ? nameBytes(n) : n),
  ...be16(t),
  ...be16(c),
];
const rr = (n: string | number[], t: number, c: number, ttl: number, rdata: number[]) => [
  ...(typeof n === "string" ? nameBytes(n) : n),
  ...be16(t),
  ...be16(c),
  ...be32(ttl),
  ...be16(rdata.length),
  ...rdata,
];
const bytes = (...parts: number[][]) => new Uint8Array(parts.flat());
const A4 = [93, 184, 216, 34];

// Real messages from tests/fixtures/DnsPackets.pcap (PcapPlusPlus), UDP payloads.
/** Frame 2: response 0x8185, 5 A records for www.google.com. */
const REAL_A5 = fromHex(
  "8185818000010005000000000377777706676f6f676c6503636f6d0000010001c00c0001000100000070" +
    "0004adc27013c00c00010001000000700004adc27012c00c00010001000000700004adc27011c00c0001" +
    "0001000000700004adc27010c00c00010001000000700004adc27014",
);
/** Frame 20: NXDOMAIN for wpad.HOME with a SOA in the authority section. */
const REAL_NX = fromHex(
  "0b6181830001000000010000047770616404484f4d450000010001000006000100000a2600400161" +
    "0c726f6f742d73657276657273036e657400056e73746c640c766572697369676e2d67727303636f" +
    "6d00780cbe6c000007080000038400093a8000015180",
);
/** Frame 421: mDNS announcement: PTR, A, NSEC (cache flush) and an OPT record. */
const REAL_MDNS = fromHex(
  "00008400000000020000000301320130013002313007696e2d61646472046172706100000c8001000000" +
    "7800140c5961656c732d6950686f6e65056c6f63616c00c02d000180010000007800040a000002c00c" +
    "002f8001000000780006c00c00020008c02d002f8001000000780005c02d00014000002905a0000011" +
    "94000c0004000800df581faa4f3f9d",
);
/** Frame 9: CNAME + 16 A records (342 bytes). */
const REAL_17 = fromHex(
  "f48f818000010011000000000377777710676f6f676c652d616e616c797469637303636f6d0000010001" +
    "c00c0005000100004b790020147777772d676f6f676c652d616e616c7974696373016c06676f6f676c65" +
    "c021c03600010001000000720004d4c7cde2c03600010001000000720004d4c7cde7c036000100010000" +
    "00720004d4c7cdd9c03600010001000000720004d4c7cdedc03600010001000000720004d4c7cdf1c036" +
    "00010001000000720004d4c7cdf7c03600010001000000720004d4c7cde8c03600010001000000720004" +
    "d4c7cdecc03600010001000000720004d4c7cddec03600010001000000720004d4c7cdd4c03600010001" +
    "000000720004d4c7cdddc03600010001000000720004d4c7cdfbc03600010001000000720004d4c7cdf2" +
    "c03600010001000000720004d4c7cdd8c03600010001000000720004d4c7cdf6c0360001000100000072" +
    "0004d4c7cde3",
);

// ---------------------------------------------------------------------------
// real messages, no external tools
// ---------------------------------------------------------------------------

Deno.test("dns: status codes equal the packet record's ST_* codes", () => {
  assert.equal(DNS_OK, ST_OK);
  assert.equal(DNS_TRUNCATED, ST_TRUNCATED);
  assert.equal(DNS_MALFORMED, ST_MALFORMED);
});

Deno.test("dns: real response with 5 A records (DnsPackets.pcap frame 2)", () => {
  const { st, info, summary } = decodeBoth(REAL_A5);
  assert.equal(st, DNS_OK);
  assert.equal(info.id, 0x8185);
  assert.equal(info.qr, 1);
  assert.equal(info.rd, 1);
  assert.equal(info.ra, 1);
  assert.equal(info.rcode, 0);
  assert.deepEqual([info.qdCount, info.anCount, info.nsCount, info.arCount], [1, 5, 0, 0]);
  assert.equal(info.qParsed, 1);
  assert.equal(dnsNameAt(REAL_A5, info, info.qNameOff[0]), "www.google.com.");
  assert.equal(info.qType[0], DNS_TYPE_A);
  assert.equal(info.rrCount, 5);
  assert.equal(info.anKept, 5);
  const texts = [];
  for (let i = 0; i < 5; i++) {
    assert.equal(info.rrSection[i], DNS_SECTION_ANSWER);
    assert.equal(info.rrTtl[i], 112);
    assert.equal(dnsNameAt(REAL_A5, info, info.rrNameOff[i]), "www.google.com.");
    texts.push(dnsRdataText(REAL_A5, info, i));
  }
  assert.deepEqual(texts, [
    "173.194.112.19",
    "173.194.112.18",
    "173.194.112.17",
    "173.194.112.16",
    "173.194.112.20",
  ]);
  assert.equal(info.endOff, REAL_A5.length);
  // tcpdump -n -r DnsPackets.pcap, frame 2
  assert.equal(
    summary,
    "33157 5/0/0 A 173.194.112.19, A 173.194.112.18, A 173.194.112.17, A 173.194.112.16, " +
      "A 173.194.112.20 (112)",
  );
});

Deno.test("dns: real NXDOMAIN with SOA authority (frame 20)", () => {
  const { st, info, summary } = decodeBoth(REAL_NX);
  assert.equal(st, DNS_OK);
  assert.equal(info.rcode, 3);
  assert.equal(dnsRcodeName(info.fullRcode), "NXDomain");
  assert.equal(info.anKept, 0);
  assert.equal(info.nsParsed, 1);
  assert.equal(info.rrSection[0], DNS_SECTION_AUTHORITY);
  assert.equal(info.rrType[0], DNS_TYPE_SOA);
  assert.equal(dnsNameAt(REAL_NX, info, info.rrNameOff[0]), ".");
  assert.equal(
    dnsRdataText(REAL_NX, info, 0),
    "a.root-servers.net. nstld.verisign-grs.com. 2014101100 1800 900 604800 86400",
  );
  assert.equal(dnsNameAt(REAL_NX, info, info.qNameOff[0]), "wpad.HOME.");
  assert.equal(summary, "2913 NXDomain 0/1/0 (102)");
  const j = dnsToJson(REAL_NX, info) as {
    rcode: number;
    rcode_name: string;
    authority: { type: string; ttl: number }[];
    counts: Record<string, number>;
  };
  assert.equal(j.rcode, 3);
  assert.equal(j.rcode_name, "NXDomain");
  assert.deepEqual(j.counts, { qd: 1, an: 0, ns: 1, ar: 0 });
  assert.equal(j.authority[0].type, "SOA");
  assert.equal(j.authority[0].ttl, 2598);
});

Deno.test("dns: real mDNS announcement with NSEC, cache flush and OPT (frame 421)", () => {
  const { st, info, summary, json } = decodeBoth(REAL_MDNS, REAL_MDNS.length, true);
  assert.equal(st, DNS_OK);
  assert.equal(info.aa, 1);
  assert.deepEqual([info.qdCount, info.anCount, info.nsCount, info.arCount], [0, 2, 0, 3]);
  assert.equal(info.rrCount, 5);
  assert.deepEqual(Array.from(info.rrSection.subarray(0, 5)), [
    DNS_SECTION_ANSWER,
    DNS_SECTION_ANSWER,
    DNS_SECTION_ADDITIONAL,
    DNS_SECTION_ADDITIONAL,
    DNS_SECTION_ADDITIONAL,
  ]);
  assert.deepEqual(Array.from(info.rrType.subarray(0, 5)), [
    DNS_TYPE_PTR,
    DNS_TYPE_A,
    DNS_TYPE_NSEC,
    DNS_TYPE_NSEC,
    41,
  ]);
  assert.equal(info.rrClass[0], 0x8001); // cache flush + IN
  assert.equal(dnsNameAt(REAL_MDNS, info, info.rrNameOff[0]), "2.0.0.10.in-addr.arpa.");
  assert.equal(dnsRdataText(REAL_MDNS, info, 0), "Yaels-iPhone.local.");
  assert.equal(dnsRdataText(REAL_MDNS, info, 1), "10.0.0.2");
  assert.equal(dnsRdataText(REAL_MDNS, info, 2), "2.0.0.10.in-addr.arpa. PTR");
  assert.equal(dnsRdataText(REAL_MDNS, info, 3), "Yaels-iPhone.local. A");
  assert.equal(info.ednsUdpSize, 1440);
  assert.equal(info.ednsOff, info.rrRdataOff[4]);
  assert.equal(
    summary,
    "0*- [0q] 2/0/3 (Cache flush) PTR Yaels-iPhone.local., (Cache flush) A 10.0.0.2 (139)",
  );
  const j = JSON.parse(json);
  assert.equal(j.answers[0].cache_flush, true);
  assert.equal(j.answers[0].class, "IN");
  assert.equal(j.additional[2].type, "OPT");
  assert.equal(j.additional[2].udp_payload_size, 1440);
});

Deno.test("dns: real CNAME + 16 A response keeps 17 records (frame 9)", () => {
  const { st, info, summary } = decodeBoth(REAL_17);
  assert.equal(st, DNS_OK);
  assert.equal(info.rrCount, 17);
  assert.equal(info.rrType[0], DNS_TYPE_CNAME);
  assert.equal(dnsRdataText(REAL_17, info, 0), "www-google-analytics.l.google.com.");
  assert.equal(dnsNameAt(REAL_17, info, info.rrNameOff[1]), "www-google-analytics.l.google.com.");
  assert.equal(dnsRdataText(REAL_17, info, 16), "212.199.205.227");
  assert.ok(summary.startsWith("62607 17/0/0 CNAME www-google-analytics.l.google.com., A "));
  assert.ok(summary.endsWith("A 212.199.205.227 (342)"));
});

// ---------------------------------------------------------------------------
// differential: tshark (fields) and tcpdump (text) on the fixture captures
// ---------------------------------------------------------------------------

interface TsharkDns {
  frame: number;
  sport: number;
  dport: number;
  wireLen: number;
  payload: Uint8Array;
  fields: string[];
}

const TS_FIELDS = [
  "dns.id",
  "dns.flags",
  "dns.count.queries",
  "dns.count.answers",
  "dns.count.auth_rr",
  "dns.count.add_rr",
  "dns.qry.name",
  "dns.qry.type",
  "dns.resp.name",
  "dns.resp.type",
  "dns.a",
  "dns.aaaa",
  "dns.cname",
  "dns.ptr.domain_name",
  "dns.ns",
  "dns.soa.mname",
  "dns.nsec.next_domain_name",
];

async function tsharkDns(file: string, tcp: boolean): Promise<TsharkDns[]> {
  const t = tcp ? "tcp" : "udp";
  const fields = [`frame.number`, `${t}.srcport`, `${t}.dstport`];
  fields.push(tcp ? "tcp.len" : "udp.length", `${t}.payload`, ...TS_FIELDS);
  const out = await tsharkFields(fixture(file), fields, { filter: `dns && ${t}`, check: true });
  const rows: TsharkDns[] = [];
  for (const row of out.rows) {
    // Tunnelled packets (GRE) list the outer and inner values: take the innermost.
    const last = (occ: string[]) => occ[occ.length - 1] ?? "";
    let payload = fromHex(last(row[4]));
    let wireLen = Number(last(row[3])) - 8;
    if (tcp) {
      wireLen = (payload[0] << 8) | payload[1];
      payload = payload.subarray(2);
    }
    rows.push({
      frame: Number(row[0].join("|")),
      sport: Number(last(row[1])),
      dport: Number(last(row[2])),
      wireLen,
      payload,
      // tshark's text per field: its occurrences joined by "|".
      fields: row.slice(5).map((occ) => occ.join("|")),
    });
  }
  return rows;
}

/**
 * tcpdump -n -# text after the last "IP src.port > dst.port: " (UDP; the ports
 * must be the given ones, so ICMP errors quoting DNS are left out) or after
 * "length N " (TCP).
 */
async function tcpdumpLines(
  file: string,
  tcp: boolean,
): Promise<Map<number, { ports: string; text: string }>> {
  const out = await run("tcpdump", ["-n", "-#", "-r", fixture(file)]);
  const m = new Map<number, { ports: string; text: string }>();
  for (const line of out.split("\n")) {
    const num = /^\s*(\d+)\s/.exec(line);
    if (!num) continue;
    if (tcp) {
      const t = / \S+\.(\d+) > \S+\.(\d+): .* length \d+ (.*)$/.exec(line);
      if (t) m.set(Number(num[1]), { ports: `${t[1]}>${t[2]}`, text: t[3] });
    } else {
      const all = [...line.matchAll(/IP6? \S+?\.(\d+) > \S+?\.(\d+): /g)];
      const last = all[all.length - 1];
      if (last) {
        const text = line.slice((last.index ?? 0) + last[0].length);
        m.set(Number(num[1]), { ports: `${last[1]}>${last[2]}`, text });
      }
    }
  }
  return m;
}

/** tshark spells names without the trailing dot and the root as "<Root>". */
function tsName(n: string): string {
  return n === "." ? "<Root>" : n.replace(/\.$/, "");
}

/** What our decode says, in tshark's field layout. */
function ourFields(buf: Uint8Array, info: DnsInfo): string[] {
  const qn: string[] = [];
  const qt: string[] = [];
  for (let i = 0; i < Math.min(info.qParsed, DNS_MAX_QUESTIONS); i++) {
    qn.push(tsName(dnsNameAt(buf, info, info.qNameOff[i])));
    qt.push(String(info.qType[i]));
  }
  const rn: string[] = [];
  const rt: string[] = [];
  const byType = new Map<number, string[]>();
  const soa: string[] = [];
  const nsec: string[] = [];
  for (let i = 0; i < info.rrCount; i++) {
    const t = info.rrType[i];
    rn.push(tsName(dnsNameAt(buf, info, info.rrNameOff[i])));
    rt.push(String(t));
    const text = dnsRdataText(buf, info, i);
    if (t === DNS_TYPE_SOA) soa.push(tsName(text.split(" ")[0]));
    else if (t === DNS_TYPE_NSEC) nsec.push(tsName(text.split(" ")[0]));
    else {
      const v = t === DNS_TYPE_CNAME || t === DNS_TYPE_PTR || t === DNS_TYPE_NS
        ? tsName(text)
        : text;
      byType.set(t, [...(byType.get(t) ?? []), v]);
    }
  }
  const list = (t: number) => (byType.get(t) ?? []).join("|");
  return [
    "0x" + info.id.toString(16).padStart(4, "0"),
    "0x" + info.flags.toString(16).padStart(4, "0"),
    String(info.qdCount),
    String(info.anCount),
    String(info.nsCount),
    String(info.arCount),
    qn.join("|"),
    qt.join("|"),
    rn.join("|"),
    rt.join("|"),
    list(DNS_TYPE_A),
    list(DNS_TYPE_AAAA),
    list(DNS_TYPE_CNAME),
    list(DNS_TYPE_PTR),
    list(DNS_TYPE_NS),
    soa.join("|"),
    nsec.join("|"),
  ];
}

const DIFF_FILES: [string, boolean, number][] = [
  // file, over TCP, minimum number of DNS messages tshark must report
  ["DnsPackets.pcap", false, 428],
  ["example.pcap", false, 138],
  ["pcapng-multi-interface.pcapng", false, 6],
  ["sll.pcap", false, 20],
  ["raw_ip.pcap", false, 6],
  ["gre-sample.pcap", false, 4],
  ["null_loopback.pcap", false, 1],
  ["dns_tcp.pcap", true, 2],
];

for (const [file, tcp, min] of DIFF_FILES) {
  Deno.test({
    name: `dns: same fields as tshark and same text as tcpdump on ${file}`,
    fn: async () => {
      const rows = await tsharkDns(file, tcp);
      assert.ok(rows.length >= min, `tshark found ${rows.length} DNS messages`);
      const td = await tcpdumpLines(file, tcp);
      const info = new DnsInfo();
      let compared = 0;
      for (const r of rows) {
        const mdns = (r.sport === 5353 || r.dport === 5353) && r.sport !== 53 && r.dport !== 53;
        const st = decodeDns(r.payload, 0, r.payload.length, info, r.wireLen, mdns);
        assert.equal(st, DNS_OK, `frame ${r.frame}`);
        assert.ok(info.rrCount <= DNS_MAX_RRS);
        // Only compare record lists when every record was kept.
        if (info.anParsed + info.nsParsed + info.arParsed > DNS_MAX_RRS) continue;
        assert.deepEqual(ourFields(r.payload, info), r.fields, `frame ${r.frame}`);
        const line = td.get(r.frame);
        const dnsPort = r.sport === 53 || r.dport === 53 || mdns;
        if (line !== undefined && line.ports === `${r.sport}>${r.dport}` && dnsPort) {
          assert.equal(formatDnsSummary(r.payload, info), line.text, `frame ${r.frame}`);
          compared++;
        }
      }
      // LLMNR (port 5355) is DNS for tshark but plain UDP for tcpdump.
      if (file !== "null_loopback.pcap") assert.ok(compared > 0, "nothing compared with tcpdump");
    },
  });
}

// ---------------------------------------------------------------------------
// hand-built records: RDATA text and JSON
// ---------------------------------------------------------------------------

Deno.test("dns: RDATA text for each supported type", () => {
  const q = question("a.com", 255);
  const at = ptr(12);
  const records: [number, number[], string][] = [
    [1, A4, "93.184.216.34"],
    [28, [0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1], "2001:db8::1:0:0:1"],
    [28, [...new Array(10).fill(0), 0xff, 0xff, 1, 2, 3, 4], "::ffff:1.2.3.4"],
    [28, [...new Array(15).fill(0), 1], "::1"],
    [28, [0xfe, 0x80, ...new Array(14).fill(0)], "fe80::"],
    [28, [0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0], "1:0:1:0:1:0:1:0"],
    [2, nameBytes("ns1.a.com"), "ns1.a.com."],
    [5, [1, 0x77, ...at], "w.a.com."],
    [12, nameBytes("host.example"), "host.example."],
    [15, [...be16(10), ...nameBytes("mx.a.com")], "10 mx.a.com."],
    [16, [3, 0x61, 0x22, 0x5c, 2, 0x68, 0x01], '"a\\"\\\\" "h\\001"'],
    [
      6,
      [...nameBytes("ns.a.com"), ...nameBytes("h.a.com"), ...be32(1), ...be32(2), ...be32(3)]
        .concat([...be32(4), ...be32(4294967295)]),
      "ns.a.com. h.a.com. 1 2 3 4 4294967295",
    ],
    [33, [...be16(1), ...be16(5), ...be16(443), ...nameBytes("t.a.com")], "1 5 443 t.a.com."],
    [
      65,
      [...be16(1), 0, ...be16(1), ...be16(6), 2, 0x68, 0x32, 2, 0x68, 0x33]
        .concat([...be16(3), ...be16(2), ...be16(8443), ...be16(4), ...be16(4), ...A4]),
      "1 . alpn=h2,h3 port=8443 ipv4hint=93.184.216.34",
    ],
    [64, [...be16(0), ...nameBytes("svc.a.com")], "0 svc.a.com."],
    [257, [0, 5, ...[..."issue"].map((c) => c.charCodeAt(0)), 0x63, 0x61], '0 issue "ca"'],
    [47, [...at, 0, 6, 0x62, 0, 0, 0, 0, 3], "a.com. A NS SOA RRSIG NSEC"],
    [99, [2, 0x76, 0x3d], '"v="'],
    [13, [3, 0x41, 0x52, 0x4d, 5, 0x4c, 0x69, 0x6e, 0x75, 0x78], '"ARM" "Linux"'],
    [10, [0xde, 0xad], "\\# 2 dead"],
    [1234, [], ""],
  ];
  const m = bytes(
    hdr(7, 0x8180, 1, records.length, 0, 0),
    q,
    ...records.map(([t, d]) => rr(at, t, 1, 60, d)),
  );
  const { st, info } = decodeBoth(m);
  assert.equal(st, DNS_OK);
  assert.equal(info.rrCount, records.length);
  for (let i = 0; i < records.length; i++) {
    assert.equal(info.rrType[i], records[i][0]);
    assert.equal(dnsRdataText(m, info, i), records[i][2], `type ${records[i][0]}`);
  }
  assert.equal(dnsRdataText(m, info, -1), "");
  assert.equal(dnsRdataText(m, info, records.length), "");
});

Deno.test("dns: type names follow IANA, unknown ones print like tcpdump", () => {
  assert.equal(dnsTypeName(1), "A");
  assert.equal(dnsTypeName(28), "AAAA");
  assert.equal(dnsTypeName(33), "SRV");
  assert.equal(dnsTypeName(41), "OPT");
  assert.equal(dnsTypeName(47), "NSEC");
  assert.equal(dnsTypeName(64), "SVCB");
  assert.equal(dnsTypeName(65), "HTTPS");
  assert.equal(dnsTypeName(255), "ANY");
  assert.equal(dnsTypeName(4242), "Type4242");
});

Deno.test("dns: ipv6Text follows RFC 5952 compression rules", () => {
  const t = (h: string) => ipv6Text(fromHex(h), 0);
  assert.equal(t("00000000000000000000000000000000"), "::");
  assert.equal(t("20010db8000000000000000000000001"), "2001:db8::1");
  assert.equal(t("20010db8000000010000000000000001"), "2001:db8:0:1::1"); // longest run wins
  assert.equal(t("20010db8000000000001000000000001"), "2001:db8::1:0:0:1"); // first of equal runs
  assert.equal(t("20010db8000100010001000100010001"), "2001:db8:1:1:1:1:1:1");
  assert.equal(t("20010db8000000010001000100010001"), "2001:db8:0:1:1:1:1:1"); // no :: for one group
  assert.equal(t("2001DB80000000000000000000000000".toLowerCase()), "2001:db80::");
  assert.equal(t("00000000000000000000ffffc0000201"), "::ffff:192.0.2.1");
});

Deno.test("dns: header flags, EDNS and extended RCODE", () => {
  // flags: QR, opcode 0, AA, TC, RD, RA, Z, AD, CD, rcode 1; OPT ext rcode 1 → 17 (BadKey? no: 16|1)
  const m = bytes(
    hdr(0xbeef, 0x87f1, 1, 0, 0, 1),
    question("a.com", 1),
    rr(".", 41, 4096, (1 << 24) | (0 << 16) | 0x8000, [
      ...be16(10),
      ...be16(8),
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8,
    ]),
  );
  const { st, info, json } = decodeBoth(m);
  assert.equal(st, DNS_OK);
  assert.deepEqual(
    [info.qr, info.opcode, info.aa, info.tc, info.rd, info.ra, info.z, info.ad, info.cd],
    [1, 0, 1, 1, 1, 1, 1, 1, 1],
  );
  assert.equal(info.rcode, 1);
  assert.equal(info.fullRcode, 17);
  assert.equal(info.ednsUdpSize, 4096);
  assert.equal(info.ednsDo, 1);
  assert.equal(info.ednsVersion, 0);
  assert.equal(dnsRdataText(m, info, 0), "udpsize=4096 version=0 do options=1");
  const j = JSON.parse(json);
  assert.equal(j.rcode, 17);
  assert.equal(j.rcode_name, "BadKey");
  assert.deepEqual(j.edns, { udp_payload_size: 4096, version: 0, do: true });
  assert.equal(j.flags.tc, true);
  assert.equal(j.flags.z, true);
});

Deno.test("dns: JSON form of a query", () => {
  const m = bytes(hdr(12345, 0x0100, 1, 0, 0, 0), question("example.com", 28));
  const { info, summary } = decodeBoth(m);
  assert.equal(summary, "12345+ AAAA? example.com. (29)");
  assert.deepEqual(dnsToJson(m, info), {
    id: 12345,
    qr: 0,
    opcode: 0,
    opcode_name: "Query",
    rcode: 0,
    rcode_name: "NoError",
    status: "ok",
    mdns: false,
    flags: { qr: false, aa: false, tc: false, rd: true, ra: false, z: false, ad: false, cd: false },
    counts: { qd: 1, an: 0, ns: 0, ar: 0 },
    questions: [{ name: "example.com", type: "AAAA", type_code: 28, class: "IN", class_code: 1 }],
    answers: [],
    authority: [],
    additional: [],
  });
});

Deno.test("dns: names: root, escapes, 255-byte limit", () => {
  const weird = [3, 0x61, 0x2e, 0x62, 2, 0x20, 0xff, 0]; // label "a.b", label " \xff"
  const m = bytes(hdr(1, 0, 2, 0, 0, 0), question(".", 2), question(weird, 1));
  const { st, info, summary } = decodeBoth(m);
  assert.equal(st, DNS_OK);
  assert.equal(dnsNameAt(m, info, info.qNameOff[0]), ".");
  assert.equal(dnsNameAt(m, info, info.qNameOff[1]), "a\\.b. \\255.");
  assert.equal(summary, "1 [2q] NS? . A? a.b. M-^?. (29)");

  // 255 bytes exactly is fine: 4 labels of 63 + 1 label of 1 = 4*64 + 2 + 1 root = 259 > 255
  const label63 = [63, ...new Array(63).fill(0x61)];
  const ok = [...label63, ...label63, ...label63, 61, ...new Array(61).fill(0x62), 0]; // 255
  assert.equal(ok.length, 255);
  const m2 = bytes(hdr(2, 0, 1, 0, 0, 0), question(ok, 1));
  assert.equal(decodeBoth(m2).st, DNS_OK);
  const long = [...label63, ...label63, ...label63, 62, ...new Array(62).fill(0x62), 0]; // 256
  const m3 = bytes(hdr(3, 0, 1, 0, 0, 0), question(long, 1));
  assert.equal(decodeBoth(m3).st, DNS_MALFORMED);
  // 300-byte name made of short labels
  const m4 = bytes(
    hdr(4, 0, 1, 0, 0, 0),
    question(new Array(100).fill([2, 0x61, 0x62]).flat().concat([0]), 1),
  );
  assert.equal(decodeBoth(m4).st, DNS_MALFORMED);
});

// ---------------------------------------------------------------------------
// hostile input
// ---------------------------------------------------------------------------

Deno.test("dns: compression pointer attacks are malformed, never loop", () => {
  const cases: [string, Uint8Array][] = [
    // question name is a pointer to itself
    ["self pointer", bytes(hdr(1, 0, 1, 0, 0, 0), ptr(12), be16(1), be16(1))],
    // answer name: label then pointer back to that label (a.a.a...)
    [
      "label + pointer to itself",
      bytes(
        hdr(1, 0x8000, 1, 1, 0, 0),
        question("a.com", 1),
        [1, 0x61, ...ptr(23)],
        be16(1),
        be16(1),
        be32(1),
        be16(0),
      ),
    ],
    // two pointers pointing at each other (forward one first)
    [
      "pointer pair",
      bytes(hdr(1, 0, 2, 0, 0, 0), ptr(18), be16(1), be16(1), ptr(12), be16(1), be16(1)),
    ],
    // forward pointer
    [
      "forward pointer",
      bytes(
        hdr(1, 0x8000, 1, 1, 0, 0),
        question("a.com", 1),
        ptr(40),
        be16(5),
        be16(1),
        be32(1),
        be16(2),
        ptr(12),
        new Array(20).fill(0),
      ),
    ],
    // pointer outside the message
    ["pointer out of range", bytes(hdr(1, 0, 1, 0, 0, 0), ptr(0x3fff), be16(1), be16(1))],
    [
      "extended label type 0x40",
      bytes(hdr(1, 0, 1, 0, 0, 0), [0x41, 8, 0xff, 0], be16(1), be16(1)),
    ],
    ["reserved label type 0x80", bytes(hdr(1, 0, 1, 0, 0, 0), [0x81, 0x61, 0], be16(1), be16(1))],
    // CNAME whose RDATA name is longer than RDLENGTH
    [
      "name past RDATA",
      bytes(
        hdr(1, 0x8000, 1, 1, 0, 0),
        question("a.com", 1),
        rr(ptr(12), 5, 1, 1, [3, 0x61, 0x62]),
        [0x63, 0],
      ),
    ],
    [
      "A with 3 bytes",
      bytes(hdr(1, 0x8000, 1, 1, 0, 0), question("a.com", 1), rr(ptr(12), 1, 1, 1, [1, 2, 3])),
    ],
    [
      "TXT string past RDATA",
      bytes(hdr(1, 0x8000, 1, 1, 0, 0), question("a.com", 1), rr(ptr(12), 16, 1, 1, [5, 0x61])),
    ],
    [
      "counts beyond message",
      bytes(hdr(1, 0x8000, 1, 3, 0, 0), question("a.com", 1), rr(ptr(12), 1, 1, 1, A4)),
    ],
    ["label past end", bytes(hdr(1, 0, 1, 0, 0, 0), [10, 0x61, 0x62])],
    ["header only, shorter than 12", new Uint8Array([0, 1, 2, 3, 4])],
  ];
  for (const [what, m] of cases) {
    const { st, summary } = decodeBoth(m);
    assert.equal(st, DNS_MALFORMED, what);
    assert.equal(typeof summary, "string");
  }
  // The pointer loop is also rejected by the tcpdump-style printer.
  const loop = bytes(hdr(1, 0, 1, 0, 0, 0), ptr(12), be16(1), be16(1));
  const info = new DnsInfo();
  decodeDns(loop, 0, loop.length, info);
  assert.equal(formatDnsSummary(loop, info), "1 A? <BAD PTR> [|domain]");
});

Deno.test("dns: a long backward pointer chain is capped", () => {
  // Question: root at offset 12. Answer (owner root at 17, RDATA at 28): a NULL
  // record holding a chain of pointers, each to the one before, the first to
  // offset 12. Authority: owner name = pointer to the chain's hop `h`.
  const chain = (hops: number) => {
    const c: number[] = [...ptr(12)];
    for (let k = 1; k < hops; k++) c.push(...ptr(28 + 2 * (k - 1)));
    return c;
  };
  for (
    const [hops, want] of [[100, DNS_OK], [127, DNS_OK], [128, DNS_MALFORMED], [200, DNS_MALFORMED]]
  ) {
    const c = chain(hops);
    const m = bytes(
      hdr(1, 0x8000, 1, 1, 1, 0),
      question(".", 1),
      rr(".", 10, 1, 0, c),
      rr(ptr(28 + c.length - 2), 1, 1, 0, A4),
    );
    const { st, info } = decodeBoth(m);
    assert.equal(st, want, `${hops} hops`);
    if (want === DNS_OK) assert.equal(dnsNameAt(m, info, info.rrNameOff[1]), ".");
    else {
      assert.equal(info.rrCount, 1);
      info.msgOff = 0;
      assert.equal(dnsNameAt(m, info, 28 + c.length), "<malformed>"); // authority owner
    }
  }
});

Deno.test("dns: every truncation of a real response is TRUNCATED with a prefix of the full decode", () => {
  for (const [msg, mdns] of [[REAL_17, false], [REAL_MDNS, true], [REAL_NX, false]] as const) {
    const full = decodeBoth(msg, msg.length, mdns).info;
    assert.equal(full.endOff, msg.length);
    const fullSnap = snapshot(full);
    for (let cut = 0; cut < msg.length; cut++) {
      const part = msg.slice(0, cut);
      const { st, info } = decodeBoth(part, msg.length, mdns);
      assert.equal(st, DNS_TRUNCATED, `cut ${cut}`);
      const s = snapshot(info);
      assert.ok(info.rrCount <= full.rrCount);
      assert.deepEqual(s.rrs, (fullSnap.rrs as unknown[]).slice(0, info.rrCount), `cut ${cut}`);
      if (cut >= 12) assert.deepEqual(s.header, fullSnap.header);
      // Without a larger wire length the same bytes are malformed (counts lie).
      const again = new DnsInfo();
      assert.equal(decodeDns(part, 0, part.length, again), DNS_MALFORMED, `cut ${cut}`);
    }
  }
});

Deno.test("dns: 1,000 random byte flips never throw and stay inside the message", () => {
  const rnd = prng(0x5eed);
  const sources = [REAL_17, REAL_MDNS, REAL_NX, REAL_A5];
  for (let it = 0; it < 1000; it++) {
    const src = sources[it % sources.length];
    const m = src.slice();
    const flips = 1 + Math.floor(rnd() * 4);
    for (let k = 0; k < flips; k++) m[Math.floor(rnd() * m.length)] = Math.floor(rnd() * 256);
    const { info } = decodeBoth(m, m.length, it % 2 === 1);
    for (let i = 0; i < info.rrCount; i++) {
      assert.ok(info.rrRdataOff[i] + info.rrRdataLen[i] <= m.length);
      dnsNameAt(m, info, info.rrNameOff[i]);
      dnsRdataText(m, info, i);
    }
  }
});

// ---------------------------------------------------------------------------
// formatDnsSummary against tcpdump on hand-built messages
// ---------------------------------------------------------------------------

/** A classic pcap (Ethernet/IPv4/UDP) holding each message; `cut` frames are snapped. */
function pcapOf(
  msgs: { msg: Uint8Array; sport: number; dport: number; cap?: number }[],
): Uint8Array {
  const out: number[] = [];
  const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
  out.push(...le32(0xa1b2c3d4), 2, 0, 4, 0, ...le32(0), ...le32(0), ...le32(65535), ...le32(1));
  msgs.forEach(({ msg, sport, dport, cap }, i) => {
    const udpLen = 8 + msg.length;
    const ipLen = 20 + udpLen;
    const frame = [
      ...[0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6, 8, 0],
      ...[0x45, 0, ...be16(ipLen), 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2],
      ...be16(sport),
      ...be16(dport),
      ...be16(udpLen),
      0,
      0,
      ...msg,
    ];
    const incl = cap === undefined ? frame.length : 42 + cap;
    out.push(...le32(i + 1), ...le32(0), ...le32(incl), ...le32(frame.length));
    out.push(...frame.slice(0, incl));
  });
  return new Uint8Array(out);
}

Deno.test({
  name: "dns: formatDnsSummary matches tcpdump on hand-built messages",
  fn: async () => {
    const at = ptr(12);
    const A = (n: number[] = at) => rr(n, 1, 1, 60, A4);
    const msgs: { msg: Uint8Array; sport: number; dport: number; cap?: number }[] = [];
    const add = (m: Uint8Array, sport = 53, dport = 40000, cap?: number) =>
      msgs.push({ msg: m, sport, dport, cap });
    // responses: flags, multiple questions, rcodes
    add(bytes(hdr(1, 0x8180, 2, 1, 0, 0), question("a.com", 1), question("b.com", 28), A()));
    add(bytes(hdr(2, 0x81a0, 1, 1, 0, 0), question("a.com", 1), A()));
    add(bytes(hdr(3, 0x8790, 1, 1, 0, 0), question("a.com", 1), A()));
    add(bytes(hdr(4, 0x8105, 1, 0, 0, 0), question("a.com", 1)));
    add(bytes(hdr(5, 0x9182, 1, 0, 0, 0), question("a.com", 1)));
    add(
      bytes(
        hdr(6, 0x8180, 1, 1, 0, 1),
        question("a.com", 1),
        rr(at, 1, 3, 60, A4),
        rr(".", 41, 1232, 0x01008000, []),
      ),
    );
    add(bytes(hdr(7, 0x8183, 1, 0, 0, 1), question("a.com", 1), rr(".", 41, 512, 0x02000000, [])));
    add(bytes(hdr(8, 0x8183, 1, 0, 0, 1), question("a.com", 1), rr(".", 41, 512, 0x01000000, [])));
    // queries: opcodes, flags, odd bits, counts
    add(bytes(hdr(10, 0x0130, 1, 0, 0, 0), question("a.com", 1)));
    add(bytes(hdr(11, 0x0900, 1, 0, 0, 0), question("a.com", 1)));
    add(bytes(hdr(12, 0x2800, 1, 1, 1, 0), question("a.com", 6)));
    add(bytes(hdr(13, 0x0040, 1, 0, 0, 0), question("a.com", 1)));
    add(bytes(hdr(14, 0x0100, 0, 0, 0, 0)));
    add(bytes(hdr(15, 0x0100, 1, 0, 0, 0), question("a.com", 1, 3)));
    add(bytes(hdr(16, 0x0100, 1, 0, 0, 0), question("a.com", 1, 254)));
    add(bytes(hdr(17, 0x0100, 1, 0, 0, 0), question("a.com", 1, 42)));
    add(bytes(hdr(18, 0x2100, 1, 0, 0, 0), question("a.com", 1)));
    // every RR type number 0..260 and a few high ones, in answers
    for (const base of [0, 50, 100, 150, 200, 250]) {
      const types = [];
      for (let t = base; t < base + 50 && t <= 260; t++) types.push(t);
      if (base === 250) types.push(32768, 32769, 65535);
      add(
        bytes(
          hdr(100 + base, 0x8180, 1, types.length, 0, 0),
          question("a.com", 255),
          ...types.map((t) => rr(at, t, 1, 60, [])),
        ),
      );
    }
    // typed RDATA
    add(bytes(
      hdr(20, 0x8180, 1, 9, 0, 0),
      question("a.com", 255),
      rr(at, 33, 1, 60, [...be16(1), ...be16(2), ...be16(443), ...nameBytes("t.a.com")]),
      rr(at, 65, 1, 60, [...be16(1), 0, ...be16(1), ...be16(3), 2, 0x68, 0x32]),
      rr(at, 16, 1, 60, [3, 0x61, 0x62, 0x63, 2, 0x64, 0x65]),
      rr(at, 15, 1, 60, [...be16(10), ...nameBytes("mx.a.com")]),
      rr(at, 6, 1, 60, [
        ...nameBytes("ns.a.com"),
        ...nameBytes("h.a.com"),
        ...new Array(20).fill(1),
      ]),
      rr(at, 28, 1, 60, [...new Array(10).fill(0), 0xff, 0xff, ...A4]),
      rr(at, 28, 1, 60, [...new Array(12).fill(0), ...A4]),
      rr(at, 39, 1, 60, nameBytes("d.a.com")),
      rr(at, 256, 1, 60, [...be16(1), ...be16(2), 0x68, 0x74, 0x74, 0x70]),
    ));
    add(bytes(
      hdr(21, 0x8180, 1, 4, 0, 0),
      question("a.com", 255),
      rr(at, 38, 1, 60, [64, 0, 0, 0, 0, 0, 0, 0, 1, ...nameBytes("p.a.com")]),
      rr(at, 38, 1, 60, [0, ...new Array(16).fill(0x11)]),
      rr(at, 111, 1, 60, [0x68, 0x69, 0x01]),
      rr(at, 250, 1, 60, [1, 2, 3]),
    ));
    // OPT in the answer section with options tcpdump decodes
    add(bytes(
      hdr(22, 0x8180, 1, 1, 0, 0),
      question("a.com", 1),
      rr(".", 41, 1232, 0x8000, [
        ...be16(8),
        ...be16(7),
        ...be16(1),
        24,
        0,
        192,
        0,
        2, // ECS 192.0.2/24
        ...be16(10),
        ...be16(8),
        1,
        2,
        3,
        4,
        5,
        6,
        7,
        8, // COOKIE
        ...be16(11),
        ...be16(2),
        ...be16(150), // KEEPALIVE
        ...be16(9),
        ...be16(4),
        ...be32(3600), // EXPIRE
        ...be16(12),
        ...be16(3),
        0,
        0,
        0, // PADDING
        ...be16(14),
        ...be16(4),
        ...be16(20326),
        ...be16(1), // KEY-TAG
        ...be16(5),
        ...be16(3),
        8,
        13,
        99, // DAU
        ...be16(6),
        ...be16(2),
        1,
        2, // DHU
        ...be16(7),
        ...be16(1),
        1, // N3U
        ...be16(3),
        ...be16(2),
        0xab,
        0xcd, // NSID
        ...be16(999),
        ...be16(0), // unknown, empty
      ]),
    ));
    add(
      bytes(
        hdr(23, 0x8180, 1, 1, 0, 0),
        question("a.com", 1),
        rr(".", 41, 1232, 0, [...be16(11), ...be16(3), 1, 2, 3]),
      ),
    );
    // malformed / truncated
    add(bytes(hdr(30, 0x8180, 1, 3, 0, 0), question("a.com", 1), A()));
    add(new Uint8Array([0, 9, 1, 0, 0]));
    add(bytes(hdr(31, 0x8180, 1, 1, 0, 0), question("a.com", 1), rr(ptr(14), 5, 1, 60, ptr(0x30))));
    add(bytes(hdr(32, 0x8180, 1, 1, 0, 0), question("a.com", 1), rr(at, 1, 1, 60, [1, 2, 3])));
    add(
      bytes(hdr(33, 0x8180, 1, 1, 0, 0), question("a.com", 1), rr(at, 16, 1, 60, [5, 0x61, 0x62])),
    );
    add(
      bytes(hdr(34, 0x8180, 1, 1, 0, 0), question("a.com", 1), rr(at, 1, 1, 60, A4).slice(0, -2)),
    );
    add(
      bytes(hdr(35, 0x8180, 1, 1, 0, 0), question("a.com", 1), rr(at, 1, 1, 60, A4).slice(0, -9)),
    );
    add(bytes(hdr(36, 0x8180, 1, 2, 0, 0), question("a.com", 1), [5, 0x61, 0x62]));
    add(bytes(hdr(37, 0x8180, 1, 1, 0, 0), question("a.com", 1), A(), [0x6a, 0x75, 0x6e, 0x6b]));
    add(bytes(hdr(38, 0x0100, 1, 0, 0, 0), [0x41, 8, 0xaa, 0], be16(1), be16(1)));
    add(bytes(hdr(39, 0x0100, 1, 0, 0, 0), [0x42, 8, 0xaa, 0], be16(1), be16(1)));
    add(bytes(hdr(40, 0x0100, 1, 0, 0, 0), [0x81, 0x61, 0], be16(1), be16(1)));
    add(bytes(hdr(41, 0x0100, 1, 0, 0, 0), ptr(12), be16(1), be16(1)));
    add(
      bytes(hdr(42, 0x0100, 2, 0, 0, 0), question("a.com", 1), question([1, 0x62, ...ptr(12)], 1)),
    );
    add(
      bytes(
        hdr(43, 0x0100, 1, 0, 0, 0),
        question(new Array(100).fill([2, 0x61, 0x62]).flat().concat([0]), 1),
      ),
    );
    add(bytes(hdr(44, 0x0100, 1, 0, 0, 0), question([3, 0x61, 0x0a, 0xe9, 0], 1)));
    // snaplen cuts: message of 39 bytes captured to 30 / 20 / 8
    const full = bytes(hdr(50, 0x8180, 1, 1, 0, 0), question("a.com", 1), A());
    add(full, 53, 40000, 30);
    add(full, 53, 40000, 20);
    add(full, 53, 40000, 8);
    // mDNS
    add(
      bytes(hdr(0, 0, 2, 0, 0, 0), question("x.local", 12, 0x8001), question("y.local", 255, 1)),
      5353,
      5353,
    );
    add(
      bytes(
        hdr(0, 0x8400, 0, 3, 0, 0),
        rr("x.local", 12, 0x8001, 120, nameBytes("h.local")),
        rr("h.local", 1, 0x8001, 120, A4),
        rr("h.local", 41, 0x8004, 120, []),
      ),
      5353,
      5353,
    );
    add(bytes(hdr(0, 0x8400, 0, 1, 0, 0), rr("x.local", 16, 0x8003, 120, [1, 0x61])), 40000, 5353);

    const path = await Deno.makeTempFile({ suffix: ".pcap" });
    try {
      await Deno.writeFile(path, pcapOf(msgs));
      const out = await run("tcpdump", ["-n", "-#", "-r", path]);
      const lines = new Map<number, string>();
      for (const line of out.split("\n")) {
        const m = /^\s*(\d+)\s+\S+ IP \S+ > \S+: (.*)$/.exec(line);
        if (m) lines.set(Number(m[1]), m[2]);
      }
      assert.equal(lines.size, msgs.length);
      const info = new DnsInfo();
      msgs.forEach(({ msg, sport, dport, cap }, i) => {
        const n = cap ?? msg.length;
        decodeDns(msg, 0, n, info, msg.length, sport === 5353 || dport === 5353);
        assert.equal(formatDnsSummary(msg, info), lines.get(i + 1), `message ${i + 1}`);
      });
    } finally {
      await Deno.remove(path);
    }
  },
});

Deno.test("dns: snaplen-cut UDP payload is TRUNCATED, same bytes complete are MALFORMED", () => {
  const full = bytes(
    hdr(50, 0x8180, 1, 2, 0, 0),
    question("a.com", 1),
    rr(ptr(12), 1, 1, 60, A4),
    rr(ptr(12), 1, 1, 60, A4),
  );
  const cut = full.slice(0, full.length - 3);
  const info = new DnsInfo();
  assert.equal(decodeDns(cut, 0, cut.length, info, full.length), DNS_TRUNCATED);
  assert.equal(info.anParsed, 1);
  assert.equal(info.rrCount, 1);
  assert.equal(info.wireLen, full.length);
  assert.equal(formatDnsSummary(cut, info), "50 2/0/0 A 93.184.216.34, A [|domain]");
  assert.equal(decodeDns(cut, 0, cut.length, info), DNS_MALFORMED);
  assert.equal(info.anParsed, 1);
  assert.equal(decodeDns(full, 0, full.length, info), DNS_OK);
  // a reused record is fully reset by the next decode
  decodeDns(new Uint8Array(3), 0, 3, info);
  assert.equal(info.rrCount, 0);
  assert.equal(info.anParsed, 0);
  assert.equal(info.id, 0);
});

Deno.test("dns: a reused DnsInfo always describes the last message decoded into it", () => {
  // The per-record arrays are filled from the message bytes when first read:
  // decoding another message (in another buffer) must replace them, whether
  // or not they were read in between, and must leave nothing of a longer one.
  const messages = [
    REAL_17,
    REAL_A5,
    REAL_NX,
    REAL_MDNS,
    bytes(hdr(7, 0x0100, 1, 0, 0, 0), question("x.org", 1)),
  ];
  const want = messages.map((m) => {
    const fresh = new DnsInfo();
    decodeDns(m, 0, m.length, fresh, m.length, m === REAL_MDNS);
    return snapshot(fresh);
  });
  const reused = new DnsInfo();
  const rand = prng(5);
  for (let n = 0; n < 60; n++) {
    const k = Math.floor(rand() * messages.length);
    const m = messages[k]!;
    // Each decode from a copy in a buffer of its own, at an odd offset.
    const buf = new Uint8Array(m.length + 40).fill(0xcc);
    buf.set(m, 17);
    decodeDns(buf, 17, m.length, reused, m.length, m === REAL_MDNS);
    if (rand() < 0.5) continue; // not read: the next decode must still win
    assert.deepEqual(snapshot(reused), want[k], `message ${k}, step ${n}`);
    // Overwriting the bytes after reading changes nothing already read.
    const before = [...reused.rrType.subarray(0, reused.rrCount)];
    buf.fill(0);
    assert.deepEqual([...reused.rrType.subarray(0, reused.rrCount)], before);
  }
  reused.reset();
  assert.equal(reused.rrCount, 0);
  assert.equal(reused.qr, 0);
});

Deno.test("dns: records beyond DNS_MAX_RRS are walked and counted but not kept", () => {
  const n = DNS_MAX_RRS + 8;
  const m = bytes(
    hdr(9, 0x8180, 1, n, 0, 1),
    question("a.com", 1),
    ...new Array(n).fill(rr(ptr(12), 1, 1, 5, A4)),
    rr(".", 41, 1400, 0, []),
  );
  const { st, info } = decodeBoth(m);
  assert.equal(st, DNS_OK);
  assert.equal(info.anParsed, n);
  assert.equal(info.arParsed, 1);
  assert.equal(info.rrCount, DNS_MAX_RRS);
  assert.equal(info.anKept, DNS_MAX_RRS);
  assert.equal(info.ednsUdpSize, 1400); // OPT beyond the kept ones still read
  assert.equal(info.rrSection[DNS_MAX_RRS - 1], DNS_SECTION_ANSWER);
  assert.equal(info.endOff, m.length);
  const j = dnsToJson(m, info) as { answers: unknown[]; additional: unknown[] };
  assert.equal(j.answers.length, DNS_MAX_RRS);
  assert.equal(j.additional.length, 0);
  // questions beyond DNS_MAX_QUESTIONS likewise
  const qs = bytes(hdr(9, 0, 6, 0, 0, 0), ...new Array(6).fill(question("q.com", 1)));
  const r = decodeBoth(qs);
  assert.equal(r.st, DNS_OK);
  assert.equal(r.info.qParsed, 6);
  assert.equal((dnsToJson(qs, r.info).questions as unknown[]).length, DNS_MAX_QUESTIONS);
});

Deno.test("dns: a length past the buffer end is clamped to the buffer", () => {
  const a = new DnsInfo();
  const b = new DnsInfo();
  assert.equal(decodeDns(REAL_A5, 0, REAL_A5.length + 100, a), DNS_OK);
  assert.equal(a.msgLen, REAL_A5.length);
  assert.equal(a.wireLen, REAL_A5.length + 100); // the caller's length counts as on the wire
  decodeDns(REAL_A5, 0, REAL_A5.length, b, REAL_A5.length + 100);
  assert.deepEqual(snapshot(a), snapshot(b));
  assert.equal(decodeDns(REAL_A5, 5, -3, a), DNS_MALFORMED);
  assert.equal(a.msgLen, 0);
  assert.equal(decodeDns(REAL_A5, -1, 10, a), DNS_MALFORMED);
});
