/**
 * Record reuse: decoding packet B into a record that last held packet A
 * must give exactly what decoding B into a fresh record gives, for every
 * ordered pair (A, B) of a diverse set of frames: one of each kind found in
 * the fixtures (link type, layers, status, VLAN/MPLS, IPv4 options, IPv6
 * extension headers, fragments, TCP options, ICMP, ARP, DNS over UDP and
 * TCP, TLS, ...) and hand-built frames for the cases the fixtures lack.
 * Frames cut at every offset (snaplen) and with every short wire length are
 * decoded after each of a set of frames that fill the most fields.
 *
 * "What a reader sees" is checked three ways: every scalar of the record
 * and of its DNS and TLS parts with the used part of every array (the lazy
 * DNS record arrays included), the `--json` object, and the one-line
 * summary. Each pair is checked with decodeFrame (flat path and record
 * reuse), with decodeFrameLayered (full reset), and with A's DNS records
 * read or not read before B is decoded (they are filled lazily).
 */

import assert from "node:assert/strict";
import { CaptureFileReader, NEXT_FRAME } from "../capture/capture_file_reader.ts";
import { Frame, LINKTYPE_ETHERNET } from "../capture/frame.ts";
import { packetToJson } from "../display/packet_json.ts";
import { formatPacketLine } from "../display/packet_line.ts";
import {
  cat,
  ethernet,
  frameOf,
  ipv4,
  ipv6,
  ipv6Ext,
  ipv6Frag,
  SYN_FRAME,
  tcp,
  u16,
  u32,
  udp,
  vlanTag,
} from "./_test_frames.ts";
import { decodeFrame, decodeFrameLayered } from "./decode.ts";
import {
  decodeDns,
  DNS_SECTION_ADDITIONAL,
  DNS_SECTION_ANSWER,
  DNS_SECTION_AUTHORITY,
  DnsInfo,
} from "./dns.ts";
import { L_DNS, PacketRecord } from "./packet.ts";
import { recordState, sameRecordState } from "./_test_record_state.ts";

const FIXTURES = new URL("../../tests/fixtures/", import.meta.url);

// ---------------------------------------------------------------------------
// what a reader of the record sees
// ---------------------------------------------------------------------------

/** The record as the tool shows it: `--json` and the summary line. */
function shown(rec: PacketRecord): string {
  return JSON.stringify(packetToJson(rec)) + "\n" + formatPacketLine(rec);
}

/** What a fresh record holds after decoding `f` (both decoders must agree). */
interface Want {
  state: unknown[];
  shown: string;
}

function wantOf(f: Frame, where: string): Want {
  const a = new PacketRecord();
  decodeFrameLayered(f, a);
  const b = new PacketRecord();
  decodeFrame(f, b);
  const want = { state: recordState(a), shown: shown(a) };
  if (!sameRecordState(recordState(b), want.state)) {
    assert.deepEqual(
      recordState(b),
      want.state,
      `${where}: decodeFrame != layered on a fresh record`,
    );
  }
  assert.equal(shown(b), want.shown, where);
  return want;
}

// ---------------------------------------------------------------------------
// frames
// ---------------------------------------------------------------------------

/** A copy of `f` in a buffer of its own. */
function copyFrame(f: Frame, capLen = f.capLen, wireLen = f.wireLen): Frame {
  const c = frameOf(f.buf.slice(f.offset, f.offset + capLen), {
    linkType: f.linkType,
    wireLen,
  });
  c.number = f.number;
  c.tsSec = f.tsSec;
  c.tsNsec = f.tsNsec;
  return c;
}

/** What kind of packet `rec` is: frames of one kind fill the same fields. */
function kindOf(rec: PacketRecord): string {
  const d = rec.dns, t = rec.tls;
  return [
    rec.frame.linkType,
    rec.topLayer,
    rec.net,
    rec.app,
    rec.status,
    rec.statusLayer,
    rec.reason,
    Math.min(rec.vlanCount, 3),
    rec.mplsCount > 0,
    rec.netHdrLen,
    rec.ipv6ExtCount,
    rec.isFragment,
    rec.fragOffset > 0,
    rec.ipChecksumOk,
    rec.tcpHdrLen,
    rec.tcpSackCount,
    rec.tcpHasTs,
    rec.icmpType,
    rec.icmpId >= 0,
    rec.arpSpa >= 0,
    rec.payloadLen > 0,
    d.status,
    d.qParsed,
    Math.min(d.rrCount, 4),
    d.ednsOff >= 0,
    t.status,
    t.sniOff >= 0,
  ].join(",");
}

