import assert from "node:assert/strict";
import {
  bytesAt,
  cat,
  decodeBytes,
  decodeFixture,
  ethernet,
  ip6,
  ipv6,
  ipv6Ext,
  ipv6Frag,
  tcp,
  u32,
  udp,
} from "./_test_frames.ts";
import { IPV6_HEADER_LEN } from "./ipv6.ts";
import {
  IPPROTO_DSTOPTS,
  IPPROTO_HOPOPTS,
  IPPROTO_IPV6_FRAG,
  IPPROTO_IPV6_ROUTE,
  IPPROTO_TCP,
  IPPROTO_UDP,
  L_IPV6,
  L_TCP,
  NET_IPV6,
  R_IPV6_EXT_SHORT,
  R_IPV6_SHORT,
  R_IPV6_TRUNC,
  R_IPV6_VERSION,
  ST_MALFORMED,
  ST_OK,
  ST_TRUNCATED,
} from "./packet.ts";

const ETH = ethernet(0x86dd);
const NET = 7 + 14; // offset of the IPv6 header in frames built by decodeBytes()

Deno.test("decodeIpv6() reads every field of a known header", () => {
  const bytes = cat(
    ETH,
    ipv6({
      next: IPPROTO_UDP,
      payloadLen: 12,
      trafficClass: 0xb8,
      flowLabel: 0x12345,
      hopLimit: 33,
      src: "2001:db8:0:1::10",
      dst: "fe80::1:2",
    }),
    udp(4000, 4001, 4),
    [1, 2, 3, 4],
  );
  const rec = decodeBytes(bytes);
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.net, NET_IPV6);
  assert.equal(rec.netOff, NET);
  assert.equal(rec.tos, 0xb8);
  assert.equal(rec.flowLabel, 0x12345);
  assert.equal(rec.ttl, 33);
  assert.equal(rec.ipTotalLen, 52);
  assert.equal(rec.ipProto, IPPROTO_UDP);
  assert.equal(rec.srcAddrOff, NET + 8);
  assert.equal(rec.dstAddrOff, NET + 24);
  assert.deepEqual(bytesAt(rec, rec.srcAddrOff, 16), ip6("2001:db8:0:1::10"));
  assert.deepEqual(bytesAt(rec, rec.dstAddrOff, 16), ip6("fe80::1:2"));
  assert.equal(rec.netHdrLen, 40);
  assert.equal(rec.ipv6ExtCount, 0);
  assert.equal(rec.isFragment, 0);
  assert.equal(rec.l4Off, NET + 40);
  assert.equal(rec.l4Len, 12);
  assert.equal(rec.l4CapLen, 12);
  assert.equal(rec.srcPort, 4000);
  assert.equal(rec.payloadLen, 4);
});

Deno.test("decodeIpv6() flags every prefix of the fixed header as truncated", () => {
  const bytes = cat(ETH, ipv6({ next: IPPROTO_TCP, payloadLen: 20 }), tcp({}));
  for (let len = 14; len < 14 + IPV6_HEADER_LEN; len++) {
    const rec = decodeBytes(bytes, { capLen: len });
    assert.equal(rec.status, ST_TRUNCATED, `capLen ${len}`);
    assert.equal(rec.statusLayer, L_IPV6, `capLen ${len}`);
    assert.equal(rec.reason, R_IPV6_SHORT, `capLen ${len}`);
    assert.equal(rec.srcAddrOff, -1, `capLen ${len}`);
    assert.equal(rec.l4Off, -1, `capLen ${len}`);
  }
  for (let len = 14 + IPV6_HEADER_LEN; len <= bytes.length; len++) {
    const rec = decodeBytes(bytes, { capLen: len });
    assert.notEqual(rec.statusLayer, L_IPV6, `capLen ${len}`);
    assert.equal(rec.l4CapLen, len - 54, `capLen ${len}`);
  }
});

Deno.test("decodeIpv6() walks Hop-by-Hop, Routing and Destination Options to TCP", () => {
  const chain = [
    ...ipv6Ext(IPPROTO_IPV6_ROUTE, [1, 4, 0, 0, 0, 0]), // HBH: PadN (8 bytes)
    ...ipv6Ext(IPPROTO_DSTOPTS, [0, 0, 0, 0, ...ip6("2001:db8::99")]), // Routing (24 bytes)
    ...ipv6Ext(IPPROTO_TCP, [1, 4, 0, 0, 0, 0]), // Destination Options (8 bytes)
  ];
  assert.equal(chain.length, 40);
  const bytes = cat(
    ETH,
    ipv6({ next: IPPROTO_HOPOPTS, payloadLen: 60 }),
    chain,
    tcp({ sport: 59694, dport: 80 }),
  );
  const rec = decodeBytes(bytes);
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.ipv6ExtCount, 3);
  assert.equal(rec.ipProto, IPPROTO_TCP);
  assert.equal(rec.netHdrLen, 80);
  assert.equal(rec.l4Off, NET + 80);
  assert.equal(rec.l4Len, 20);
  assert.equal(rec.srcPort, 59694);
  assert.equal(rec.topLayer, L_TCP);
});

