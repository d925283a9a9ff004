import assert from "node:assert/strict";
import { LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2 } from "../capture/frame.ts";
import {
  addr4,
  bytesAt,
  cat,
  decodeBytes,
  decodeFixture,
  ipv4,
  tcp,
  u16,
  u32,
} from "./_test_frames.ts";
import { SLL2_HEADER_LEN, SLL_HEADER_LEN } from "./linux_sll.ts";
import { L_SLL, NET_ARP, NET_IPV4, NET_IPV6, R_SLL_SHORT, ST_OK, ST_TRUNCATED } from "./packet.ts";

const MAC = [0x30, 0x46, 0x9a, 0x23, 0xfb, 0xfa];
const IP_TCP = cat(ipv4({ proto: 6, payloadLen: 20 }), tcp({}));

/** SLL v1 header: packet type, ARPHRD type, address length, address (8 bytes), protocol. */
function sll(pktType: number, halen: number, proto: number): number[] {
  const addr = [...MAC, 0, 0];
  return [...u16(pktType), ...u16(1), ...u16(halen), ...addr, ...u16(proto)];
}

/** SLL v2 header: protocol, reserved, ifindex, ARPHRD type, packet type, address length, address. */
function sll2(proto: number, ifIndex: number, pktType: number, halen: number): number[] {
  return [...u16(proto), 0, 0, ...u32(ifIndex), ...u16(1), pktType, halen, ...MAC, 0, 0];
}

Deno.test("decodeSll() reads every field of an SLL v1 header", () => {
  const rec = decodeBytes(cat(sll(4, 6, 0x0800), IP_TCP), { linkType: LINKTYPE_LINUX_SLL });
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.linkOff, 7);
  assert.equal(rec.sllPacketType, 4);
  assert.equal(rec.macSrcOff, 7 + 6);
  assert.deepEqual(bytesAt(rec, rec.macSrcOff, 6), MAC);
  assert.equal(rec.macDstOff, -1);
  assert.equal(rec.etherType, 0x0800);
  assert.equal(rec.netOff, 7 + SLL_HEADER_LEN);
  assert.equal(rec.net, NET_IPV4);
  assert.equal(rec.srcPort, 40000);
});

Deno.test("decodeSll() keeps no source MAC when the address is not 6 bytes", () => {
  const rec = decodeBytes(cat(sll(0, 0, 0x0800), IP_TCP), { linkType: LINKTYPE_LINUX_SLL });
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.macSrcOff, -1);
  assert.equal(rec.srcPort, 40000);
});

Deno.test("decodeSll() flags an SLL v1 header cut short at every length", () => {
  const bytes = cat(sll(0, 6, 0x0800), IP_TCP);
  for (let len = 0; len < SLL_HEADER_LEN; len++) {
    const rec = decodeBytes(bytes, { linkType: LINKTYPE_LINUX_SLL, capLen: len });
    assert.equal(rec.status, ST_TRUNCATED, `capLen ${len}`);
    assert.equal(rec.statusLayer, L_SLL);
    assert.equal(rec.reason, R_SLL_SHORT);
    assert.equal(rec.topLayer, L_SLL);
    assert.equal(rec.sllPacketType, -1);
    assert.equal(rec.netOff, -1);
  }
});

Deno.test("decodeSll() walks a VLAN tag after the SLL header", () => {
  const bytes = cat(sll(0, 6, 0x8100), u16(42), u16(0x0800), IP_TCP);
  const rec = decodeBytes(bytes, { linkType: LINKTYPE_LINUX_SLL });
  assert.equal(rec.vlanCount, 1);
  assert.equal(rec.vlanIds[0], 42);
  assert.equal(rec.net, NET_IPV4);
});

Deno.test("decodeSll2() reads every field of an SLL v2 header", () => {
  const rec = decodeBytes(cat(sll2(0x0800, 26, 4, 6), IP_TCP), { linkType: LINKTYPE_LINUX_SLL2 });
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.linkOff, 7);
  assert.equal(rec.sllPacketType, 4);
  assert.equal(rec.macSrcOff, 7 + 12);
  assert.deepEqual(bytesAt(rec, rec.macSrcOff, 6), MAC);
  assert.equal(rec.etherType, 0x0800);
  assert.equal(rec.netOff, 7 + SLL2_HEADER_LEN);
  assert.equal(rec.srcPort, 40000);
});

Deno.test("decodeSll2() flags an SLL v2 header cut short at every length", () => {
  const bytes = cat(sll2(0x0800, 1, 0, 6), IP_TCP);
  for (let len = 0; len < SLL2_HEADER_LEN; len++) {
    const rec = decodeBytes(bytes, { linkType: LINKTYPE_LINUX_SLL2, capLen: len });
    assert.equal(rec.status, ST_TRUNCATED, `capLen ${len}`);
    assert.equal(rec.reason, R_SLL_SHORT);
    assert.equal(rec.netOff, -1);
  }
});

Deno.test("decodeFrame() reads linux_dlt_sll2.pcap: ICMP, ICMPv6 and RARP over SLL2", async () => {
  const icmp = await decodeFixture("linux_dlt_sll2.pcap", 1);
  assert.equal(icmp.status, ST_OK);
  assert.equal(icmp.sllPacketType, 0);
  assert.equal(icmp.net, NET_IPV4);
  assert.equal(addr4(icmp, icmp.srcAddrOff), "192.0.2.1");
  assert.equal(icmp.icmpType, 8);
  const icmp6 = await decodeFixture("linux_dlt_sll2.pcap", 3);
  assert.equal(icmp6.net, NET_IPV6);
  assert.equal(icmp6.icmpType, 128);
  const rarp = await decodeFixture("linux_dlt_sll2.pcap", 6);
  assert.equal(rarp.sllPacketType, 4);
  assert.deepEqual(bytesAt(rarp, rarp.macSrcOff, 6), [0x8e, 0x36, 0x06, 0x44, 0xac, 0xaf]);
  assert.equal(rarp.etherType, 0x8035);
  assert.equal(rarp.net, NET_ARP);
  assert.equal(rarp.arpOp, 3); // reverse request (RFC 903)
});

Deno.test("decodeFrame() reads sll.pcap frame 1: SLL v1, IPv4", async () => {
  const rec = await decodeFixture("sll.pcap", 1);
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.sllPacketType, 1);
  assert.deepEqual(bytesAt(rec, rec.macSrcOff, 6), MAC);
  assert.equal(rec.net, NET_IPV4);
});