/** One frame of each kind in each fixture, at most `perFile` per file. */
function fixtureKinds(perFile: number): Frame[] {
  const out: Frame[] = [];
  const seen = new Set<string>();
  const names = [...Deno.readDirSync(FIXTURES)].map((e) => e.name).filter((n) =>
    n.endsWith(".pcap") || n.endsWith(".pcapng")
  ).sort();
  const rec = new PacketRecord();
  for (const name of names) {
    let r: CaptureFileReader;
    try {
      r = CaptureFileReader.fromBytes(Deno.readFileSync(new URL(name, FIXTURES)));
    } catch {
      continue; // a fixture of a broken file header
    }
    const f = new Frame();
    let taken = 0;
    while (taken < perFile && r.next(f) === NEXT_FRAME) {
      decodeFrameLayered(f, rec);
      const k = kindOf(rec);
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(copyFrame(f));
      taken++;
    }
  }
  return out;
}

const ETH_V4 = ethernet(0x0800);
const ETH_V6 = ethernet(0x86dd);

function icmpEcho(type: number): number[] {
  return [type, 0, 0x12, 0x34, ...u16(0x4242), ...u16(7), 1, 2, 3, 4];
}

/**
 * A DNS message: one question for a.example, `answers` A records pointing at
 * it, and with `edns` an OPT record (RFC 6891 §6.1.2: payload size 1232,
 * extended RCODE 1, version 1, DO set).
 */
function dnsMessage(answers: number, flags = 0x8180, edns = false): number[] {
  const q = [1, 0x61, 7, ...[..."example"].map((c) => c.charCodeAt(0)), 0, 0, 1, 0, 1];
  const ar = edns ? 1 : 0;
  const out = [...u16(0x1234), ...u16(flags), ...u16(1), ...u16(answers), 0, 0, ...u16(ar), ...q];
  for (let i = 0; i < answers; i++) {
    out.push(0xc0, 12, 0, 1, 0, 1, ...u32(300 + i), 0, 4, 10, 0, 0, i);
  }
  if (edns) out.push(0, 0, 41, ...u16(1232), 1, 1, 0x80, 0, 0, 0);
  return out;
}

/** A TLS record carrying a minimal ClientHello with an SNI extension. */
function clientHello(host: string): number[] {
  const name = [...host].map((c) => c.charCodeAt(0));
  const sni = [
    0,
    0,
    ...u16(name.length + 5),
    ...u16(name.length + 3),
    0,
    ...u16(name.length),
    ...name,
  ];
  const body = [
    3,
    3,
    ...new Array(32).fill(7), // random
    0, // session id
    ...u16(4),
    0x13,
    0x01,
    0xc0,
    0x2f, // cipher suites
    1,
    0, // compression
    ...u16(sni.length),
    ...sni,
  ];
  const hs = [1, 0, ...u16(body.length), ...body];
  return [22, 3, 1, ...u16(hs.length), ...hs];
}

function v4(proto: number, l4: ArrayLike<number>, extra: Partial<Parameters<typeof ipv4>[0]> = {}) {
  return cat(ETH_V4, ipv4({ proto, payloadLen: l4.length, ...extra }), l4);
}

function tcpWith(payload: number[], f: Parameters<typeof tcp>[0] = {}): Uint8Array {
  return cat(tcp({ flags: 0x18, ...f }), payload);
}