Deno.test("decodeIpv6() skips an Authentication Header by its 4-octet length", () => {
  // AH (RFC 4302 §2.2): 12 fixed bytes + 12-byte ICV = 24 bytes, length field 24/4 - 2 = 4.
  const ah = [IPPROTO_UDP, 4, 0, 0, ...u32(0x100), ...u32(7), ...new Array(12).fill(0xaa)];
  const bytes = cat(ETH, ipv6({ next: 51, payloadLen: 24 + 8 }), ah, udp(500, 500, 0));
  const rec = decodeBytes(bytes);
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.ipProto, IPPROTO_UDP);
  assert.equal(rec.netHdrLen, 64);
  assert.equal(rec.srcPort, 500);
});

Deno.test("decodeIpv6() reads a Fragment header: first, non-initial and atomic fragments", () => {
  const first = decodeBytes(
    cat(
      ETH,
      ipv6({ next: IPPROTO_IPV6_FRAG, payloadLen: 8 + 8 + 16 }),
      ipv6Frag(IPPROTO_UDP, 0, true, 0xdeadbeef),
      udp(53, 40000, 1000),
      new Uint8Array(16),
    ),
  );
  assert.equal(first.status, ST_OK);
  assert.equal(first.isFragment, 1);
  assert.equal(first.moreFragments, 1);
  assert.equal(first.fragOffset, 0);
  assert.equal(first.ipId, 0xdeadbeef);
  assert.equal(first.ipProto, IPPROTO_UDP);
  assert.equal(first.srcPort, 53);

  const later = decodeBytes(
    cat(
      ETH,
      ipv6({ next: IPPROTO_IPV6_FRAG, payloadLen: 8 + 16 }),
      ipv6Frag(IPPROTO_UDP, 3, false, 0xdeadbeef),
      new Uint8Array(16),
    ),
  );
  assert.equal(later.status, ST_OK);
  assert.equal(later.isFragment, 1);
  assert.equal(later.moreFragments, 0);
  assert.equal(later.fragOffset, 24);
  assert.equal(later.ipProto, IPPROTO_UDP);
  assert.equal(later.l4Off, NET + 48);
  assert.equal(later.srcPort, -1); // no UDP header in a non-initial fragment
  assert.equal(later.topLayer, L_IPV6);

  // Atomic fragment (RFC 6946): offset 0, M 0 — processed as a whole packet.
  const atomic = decodeBytes(
    cat(
      ETH,
      ipv6({ next: IPPROTO_IPV6_FRAG, payloadLen: 8 + 20 }),
      ipv6Frag(IPPROTO_TCP, 0, false, 1),
      tcp({}),
    ),
  );
  assert.equal(atomic.status, ST_OK);
  assert.equal(atomic.isFragment, 0);
  assert.equal(atomic.ipv6ExtCount, 1);
  assert.equal(atomic.ipId, 1);
  assert.equal(atomic.srcPort, 40000);
});

Deno.test("decodeIpv6() flags an extension header cut by the snaplen as truncated", () => {
  const bytes = cat(
    ETH,
    ipv6({ next: IPPROTO_HOPOPTS, payloadLen: 16 + 20 }),
    ipv6Ext(IPPROTO_TCP, new Array(14).fill(0)), // 16 bytes
    tcp({}),
  );
  for (let len = 54; len < 54 + 16; len++) {
    const rec = decodeBytes(bytes, { capLen: len });
    assert.equal(rec.status, ST_TRUNCATED, `capLen ${len}`);
    assert.equal(rec.reason, R_IPV6_EXT_SHORT, `capLen ${len}`);
    assert.equal(rec.ipProto, IPPROTO_HOPOPTS, `capLen ${len}`);
    assert.equal(rec.l4Off, -1, `capLen ${len}`);
  }
});

Deno.test("decodeIpv6() flags an extension chain running past the payload length as malformed", () => {
  // The Hop-by-Hop header says 16 bytes; the payload length leaves room for 8.
  const bytes = cat(
    ETH,
    ipv6({ next: IPPROTO_HOPOPTS, payloadLen: 8 }),
    ipv6Ext(IPPROTO_TCP, new Array(14).fill(0)),
  );
  const rec = decodeBytes(bytes);
  assert.equal(rec.status, ST_MALFORMED);
  assert.equal(rec.reason, R_IPV6_EXT_SHORT);
  assert.equal(rec.l4Off, -1);
});

