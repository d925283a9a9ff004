import assert from "node:assert/strict";
import { addr4, bytesAt, cat, decodeBytes, ethernet, ip4, u16 } from "./_test_frames.ts";
import { ARP_FIXED_LEN } from "./arp.ts";
import { L_ARP, NET_ARP, R_ARP_SHORT, ST_OK, ST_TRUNCATED } from "./packet.ts";

const SHA = [0x00, 0x20, 0xd2, 0x5a, 0xfb, 0x3f];

/** An Ethernet/IPv4 ARP request (RFC 826): who has 172.21.79.100, tell 172.21.79.97. */
const REQUEST = cat(
  u16(1),
  u16(0x0800),
  [6, 4],
  u16(1),
  SHA,
  ip4("172.21.79.97"),
  [0, 0, 0, 0, 0, 0],
  ip4("172.21.79.100"),
);

Deno.test("decodeArp() reads every field of a request", () => {
  const rec = decodeBytes(cat(ethernet(0x0806), REQUEST));
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.net, NET_ARP);
  assert.equal(rec.topLayer, L_ARP);
  assert.equal(rec.netOff, 7 + 14);
  assert.equal(rec.arpHwType, 1);
  assert.equal(rec.arpProtoType, 0x0800);
  assert.equal(rec.arpHln, 6);
  assert.equal(rec.arpPln, 4);
  assert.equal(rec.arpOp, 1);
  assert.deepEqual(bytesAt(rec, rec.arpSha, 6), SHA);
  assert.equal(addr4(rec, rec.arpSpa), "172.21.79.97");
  assert.deepEqual(bytesAt(rec, rec.arpTha, 6), [0, 0, 0, 0, 0, 0]);
  assert.equal(addr4(rec, rec.arpTpa), "172.21.79.100");
});

Deno.test("decodeArp() flags every prefix of the packet as truncated", () => {
  for (let n = 0; n < REQUEST.length; n++) {
    const rec = decodeBytes(cat(ethernet(0x0806), REQUEST), { capLen: 14 + n });
    assert.equal(rec.status, ST_TRUNCATED, `${n} bytes`);
    assert.equal(rec.reason, R_ARP_SHORT);
    assert.equal(rec.arpOp, n >= ARP_FIXED_LEN ? 1 : 0, `${n} bytes`);
    assert.equal(rec.arpSha, -1, `${n} bytes`);
  }
});

Deno.test("decodeArp() sizes the addresses from the length fields", () => {
  // Hardware length 8, protocol length 16: 8 + 2 * 24 = 56 bytes.
  const body = cat(u16(6), u16(0x86dd), [8, 16], u16(2), new Uint8Array(48).fill(7));
  const rec = decodeBytes(cat(ethernet(0x0806), body));
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.arpOp, 2);
  assert.equal(rec.arpSpa, rec.arpSha + 8);
  assert.equal(rec.arpTha, rec.arpSha + 24);
  assert.equal(rec.arpTpa, rec.arpSha + 32);
});

Deno.test("decodeFrame() decodes RARP (ethertype 0x8035) as ARP", () => {
  const rarp = cat(u16(1), u16(0x0800), [6, 4], u16(3), SHA, [0, 0, 0, 0], SHA, [0, 0, 0, 0]);
  const rec = decodeBytes(cat(ethernet(0x8035), rarp));
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.net, NET_ARP);
  assert.equal(rec.arpOp, 3);
});