/** Hand-built frames for what the fixtures may lack. */
function builtFrames(): [string, Frame][] {
  const dnsQ = dnsMessage(0, 0x0100);
  const dnsR = dnsMessage(3);
  const dnsE = dnsMessage(2, 0x8183, true);
  const ch = clientHello("reuse.example");
  const opts = [2, 4, 5, 0xb4, 1, 3, 3, 7, 4, 2, 8, 10, ...u32(11), ...u32(22), 1, 1, 5, 18];
  const sack = [...u32(100), ...u32(200), ...u32(300), ...u32(400)];
  const tcpOpts = tcp({ flags: 0x10, options: [...opts, ...sack] });
  const quoted = [...ipv4({ proto: 6, payloadLen: 20 }), ...tcp({}).subarray(0, 8)];
  const arp = [
    0,
    1,
    8,
    0,
    6,
    4,
    0,
    1,
    ...new Array(6).fill(0xaa),
    10,
    0,
    0,
    1,
    ...new Array(6)
      .fill(0),
    10,
    0,
    0,
    2,
  ];
  const list: [string, Uint8Array, { capLen?: number; wireLen?: number; linkType?: number }?][] = [
    ["IPv4/TCP", v4(6, tcp({}))],
    ["IPv4/TCP SYN options", SYN_FRAME],
    ["IPv4/TCP options + SACK", v4(6, tcpOpts)],
    ["IPv4/TCP options cut", v4(6, tcpOpts), { capLen: 14 + 20 + 20 + 7 }],
    ["IPv4/TCP bad option", v4(6, tcp({ options: [2, 1, 0, 0] }))],
    ["IPv4/TCP data offset 3", v4(6, tcp({ dataOffset: 3 }))],
    ["IPv4/TCP data offset past IP", v4(6, tcp({ dataOffset: 15 }))],
    ["IPv4/TCP payload", v4(6, tcpWith([1, 2, 3, 4, 5, 6, 7, 8]))],
    [
      "IPv4 options/TCP",
      cat(ETH_V4, ipv4({ proto: 6, payloadLen: 20, options: [1, 1, 1, 0] }), tcp({})),
    ],
    [
      "IPv4 options/UDP",
      cat(ETH_V4, ipv4({ proto: 17, payloadLen: 12, options: [7, 3, 4, 0] }), udp(1, 2, 4), [
        9,
        9,
        9,
        9,
      ]),
    ],
    ["IPv4 IHL 4", cat(ETH_V4, ipv4({ proto: 6, payloadLen: 20, ihl: 4 }), tcp({}))],
    ["IPv4 IHL 15 cut", cat(ETH_V4, ipv4({ proto: 6, payloadLen: 20, ihl: 15 }), tcp({}))],
    ["IPv4 total < header", v4(6, tcp({}), { totalLen: 12 })],
    ["IPv4 total > wire", v4(6, tcp({}), { totalLen: 400 })],
    ["IPv4 total 0 (TSO)", v4(6, tcp({}), { totalLen: 0 })],
    ["IPv4 bad checksum", v4(17, udp(5, 6, 0), { checksum: 0x1111 })],
    [
      "IPv4 version 5",
      cat(ETH_V4, [0x55], ipv4({ proto: 6, payloadLen: 20 }).subarray(1), tcp({})),
    ],
    ["IPv4 MF first fragment UDP", v4(17, cat(udp(5, 53, 100), [1, 2, 3, 4]), { flags: 1, id: 9 })],
    ["IPv4 non-initial fragment", v4(17, [1, 2, 3, 4, 5, 6, 7, 8], { fragUnits: 3, id: 9 })],
    ["IPv4 DF + reserved bit", v4(6, tcp({}), { flags: 6 })],
    ["IPv4 other protocol", v4(47, [0, 0, 8, 0])],
    ["ICMP echo", v4(1, icmpEcho(8))],
    ["ICMP unreachable quoting IPv4/TCP", v4(1, [3, 3, 0, 0, 0, 0, 0, 0, ...quoted])],
    ["ICMP 2 bytes", v4(1, [8, 0])],
    ["ICMPv6 in IPv4", v4(58, icmpEcho(128))],
    ["UDP zero payload", v4(17, udp(1000, 2000, 0))],
    ["UDP length 0 IPv4", v4(17, udp(1000, 2000, 0, 0))],
    ["UDP length 5", v4(17, udp(1000, 2000, 0, 5))],
    ["UDP length > IP", v4(17, cat(udp(1000, 2000, 4, 200), [1, 2, 3, 4]))],
    ["UDP 6 bytes", v4(17, [0, 1, 0, 2, 0, 9])],
    ["UDP/DNS query", v4(17, cat(udp(40000, 53, dnsQ.length), dnsQ))],
    ["UDP/DNS response", v4(17, cat(udp(53, 40000, dnsR.length), dnsR))],
    ["UDP/DNS EDNS", v4(17, cat(udp(53, 40000, dnsE.length), dnsE))],
    ["UDP/mDNS", v4(17, cat(udp(5353, 5353, dnsR.length), dnsR))],
    ["UDP/DNS short", v4(17, cat(udp(53, 40000, 6), [1, 2, 3, 4, 5, 6]))],
    ["UDP/DNS malformed", v4(17, cat(udp(53, 40000, 14), [...dnsQ.slice(0, 12), 0xc0, 0x20]))],
    ["UDP/DNS cut", v4(17, cat(udp(53, 40000, dnsR.length), dnsR)), { capLen: 14 + 20 + 8 + 40 }],
    ["TCP/DNS", v4(6, tcpWith([...u16(dnsR.length), ...dnsR], { sport: 53, dport: 40001 }))],
    ["TCP/DNS bad prefix", v4(6, tcpWith([...u16(900), ...dnsR], { sport: 53, dport: 40001 }))],
    ["TCP/TLS ClientHello", v4(6, tcpWith(ch, { dport: 443 }))],
    ["TCP/TLS ClientHello cut", v4(6, tcpWith(ch, { dport: 443 })), { capLen: 14 + 20 + 20 + 30 }],
    ["TCP/TLS-looking junk", v4(6, tcpWith([22, 3, 1, 0, 4, 1, 0, 0, 0], { dport: 443 }))],
    [
      "IPv6/TCP",
      cat(
        ETH_V6,
        ipv6({ next: 6, payloadLen: 20, flowLabel: 0x12345, trafficClass: 0xb8 }),
        tcp({}),
      ),
    ],
    [
      "IPv6/UDP length 0",
      cat(ETH_V6, ipv6({ next: 17, payloadLen: 12 }), udp(7, 8, 4, 0), [1, 2, 3, 4]),
    ],
    ["IPv6 payload length 0", cat(ETH_V6, ipv6({ next: 6, payloadLen: 0 }), tcp({}))],
    ["IPv6 payload > wire", cat(ETH_V6, ipv6({ next: 6, payloadLen: 300 }), tcp({}))],
    [
      "IPv6 HBH+DstOpts/TCP",
      cat(ETH_V6, ipv6({ next: 0, payloadLen: 16 + 20 }), ipv6Ext(60), ipv6Ext(6), tcp({})),
    ],
    [
      "IPv6 first fragment/UDP",
      cat(
        ETH_V6,
        ipv6({ next: 44, payloadLen: 8 + 12 }),
        ipv6Frag(17, 0, true, 77),
        udp(1, 2, 40),
        [1, 2, 3, 4],
      ),
    ],
    [
      "IPv6 non-initial fragment",
      cat(
        ETH_V6,
        ipv6({ next: 44, payloadLen: 16 }),
        ipv6Frag(17, 5, false, 78),
        new Array(8).fill(3),
      ),
    ],
    [
      "IPv6 atomic fragment/TCP",
      cat(ETH_V6, ipv6({ next: 44, payloadLen: 28 }), ipv6Frag(6, 0, false, 79), tcp({})),
    ],
    ["IPv6 ext past payload", cat(ETH_V6, ipv6({ next: 0, payloadLen: 4 }), ipv6Ext(6))],
    ["IPv6 ICMPv6 echo", cat(ETH_V6, ipv6({ next: 58, payloadLen: 12 }), icmpEcho(129))],
    [
      "IPv6 ICMPv6 NS",
      cat(
        ETH_V6,
        ipv6({ next: 58, payloadLen: 24 }),
        [135, 0, 0, 0, 0, 0, 0, 0],
        new Array(16).fill(0xfe),
      ),
    ],
    ["IPv6 version 4", cat(ETH_V6, [0x40], ipv6({ next: 6, payloadLen: 20 }).subarray(1), tcp({}))],
    [
      "IPv6 DNS",
      cat(ETH_V6, ipv6({ next: 17, payloadLen: 8 + dnsR.length }), udp(53, 9, dnsR.length), dnsR),
    ],
    [
      "802.1Q IPv4/TCP",
      cat(ethernet(0x8100), vlanTag(3, 100, 0x0800), ipv4({ proto: 6, payloadLen: 20 }), tcp({})),
    ],
    [
      "802.1Q IPv6/UDP",
      cat(
        ethernet(0x8100),
        vlanTag(1, 200, 0x86dd),
        ipv6({ next: 17, payloadLen: 8 }),
        udp(1, 2, 0),
      ),
    ],
    [
      "QinQ 88a8/8100",
      cat(
        ethernet(0x88a8),
        vlanTag(5, 10, 0x8100),
        vlanTag(6, 20, 0x0800),
        ipv4({ proto: 17, payloadLen: 8 }),
        udp(3, 4, 0),
      ),
    ],
    [
      "8100/8100/9100 stack",
      cat(
        ethernet(0x8100),
        vlanTag(1, 1, 0x8100),
        vlanTag(2, 2, 0x9100),
        vlanTag(3, 3, 0x86dd),
        ipv6({ next: 6, payloadLen: 20 }),
        tcp({}),
      ),
    ],
    ["802.1Q cut in tag", cat(ethernet(0x8100), [0, 5])],
    ["802.1Q ARP", cat(ethernet(0x8100), vlanTag(0, 9, 0x0806), arp)],
    ["ARP", cat(ethernet(0x0806), arp)],
    ["RARP", cat(ethernet(0x8035), arp)],
    ["ARP cut", cat(ethernet(0x0806), arp.slice(0, 12))],
    ["ARP 6 bytes", cat(ethernet(0x0806), arp.slice(0, 6))],
    [
      "MPLS/IPv4/UDP",
      cat(
        ethernet(0x8847),
        u32((1234 << 12) | 0x100 | 64),
        ipv4({ proto: 17, payloadLen: 8 }),
        udp(5, 6, 0),
      ),
    ],
    ["LLDP", cat(ethernet(0x88cc), [2, 7, 4, 1, 2, 3, 4, 5, 6])],
    ["802.3 length", cat(ethernet(0x0026), [0x42, 0x42, 3, 0, 0])],
    ["Ethernet 10 bytes", ethernet(0x0800).subarray(0, 10)],
    ["Ethernet only", ethernet(0x0800)],
    ["raw IPv4/TCP", cat(ipv4({ proto: 6, payloadLen: 20 }), tcp({})), { linkType: 101 }],
    ["unsupported link type", cat(ipv4({ proto: 6, payloadLen: 20 }), tcp({})), { linkType: 4242 }],
  ];
  return list.map(([name, bytes, o]) => {
    const f = frameOf(bytes, { linkType: LINKTYPE_ETHERNET, ...o });
    f.number = 1;
    return [name, f];
  });
}

