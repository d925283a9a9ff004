import assert from "node:assert/strict";
import { LINKTYPE_LOOP, LINKTYPE_NULL } from "../capture/frame.ts";
import { addr4, cat, decodeBytes, decodeFixture, ipv4, ipv6, tcp } from "./_test_frames.ts";
import { NULL_HEADER_LEN } from "./null_loop.ts";
import {
  L_NULL,
  NET_IPV4,
  NET_IPV6,
  NET_NONE,
  R_NULL_FAMILY,
  R_NULL_SHORT,
  ST_OK,
  ST_TRUNCATED,
  ST_UNSUPPORTED,
} from "./packet.ts";

const V4 = cat(ipv4({ proto: 6, payloadLen: 20 }), tcp({}));
const V6 = cat(ipv6({ next: 6, payloadLen: 20 }), tcp({}));

const le = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
const be = (v: number) => [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];

Deno.test("decodeNullLoop() reads AF_INET in either byte order", () => {
  for (const hdr of [le(2), be(2)]) {
    const rec = decodeBytes(cat(hdr, V4), { linkType: LINKTYPE_NULL });
    assert.equal(rec.status, ST_OK, `${hdr}`);
    assert.equal(rec.nullFamily, 2);
    assert.equal(rec.etherType, 0x0800);
    assert.equal(rec.linkOff, 7);
    assert.equal(rec.netOff, 7 + NULL_HEADER_LEN);
    assert.equal(rec.net, NET_IPV4);
    assert.equal(rec.srcPort, 40000);
  }
});

Deno.test("decodeNullLoop() reads every AF_INET6 value (BSDs, macOS, Linux) in either order", () => {
  for (const af of [24, 28, 30, 10]) {
    for (const hdr of [le(af), be(af)]) {
      const rec = decodeBytes(cat(hdr, V6), { linkType: LINKTYPE_NULL });
      assert.equal(rec.status, ST_OK, `AF ${af} ${hdr}`);
      assert.equal(rec.nullFamily, af);
      assert.equal(rec.net, NET_IPV6);
      assert.equal(rec.srcPort, 40000);
    }
  }
});

Deno.test("decodeNullLoop() reads LOOP headers big-endian only", () => {
  const ok = decodeBytes(cat(be(2), V4), { linkType: LINKTYPE_LOOP });
  assert.equal(ok.status, ST_OK);
  assert.equal(ok.net, NET_IPV4);
  const little = decodeBytes(cat(le(2), V4), { linkType: LINKTYPE_LOOP });
  assert.equal(little.status, ST_UNSUPPORTED);
  assert.equal(little.reason, R_NULL_FAMILY);
});

Deno.test("decodeNullLoop() accepts an Ethertype in place of the family", () => {
  for (const hdr of [[0x08, 0x00, 0, 0], [0, 0, 0x86, 0xdd]]) {
    const rec = decodeBytes(cat(hdr, hdr[0] === 8 ? V4 : V6), { linkType: LINKTYPE_NULL });
    assert.equal(rec.status, ST_OK, `${hdr}`);
    assert.equal(rec.etherType, hdr[0] === 8 ? 0x0800 : 0x86dd);
  }
});

Deno.test("decodeNullLoop() flags an unknown family as unsupported", () => {
  const rec = decodeBytes(cat(le(7), V4), { linkType: LINKTYPE_NULL });
  assert.equal(rec.status, ST_UNSUPPORTED);
  assert.equal(rec.statusLayer, L_NULL);
  assert.equal(rec.reason, R_NULL_FAMILY);
  assert.equal(rec.net, NET_NONE);
});

Deno.test("decodeNullLoop() flags a header cut short at every length", () => {
  for (let len = 0; len < NULL_HEADER_LEN; len++) {
    const rec = decodeBytes(cat(le(2), V4), { linkType: LINKTYPE_NULL, capLen: len });
    assert.equal(rec.status, ST_TRUNCATED, `capLen ${len}`);
    assert.equal(rec.reason, R_NULL_SHORT);
    assert.equal(rec.topLayer, L_NULL);
    assert.equal(rec.nullFamily, -1);
  }
});

Deno.test("decodeFrame() reads null_loopback.pcap: AF_INET6 30, AF_INET 2, Ethertype 0x0800", async () => {
  const v6 = await decodeFixture("null_loopback.pcap", 1);
  assert.equal(v6.status, ST_OK);
  assert.equal(v6.nullFamily, 30);
  assert.equal(v6.net, NET_IPV6);
  assert.equal(v6.srcPort, 49888);
  const v4 = await decodeFixture("null_loopback.pcap", 2);
  assert.equal(v4.nullFamily, 2);
  assert.equal(addr4(v4, v4.srcAddrOff), "172.16.1.117");
  // Header 0f 00 08 00: not a family in either byte order; tshark reads type 0x0800.
  const eth = await decodeFixture("null_loopback.pcap", 3);
  assert.equal(eth.status, ST_OK);
  assert.equal(eth.etherType, 0x0800);
  assert.equal(addr4(eth, eth.srcAddrOff), "10.0.0.138");
  assert.equal(eth.srcPort, 53);
});
