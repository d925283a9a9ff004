import assert from "node:assert/strict";
import { bytesAt, cat, decodeBytes, ethernet, ipv4, SYN_FRAME, u16, udp } from "./_test_frames.ts";
import { ETHERNET_HEADER_LEN } from "./ethernet.ts";
import {
  L_ETHERNET,
  L_OTHER_L2,
  NET_IPV4,
  NET_NONE,
  NET_OTHER,
  R_ETH_SHORT,
  ST_OK,
  ST_TRUNCATED,
} from "./packet.ts";

Deno.test("decodeEthernet() reads every field of a known frame", () => {
  const rec = decodeBytes(SYN_FRAME); // frame at offset 7 of its buffer
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.linkOff, 7);
  assert.equal(rec.macDstOff, 7);
  assert.equal(rec.macSrcOff, 13);
  assert.deepEqual(bytesAt(rec, rec.macDstOff, 6), [0x00, 0x19, 0xe3, 0xe7, 0x5d, 0x23]);
  assert.deepEqual(bytesAt(rec, rec.macSrcOff, 6), [0x00, 0x0f, 0x66, 0xae, 0xe9, 0x8a]);
  assert.equal(rec.etherType, 0x0800);
  assert.equal(rec.vlanCount, 0);
  assert.equal(rec.net, NET_IPV4);
  assert.equal(rec.netOff, 7 + ETHERNET_HEADER_LEN);
});

Deno.test("decodeEthernet() flags every prefix shorter than 14 bytes as truncated", () => {
  for (let len = 0; len < ETHERNET_HEADER_LEN; len++) {
    const rec = decodeBytes(SYN_FRAME, { capLen: len });
    assert.equal(rec.status, ST_TRUNCATED, `capLen ${len}`);
    assert.equal(rec.statusLayer, L_ETHERNET, `capLen ${len}`);
    assert.equal(rec.reason, R_ETH_SHORT, `capLen ${len}`);
    assert.equal(rec.topLayer, L_ETHERNET);
    assert.equal(rec.macSrcOff, -1);
    assert.equal(rec.net, NET_NONE);
  }
  // 14 bytes: the Ethernet header is whole; the IPv4 header is what is short.
  const rec = decodeBytes(SYN_FRAME, { capLen: 14 });
  assert.equal(rec.macSrcOff, 13);
  assert.equal(rec.etherType, 0x0800);
  assert.equal(rec.net, NET_IPV4);
  assert.notEqual(rec.statusLayer, L_ETHERNET);
});

Deno.test("decodeEthernet() leaves an 802.3 length field (< 0x0600) as an unknown network layer", () => {
  // IEEE 802.3 frame with a length of 38 and an LLC header (CDP-like).
  const frame = cat(
    ethernet(38),
    [0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c, 0x20, 0x00],
    new Uint8Array(30),
  );
  const rec = decodeBytes(frame);
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.etherType, 38);
  assert.equal(rec.net, NET_OTHER);
  assert.equal(rec.netOff, 7 + 14);
  assert.equal(rec.topLayer, L_OTHER_L2);
});

Deno.test("decodeFrame() does not count Ethernet padding as payload", () => {
  // A 60-byte minimum frame: IPv4 (20) + UDP (8) + 4 payload bytes = 32, padded by 14.
  const ip = cat(ipv4({ proto: 17, payloadLen: 12 }), udp(1000, 2000, 4), [1, 2, 3, 4]);
  const frame = cat(ethernet(0x0800), ip, new Uint8Array(60 - 14 - ip.length).fill(0xaa));
  assert.equal(frame.length, 60);
  const rec = decodeBytes(frame);
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.ipTotalLen, 32);
  assert.equal(rec.l4Len, 12);
  assert.equal(rec.l4CapLen, 12);
  assert.equal(rec.payloadLen, 4);
  assert.equal(rec.payloadWireLen, 4);
  assert.deepEqual(bytesAt(rec, rec.payloadOff, rec.payloadLen), [1, 2, 3, 4]);
});

Deno.test("decodeFrame() does not count an Ethernet trailer (FCS) as TCP payload", () => {
  // SYN_FRAME: 70 bytes, IPv4 total length 52, 4 trailing bytes.
  const rec = decodeBytes(SYN_FRAME);
  assert.equal(rec.ipTotalLen, 52);
  assert.equal(rec.l4CapLen, 32);
  assert.equal(rec.payloadLen, 0);
  assert.equal(rec.payloadWireLen, 0);
});

Deno.test("decodeEthernet() reads the type field big-endian", () => {
  const rec = decodeBytes(cat(ethernet(0x88cc), u16(0x0207), new Uint8Array(40)));
  assert.equal(rec.etherType, 0x88cc); // LLDP: not decoded, kept lossless
  assert.equal(rec.net, NET_OTHER);
});