// ---------------------------------------------------------------------------
// the checks
// ---------------------------------------------------------------------------

interface Case {
  name: string;
  frame: Frame;
  want: Want;
}

/**
 * `f` with its buffer moved into a larger one, as a view that does not
 * start at byte 0 of its ArrayBuffer (the decoders' DataViews must honour
 * `byteOffset`); the offsets in the buffer are unchanged.
 */
function inSubarray(f: Frame): Frame {
  const big = new Uint8Array(f.buf.length + 2 * 13).fill(0x5a);
  big.set(f.buf, 13);
  const c = copyFrame(f);
  c.buf = big.subarray(13, 13 + f.buf.length);
  c.offset = f.offset;
  return c;
}

/** The expected record comes from `frame`; the pairs decode it from a subarray copy. */
function caseOf(name: string, frame: Frame): Case {
  return { name, frame: inSubarray(frame), want: wantOf(frame, name) };
}

/**
 * Decodes each of `before` then each of `after` into one record and checks
 * the record against the fresh-record result, with decodeFrame and with
 * decodeFrameLayered; `shownToo` also compares the rendered record.
 */
function checkPairs(before: Case[], after: Case[], shownToo: boolean): number {
  const rec = new PacketRecord();
  let n = 0;
  for (let i = 0; i < before.length; i++) {
    const a = before[i]!;
    for (let j = 0; j < after.length; j++) {
      const b = after[j]!;
      for (let mode = 0; mode < 3; mode++) {
        // 0: decodeFrame twice, A's lazy DNS arrays never read;
        // 1: decodeFrame twice, A read in between;
        // 2: decodeFrame then decodeFrameLayered (reset()).
        decodeFrame(a.frame, rec);
        if (mode === 1) recordState(rec);
        if (mode === 2) decodeFrameLayered(b.frame, rec);
        else decodeFrame(b.frame, rec);
        const got = recordState(rec);
        const where = `${a.name} then ${b.name} (mode ${mode})`;
        if (!sameRecordState(got, b.want.state)) assert.deepEqual(got, b.want.state, where);
        if (shownToo && mode !== 1) assert.equal(shown(rec), b.want.shown, where);
        n++;
      }
    }
  }
  return n;
}

