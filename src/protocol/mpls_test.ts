import assert from "node:assert/strict";
import {
  addr4,
  cat,
  decodeBytes,
  decodeFixture,
  ethernet,
  ipv4,
  ipv6,
  tcp,
  u32,
  vlanTag,
} from "./_test_frames.ts";
import { isMplsType } from "./mpls.ts";
import {
  L_MPLS,
  L_OTHER_L2,
  NET_IPV4,
  NET_IPV6,
  NET_OTHER,
  R_MPLS_SHORT,
  ST_OK,
  ST_TRUNCATED,
} from "./packet.ts";

/** One label stack entry (RFC 3032 §2.1): label, traffic class, bottom of stack, TTL. */
function label(value: number, bottom: boolean, tc = 0, ttl = 64): number[] {
  return u32(((value << 12) | (tc << 9) | (bottom ? 0x100 : 0) | ttl) >>> 0);
}

const V4 = cat(ipv4({ proto: 6, payloadLen: 20 }), tcp({}));

Deno.test("walkMpls() reads a single label and the IPv4 packet under it", () => {
  const rec = decodeBytes(cat(ethernet(0x8847), label(29, true, 0, 255), V4));
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.mplsCount, 1);
  assert.equal(rec.mplsLabel, 29);
  assert.equal(rec.etherType, 0x0800);
  assert.equal(rec.netOff, 7 + 18);
  assert.equal(rec.net, NET_IPV4);
  assert.equal(rec.srcPort, 40000);
});

Deno.test("walkMpls() walks a stack, keeps the outermost label, finds IPv6", () => {
  const v6 = cat(ipv6({ next: 6, payloadLen: 20 }), tcp({}));
  const stack = [...label(0xfffff, false), ...label(16, false), ...label(3, true)];
  const rec = decodeBytes(cat(ethernet(0x8848), stack, v6));
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.mplsCount, 3);
  assert.equal(rec.mplsLabel, 0xfffff);
  assert.equal(rec.net, NET_IPV6);
  assert.equal(rec.netOff, 7 + 14 + 12);
});

Deno.test("walkMpls() flags a label stack cut short at every length", () => {
  const bytes = cat(ethernet(0x8847), label(100, false), label(200, true), V4);
  for (let len = 14; len <= 22; len++) {
    const rec = decodeBytes(bytes, { capLen: len });
    assert.equal(rec.status, ST_TRUNCATED, `capLen ${len}`);
    assert.equal(rec.statusLayer, L_MPLS);
    assert.equal(rec.reason, R_MPLS_SHORT);
    assert.equal(rec.topLayer, L_MPLS);
    assert.equal(rec.netOff, -1);
  }
});

Deno.test("walkMpls() leaves a non-IP payload (pseudowire control word) undecoded", () => {
  const rec = decodeBytes(cat(ethernet(0x8847), label(77, true), [0, 0, 0, 1], ethernet(0x0800)));
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.mplsCount, 1);
  assert.equal(rec.net, NET_OTHER);
  assert.equal(rec.netOff, 7 + 18);
  assert.equal(rec.topLayer, L_OTHER_L2);
});

Deno.test("walkMpls() follows VLAN tags", () => {
  const rec = decodeBytes(cat(ethernet(0x8100), vlanTag(0, 5, 0x8847), label(9, true), V4));
  assert.equal(rec.vlanCount, 1);
  assert.equal(rec.mplsLabel, 9);
  assert.equal(rec.net, NET_IPV4);
});

Deno.test("isMplsType() accepts the unicast and multicast MPLS ethertypes", () => {
  assert.ok(isMplsType(0x8847));
  assert.ok(isMplsType(0x8848));
  assert.ok(!isMplsType(0x0800));
});

Deno.test("decodeFrame() reads mixed-vlan-mpls.pcap frame 1: label 29, IPv4 telnet", async () => {
  const rec = await decodeFixture("mixed-vlan-mpls.pcap", 1);
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.mplsCount, 1);
  assert.equal(rec.mplsLabel, 29);
  assert.equal(addr4(rec, rec.srcAddrOff), "10.1.2.1");
  assert.equal(rec.srcPort, 11001);
  assert.equal(rec.dstPort, 23);
});
