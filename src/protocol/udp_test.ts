import assert from "node:assert/strict";
import {
  bytesAt,
  cat,
  decodeBytes,
  decodeFixture,
  ethernet,
  ipv4,
  ipv6,
  udp,
} from "./_test_frames.ts";
import {
  IPPROTO_UDP,
  L_UDP,
  R_UDP_LENGTH,
  R_UDP_SHORT,
  ST_MALFORMED,
  ST_OK,
  ST_TRUNCATED,
} from "./packet.ts";
import { UDP_HEADER_LEN } from "./udp.ts";

const L4 = 7 + 34;
const PAYLOAD = [0xde, 0xad, 0xbe, 0xef, 0x01];

/** Ethernet/IPv4 frame carrying `dgram`, whose IP payload is `ipPayloadLen` (default: all). */
function overIpv4(dgram: ArrayLike<number>, ipPayloadLen = dgram.length): Uint8Array {
  return cat(ethernet(0x0800), ipv4({ proto: IPPROTO_UDP, payloadLen: ipPayloadLen }), dgram);
}

Deno.test("decodeUdp() reads every field of a known datagram", () => {
  const rec = decodeBytes(overIpv4(cat(udp(4000, 4001, 5), PAYLOAD)));
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.topLayer, L_UDP);
  assert.equal(rec.srcPort, 4000);
  assert.equal(rec.dstPort, 4001);
  assert.equal(rec.udpLen, 13);
  assert.equal(rec.udpChecksum, 0x5555);
  assert.equal(rec.payloadOff, L4 + UDP_HEADER_LEN);
  assert.equal(rec.payloadLen, 5);
  assert.equal(rec.payloadWireLen, 5);
  assert.deepEqual(bytesAt(rec, rec.payloadOff, 5), PAYLOAD);
});

Deno.test("decodeUdp() reads each prefix of the header as far as it goes", () => {
  const bytes = overIpv4(cat(udp(4000, 4001, 5), PAYLOAD));
  for (let n = 0; n < UDP_HEADER_LEN; n++) {
    const rec = decodeBytes(bytes, { capLen: 34 + n });
    assert.equal(rec.status, ST_TRUNCATED, `${n} bytes`);
    assert.equal(rec.statusLayer, L_UDP);
    assert.equal(rec.reason, R_UDP_SHORT);
    assert.equal(rec.srcPort, n >= 4 ? 4000 : -1, `${n} bytes`);
    assert.equal(rec.payloadOff, -1);
  }
  for (let n = UDP_HEADER_LEN; n <= 13; n++) {
    const rec = decodeBytes(bytes, { capLen: 34 + n });
    assert.equal(rec.status, ST_OK, `${n} bytes`);
    assert.equal(rec.payloadLen, n - 8);
    assert.equal(rec.payloadWireLen, 5);
  }
});

Deno.test("decodeUdp() rejects a length field below 8 (impossible length)", () => {
  for (const len of [0, 7]) {
    const rec = decodeBytes(overIpv4(cat(udp(4000, 4001, 0, len), PAYLOAD)));
    assert.equal(rec.status, ST_MALFORMED, `length ${len}`);
    assert.equal(rec.reason, R_UDP_LENGTH);
    assert.equal(rec.udpLen, len);
    assert.equal(rec.srcPort, 4000);
    assert.equal(rec.payloadOff, -1);
  }
});

Deno.test("decodeUdp() trims the payload to a UDP length shorter than the IP payload", () => {
  const rec = decodeBytes(overIpv4(cat(udp(4000, 4001, 2), PAYLOAD)));
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.udpLen, 10);
  assert.equal(rec.payloadLen, 2);
  assert.equal(rec.payloadWireLen, 2);
});

Deno.test("decodeUdp() flags a UDP length beyond the IP payload and keeps the IP bound", () => {
  const rec = decodeBytes(overIpv4(cat(udp(4000, 4001, 100), PAYLOAD)));
  assert.equal(rec.status, ST_MALFORMED);
  assert.equal(rec.reason, R_UDP_LENGTH);
  assert.equal(rec.srcPort, 4000);
  assert.equal(rec.payloadLen, 5);
  assert.equal(rec.payloadWireLen, 5);
});

Deno.test("decodeUdp() takes a 0 length under IPv6 as a jumbogram (IP length)", () => {
  const dgram = cat(udp(4000, 4001, 0, 0), PAYLOAD);
  const bytes = cat(ethernet(0x86dd), ipv6({ next: IPPROTO_UDP, payloadLen: dgram.length }), dgram);
  const rec = decodeBytes(bytes);
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.udpLen, 0);
  assert.equal(rec.payloadLen, 5);
});

Deno.test("decodeUdp() trims the payload to what was captured", () => {
  const big = cat(udp(4000, 4001, 1000), new Uint8Array(1000));
  const rec = decodeBytes(overIpv4(big), { capLen: 60 });
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.payloadLen, 60 - 42);
  assert.equal(rec.payloadWireLen, 1000);
});

Deno.test("decodeUdp() reads ntp.pcap frame 1: NTP client request", async () => {
  const rec = await decodeFixture("ntp.pcap", 1);
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.ipProto, IPPROTO_UDP);
  assert.equal(rec.dstPort, 123);
  assert.equal(rec.udpLen, 56);
  assert.equal(rec.payloadLen, 48);
  assert.equal(rec.srcPort, 123);
});