function diverseCases(): Case[] {
  const out: Case[] = [];
  for (const f of fixtureKinds(30)) {
    out.push(caseOf(`fixture frame ${f.number} (${kindOf(wantRec(f))})`, f));
  }
  for (const [name, f] of builtFrames()) out.push(caseOf(name, f));
  return out;
}

function wantRec(f: Frame): PacketRecord {
  const r = new PacketRecord();
  decodeFrameLayered(f, r);
  return r;
}

Deno.test("record reuse: every ordered pair of diverse frames", () => {
  const cases = diverseCases();
  assert.ok(cases.length > 150, `only ${cases.length} frames`);
  const n = checkPairs(cases, cases, false);
  assert.equal(n, cases.length * cases.length * 3);
});

Deno.test("record reuse: rendered output of every ordered pair of hand-built frames", () => {
  const cases = builtFrames().map(([name, f]) => caseOf(name, f));
  checkPairs(cases, cases, true);
});

Deno.test("record reuse: frames cut at every offset, after frames that fill many fields", () => {
  const built = new Map(builtFrames());
  const pick = (n: string) => caseOf(n, built.get(n)!);
  // The packets that leave the most behind.
  const polluters = [
    "IPv4/TCP options + SACK",
    "UDP/DNS response",
    "UDP/DNS EDNS",
    "TCP/DNS",
    "TCP/TLS ClientHello",
    "ARP",
    "ICMP echo",
    "IPv6 ICMPv6 NS",
    "8100/8100/9100 stack",
    "MPLS/IPv4/UDP",
    "IPv6 first fragment/UDP",
    "IPv4 options/UDP",
    "raw IPv4/TCP",
  ].map(pick);
  const sources = [
    "IPv4/TCP SYN options",
    "IPv4/TCP options + SACK",
    "UDP/DNS response",
    "TCP/DNS",
    "TCP/TLS ClientHello",
    "802.1Q IPv4/TCP",
    "802.1Q IPv6/UDP",
    "IPv6 HBH+DstOpts/TCP",
    "IPv6 first fragment/UDP",
    "IPv4 options/UDP",
    "ICMP unreachable quoting IPv4/TCP",
    "QinQ 88a8/8100",
    "MPLS/IPv4/UDP",
    "802.1Q ARP",
  ].map((n) => [n, built.get(n)!] as const);
  const cut: Case[] = [];
  for (const [name, f] of sources) {
    for (let len = 0; len <= f.capLen; len++) {
      // A snaplen cut (the wire length stays), and a wire length as short
      // as the capture (a lying IP length).
      cut.push(caseOf(`${name} cut at ${len}`, copyFrame(f, len, f.wireLen)));
      cut.push(caseOf(`${name} cut at ${len}, wire ${len}`, copyFrame(f, len, len)));
    }
  }
  checkPairs(polluters, cut, false);
  // And each cut frame before each polluter.
  checkPairs(cut, polluters, false);
});

