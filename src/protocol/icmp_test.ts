import assert from "node:assert/strict";
import {
  bytesAt,
  cat,
  decodeBytes,
  decodeFixture,
  ethernet,
  ip6,
  ipv4,
  ipv6,
  u16,
} from "./_test_frames.ts";
import {
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  L_ICMP,
  L_ICMPV6,
  L_OTHER_IP,
  R_ICMP_SHORT,
  ST_OK,
  ST_TRUNCATED,
} from "./packet.ts";

const L4 = 7 + 34;

/** Ethernet/IPv4 frame carrying the ICMP message `msg`. */
function icmp4(msg: ArrayLike<number>): Uint8Array {
  return cat(ethernet(0x0800), ipv4({ proto: IPPROTO_ICMP, payloadLen: msg.length }), msg);
}

/** Ethernet/IPv6 frame carrying the ICMPv6 message `msg`. */
function icmp6(msg: ArrayLike<number>): Uint8Array {
  return cat(ethernet(0x86dd), ipv6({ next: IPPROTO_ICMPV6, payloadLen: msg.length }), msg);
}

const ECHO = [8, 0, ...u16(0xf7fd), ...u16(0x1234), ...u16(7), 0x61, 0x62, 0x63, 0x64];

Deno.test("decodeIcmp() reads every field of an echo request", () => {
  const rec = decodeBytes(icmp4(ECHO));
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.topLayer, L_ICMP);
  assert.equal(rec.icmpType, 8);
  assert.equal(rec.icmpCode, 0);
  assert.equal(rec.icmpChecksum, 0xf7fd);
  assert.equal(rec.icmpId, 0x1234);
  assert.equal(rec.icmpSeq, 7);
  assert.equal(rec.payloadOff, L4 + 4);
  assert.equal(rec.payloadLen, 8);
  assert.equal(rec.srcPort, -1);
});

Deno.test("decodeIcmp() reads each prefix of an echo request as far as it goes", () => {
  const bytes = icmp4(ECHO);
  for (let n = 0; n < 8; n++) {
    const rec = decodeBytes(bytes, { capLen: 34 + n });
    assert.equal(rec.status, ST_TRUNCATED, `${n} bytes`);
    assert.equal(rec.statusLayer, L_ICMP);
    assert.equal(rec.reason, R_ICMP_SHORT);
    assert.equal(rec.icmpType, n >= 2 ? 8 : -1, `${n} bytes`);
    assert.equal(rec.icmpCode, n >= 2 ? 0 : -1, `${n} bytes`);
    assert.equal(rec.icmpId, -1, `${n} bytes`);
  }
  assert.equal(decodeBytes(bytes, { capLen: 42 }).status, ST_OK);
});

Deno.test("decodeIcmp() reads no identifier for an error message", () => {
  // Destination unreachable, port unreachable (3/3), quoting a header.
  const rec = decodeBytes(icmp4([3, 3, 0, 0, 0, 0, 0, 0, ...ipv4({ proto: 17, payloadLen: 8 })]));
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.icmpType, 3);
  assert.equal(rec.icmpCode, 3);
  assert.equal(rec.icmpId, -1);
  assert.equal(rec.icmpSeq, -1);
});

Deno.test("decodeIcmp() reads identifiers of timestamp and address-mask messages", async () => {
  // IcmpPackets.pcap: 7 timestamp (13), 14 address mask request (17), per tshark.
  const ts = await decodeFixture("IcmpPackets.pcap", 7);
  assert.equal(ts.icmpType, 13);
  assert.equal(ts.icmpId, 14640);
  assert.equal(ts.icmpSeq, 0);
  const mask = await decodeFixture("IcmpPackets.pcap", 14);
  assert.equal(mask.icmpType, 17);
  assert.equal(mask.icmpId, 45068);
  assert.equal(mask.icmpSeq, 1536);
  const redirect = await decodeFixture("IcmpPackets.pcap", 2);
  assert.equal(redirect.icmpType, 5);
  assert.equal(redirect.icmpCode, 1);
  assert.equal(redirect.icmpId, -1);
});

Deno.test("decodeIcmpv6() reads an echo request", () => {
  const rec = decodeBytes(icmp6([128, 0, 0x12, 0x34, 0, 9, 0, 1]));
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.topLayer, L_ICMPV6);
  assert.equal(rec.icmpType, 128);
  assert.equal(rec.icmpId, 9);
  assert.equal(rec.icmpSeq, 1);
  assert.equal(rec.icmpTargetOff, -1);
});

Deno.test("decodeIcmpv6() reads the target of a Neighbor Solicitation, or flags it cut", () => {
  const ns = [135, 0, 0, 0, 0, 0, 0, 0, ...ip6("fe80::c000:54ff:fef5:0")];
  const rec = decodeBytes(icmp6(ns));
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.icmpTargetOff, 7 + 54 + 8);
  assert.deepEqual(bytesAt(rec, rec.icmpTargetOff, 16), ip6("fe80::c000:54ff:fef5:0"));
  for (let n = 4; n < 24; n++) {
    const cut = decodeBytes(icmp6(ns), { capLen: 54 + n });
    assert.equal(cut.status, ST_TRUNCATED, `${n} bytes`);
    assert.equal(cut.icmpType, 135);
    assert.equal(cut.icmpTargetOff, -1);
  }
});

Deno.test("decodeIcmpv6() reads icmp6-nd-options.pcap: NS and NA targets", async () => {
  const ns = await decodeFixture("icmp6-nd-options.pcap", 1);
  assert.equal(ns.icmpType, 135);
  assert.deepEqual(bytesAt(ns, ns.icmpTargetOff, 16), ip6("fe80::c000:54ff:fef5:0"));
  const na = await decodeFixture("icmp6-nd-options.pcap", 2);
  assert.equal(na.icmpType, 136);
  assert.deepEqual(bytesAt(na, na.icmpTargetOff, 16), ip6("fe80::c000:54ff:fef5:0"));
  const mld = await decodeFixture("icmp6-nd-options.pcap", 4); // MLDv2 report behind Hop-by-Hop
  assert.equal(mld.status, ST_OK);
  assert.equal(mld.ipv6ExtCount, 1);
  assert.equal(mld.icmpType, 143);
});

Deno.test("decodeFrame() does not decode ICMPv4 under IPv6 or ICMPv6 under IPv4", () => {
  const v6 = decodeBytes(
    cat(ethernet(0x86dd), ipv6({ next: IPPROTO_ICMP, payloadLen: 8 }), ECHO.slice(0, 8)),
  );
  assert.equal(v6.topLayer, L_OTHER_IP);
  assert.equal(v6.icmpType, -1);
  const v4 = decodeBytes(icmp4([128, 0, 0, 0, 0, 1, 0, 1]).map((x, i) => (i === 23 ? 58 : x)));
  assert.equal(v4.ipProto, IPPROTO_ICMPV6);
  assert.equal(v4.topLayer, L_OTHER_IP);
  assert.equal(v4.icmpType, -1);
});