Deno.test("decodeIpv6() reads ip6-ext-trunc.pcap: Hop-by-Hop past the end of the packet", async () => {
  const rec = await decodeFixture("ip6-ext-trunc.pcap", 1);
  // The packet ends with the fixed header; the payload length promises more.
  assert.equal(rec.status, ST_MALFORMED);
  assert.equal(rec.statusLayer, L_IPV6);
  assert.equal(rec.reason, R_IPV6_TRUNC);
  assert.equal(rec.ipProto, IPPROTO_HOPOPTS);
  assert.equal(rec.l4Off, -1);
});

Deno.test("decodeIpv6() walks the 100-header chain of ipv6_ext_headers.pcap to UDP", async () => {
  const rec = await decodeFixture("ipv6_ext_headers.pcap", 1);
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.ipv6ExtCount, 100); // HBH + 33 x (Routing, Fragment, Destination Options)
  assert.equal(rec.ipProto, IPPROTO_UDP);
  assert.equal(rec.isFragment, 0); // all 33 Fragment headers are atomic
  assert.equal(rec.ipId, 97); // the last Fragment header's identification
  assert.equal(rec.srcPort, 12345);
  assert.equal(rec.dstPort, 54321);
});

Deno.test("decodeIpv6() reads ipv6-http-atomic-frag.pcap frame 13: atomic fragment, TCP", async () => {
  const rec = await decodeFixture("ipv6-http-atomic-frag.pcap", 13);
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.ipv6ExtCount, 1);
  assert.equal(rec.isFragment, 0);
  assert.equal(rec.ipProto, IPPROTO_TCP);
  assert.equal(rec.srcPort, 59694);
  assert.equal(rec.dstPort, 80);
});

Deno.test("decodeIpv6() flags a payload length beyond the wire and still decodes TCP", () => {
  const bytes = cat(ETH, ipv6({ next: IPPROTO_TCP, payloadLen: 100 }), tcp({}));
  const rec = decodeBytes(bytes);
  assert.equal(rec.status, ST_MALFORMED);
  assert.equal(rec.reason, R_IPV6_TRUNC);
  assert.equal(rec.l4Len, 100);
  assert.equal(rec.l4CapLen, 20);
  assert.equal(rec.srcPort, 40000);
});

Deno.test("decodeIpv6() trims trailing bytes beyond the payload length", () => {
  const bytes = cat(ETH, ipv6({ next: IPPROTO_TCP, payloadLen: 20 }), tcp({}), [9, 9, 9, 9]);
  const rec = decodeBytes(bytes);
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.l4CapLen, 20);
  assert.equal(rec.payloadLen, 0);
});

Deno.test("decodeIpv6() takes a payload length of 0 (TSO / jumbogram) from the wire length", () => {
  const bytes = cat(ETH, ipv6({ next: IPPROTO_TCP, payloadLen: 0 }), tcp({}), new Uint8Array(100));
  const rec = decodeBytes(bytes, { capLen: 80 });
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.ipTotalLen, 40 + 120);
  assert.equal(rec.l4Len, 120);
  assert.equal(rec.l4CapLen, 80 - 54);
  assert.equal(rec.payloadWireLen, 100);
});

Deno.test("decodeIpv6() rejects a version other than 6 under ethertype 0x86dd", () => {
  const bytes = cat(ETH, ipv6({ next: IPPROTO_TCP, payloadLen: 20 }), tcp({}));
  bytes[14] = 0x45;
  const rec = decodeBytes(bytes);
  assert.equal(rec.status, ST_MALFORMED);
  assert.equal(rec.reason, R_IPV6_VERSION);
  assert.equal(rec.srcAddrOff, -1);
});

Deno.test("decodeIpv6() keeps lengths non-negative when the wire length is below the header", () => {
  // Payload length 0 and a record whose wire length (30) is below its captured length.
  const bytes = cat(ETH, ipv6({ next: IPPROTO_TCP, payloadLen: 0 }), tcp({}));
  const rec = decodeBytes(bytes, { wireLen: 30 });
  assert.equal(rec.status, ST_MALFORMED);
  assert.equal(rec.reason, R_IPV6_TRUNC);
  assert.equal(rec.ipTotalLen, 40);
  assert.equal(rec.l4Len, 0);
  assert.equal(rec.l4CapLen, 0);
  assert.equal(rec.srcPort, -1);
});