// ---------------------------------------------------------------------------
// the lazily filled DNS record arrays
// ---------------------------------------------------------------------------

/** The kept records' lazily filled fields, as read now. */
function records(d: DnsInfo): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < d.rrCount; i++) {
    out.push([
      d.rrSection[i]!,
      d.rrNameOff[i]!,
      d.rrType[i]!,
      d.rrClass[i]!,
      d.rrTtl[i]!,
      d.rrRdataOff[i]!,
      d.rrRdataLen[i]!,
    ]);
  }
  return out;
}

/**
 * The kept records as a plain walk of the message finds them: each starts
 * where the previous one's RDATA ends (the first where the decoder says),
 * its owner name ends at a root byte or a pointer, and the section follows
 * from the parsed counts. Only valid for records the decoder accepted.
 */
function recordsByWalk(b: Uint8Array, d: DnsInfo): number[][] {
  const out: number[][] = [];
  let p = d.rrCount > 0 ? d.rrNameOff[0]! : -1;
  for (let i = 0; i < d.rrCount; i++) {
    const name = p;
    for (;;) {
      const l = b[p]!;
      if (l === 0) {
        p += 1;
        break;
      }
      if (l >= 0xc0) {
        p += 2;
        break;
      }
      p += l + 1;
    }
    const section = i < d.anParsed
      ? DNS_SECTION_ANSWER
      : i < d.anParsed + d.nsParsed
      ? DNS_SECTION_AUTHORITY
      : DNS_SECTION_ADDITIONAL;
    const rdLen = (b[p + 8]! << 8) | b[p + 9]!;
    const ttl = ((b[p + 4]! << 24) | (b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!) >>> 0;
    out.push([
      section,
      name,
      (b[p]! << 8) | b[p + 1]!,
      (b[p + 2]! << 8) | b[p + 3]!,
      ttl,
      p + 10,
      rdLen,
    ]);
    p += 10 + rdLen;
  }
  return out;
}

/** DNS messages: every one in the fixtures, and compression-pointer attacks. */
function dnsMessages(): [Uint8Array, number, boolean][] {
  const out: [Uint8Array, number, boolean][] = [];
  const rec = new PacketRecord();
  const names = [...Deno.readDirSync(FIXTURES)].map((e) => e.name).filter((n) =>
    n.endsWith(".pcap") || n.endsWith(".pcapng")
  ).sort();
  for (const name of names) {
    let r: CaptureFileReader;
    try {
      r = CaptureFileReader.fromBytes(Deno.readFileSync(new URL(name, FIXTURES)));
    } catch {
      continue;
    }
    const f = new Frame();
    while (r.next(f) === NEXT_FRAME) {
      decodeFrame(f, rec);
      if (rec.app !== L_DNS) continue;
      const d = rec.dns;
      out.push([rec.buf.slice(d.msgOff, d.msgOff + d.msgLen), d.wireLen, d.mdns]);
    }
  }
  const ans = dnsMessage(4);
  // Answer owner names: 4 records of 16 bytes each from offset 27.
  const at = (k: number) => 27 + 16 * k;
  const withName = (k: number, name: number[]) => {
    const m = [...ans];
    m.splice(at(k), 2, ...name);
    return m;
  };
  const attacks: number[][] = [
    withName(0, [0xc0, at(0)]), // a pointer to itself
    withName(1, [0xc0, at(1) + 1]), // a forward pointer
    withName(2, [1, 0x62, 0xc0, at(2)]), // a label then a pointer back to it
    withName(1, [0xc0, at(0) + 10]), // a pointer into the middle of a record
    withName(3, [0x80, 0]), // a reserved label type
    withName(3, [0xc0, 12]), // a valid pointer to the question name
  ];
  // A pointer chain: each answer's name points at the previous answer's,
  // the first at the question (the memoised-suffix path), then a name of
  // long labels ending in a pointer to the question name: 248 bytes in all
  // (valid) or, with one more label, 259 (over the 255-byte limit).
  for (const labels of [[61, 61, 61, 50], [61, 61, 61, 61]]) {
    const chain = [...dnsMessage(0)];
    chain[7] = 5;
    let prev = 12;
    for (let k = 0; k < 4; k++) {
      const here = chain.length;
      chain.push(0xc0 | (prev >> 8), prev & 0xff, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, k);
      prev = here;
    }
    for (const l of labels) chain.push(l, ...new Array(l).fill(0x6c));
    chain.push(0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 9);
    attacks.push(chain);
  }
  for (const m of attacks) out.push([new Uint8Array(m), m.length, false]);
  // Each fixture message with a few names turned into pointers to random
  // earlier places (loops, pointers into labels and RDATA), seeded.
  let seed = 1;
  const rand = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  for (const [m, wireLen, mdns] of out.slice(0, out.length - attacks.length)) {
    for (let k = 0; k < 3 && m.length > 14; k++) {
      const c = m.slice();
      for (let j = 0; j < 2; j++) {
        const at = 12 + rand(c.length - 13);
        const to = rand(at + 1);
        c[at] = 0xc0 | (to >> 8);
        c[at + 1] = to & 0xff;
      }
      out.push([c, wireLen, mdns]);
    }
  }
  return out;
}

Deno.test("record reuse: the lazy DNS record fields do not depend on when they are read", () => {
  const msgs = dnsMessages();
  assert.ok(msgs.length > 300, `only ${msgs.length} DNS messages`);
  const reused = new DnsInfo();
  const other = new DnsInfo();
  let kept = 0;
  for (let i = 0; i < msgs.length; i++) {
    const [m, wireLen, mdns] = msgs[i]!;
    const where = `message ${i} (${m.length} bytes)`;
    // In a fresh DnsInfo, read at once.
    const fresh = new DnsInfo();
    decodeDns(m, 0, m.length, fresh, wireLen, mdns);
    const want = records(fresh);
    assert.deepEqual(want, recordsByWalk(m, fresh), where);
    kept += want.length;
    // In a reused one that held the previous message, read or not, and read
    // only after another message was decoded elsewhere (the name walker's
    // memo is shared); from a copy at another offset of another buffer.
    const buf = new Uint8Array(m.length + 40).fill(0xc0);
    buf.set(m, 21);
    const [pm, pw, pmd] = msgs[(i + msgs.length - 1) % msgs.length]!;
    decodeDns(pm, 0, pm.length, reused, pw, pmd);
    if (i % 2 === 0) records(reused);
    decodeDns(buf, 21, m.length, reused, wireLen, mdns);
    decodeDns(pm, 0, pm.length, other, pw, pmd);
    const got = records(reused).map((
      r,
    ) => [r[0]!, r[1]! - 21, ...r.slice(2, 5), r[5]! - 21, r[6]!]);
    assert.deepEqual(got, want, `${where}, reused`);
    assert.equal(reused.status, fresh.status, where);
  }
  assert.ok(kept > 1000, `only ${kept} records kept`);
});

Deno.test("record reuse: lazy DNS records are not read with another message's name memo", () => {
  // m1: question a.example at 12; one answer whose owner name is a 20-byte
  // label then a pointer to 12.
  const m1 = [...dnsMessage(0)];
  m1[7] = 1;
  m1.push(20, ...new Array(20).fill(0x78), 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 9, 0, 4, 1, 2, 3, 4);
  // m2: a 241-byte question name at 12, and an answer pointing at it: the
  // name walker's memo is left holding "the name at 12 is 241 bytes long",
  // with which m1's owner name would be 262 bytes, over the limit.
  const long: number[] = [];
  for (const l of [60, 60, 60, 56]) long.push(l, ...new Array(l).fill(0x79));
  const m2 = [...u16(7), ...u16(0x8180), 0, 1, 0, 1, 0, 0, 0, 0, ...long, 0, 0, 1, 0, 1];
  m2.push(0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 9, 0, 4, 5, 6, 7, 8);
  const a = new DnsInfo(), b = new DnsInfo();
  decodeDns(new Uint8Array(m1), 0, m1.length, a);
  assert.equal(a.rrCount, 1);
  decodeDns(new Uint8Array(m2), 0, m2.length, b);
  assert.equal(b.rrCount, 1);
  assert.deepEqual(records(a), [[DNS_SECTION_ANSWER, 27, 1, 1, 9, 27 + 23 + 10, 4]]);
});
