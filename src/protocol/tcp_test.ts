import assert from "node:assert/strict";
import {
  cat,
  decodeBytes,
  decodeFixture,
  ethernet,
  ipv4,
  SYN_FRAME,
  tcp,
  u32,
} from "./_test_frames.ts";
import {
  L_TCP,
  R_TCP_OFFSET,
  R_TCP_OPTION,
  R_TCP_SHORT,
  ST_MALFORMED,
  ST_OK,
  ST_TRUNCATED,
  TCP_ACK,
  TCP_CWR,
  TCP_ECE,
  TCP_FIN,
  TCP_NS,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  TCP_URG,
} from "./packet.ts";

const L4 = 7 + 34; // TCP header offset in frames built by decodeBytes() over IPv4

/** Ethernet/IPv4 frame carrying `seg` (a TCP header plus payload). */
function overIpv4(seg: Uint8Array): Uint8Array {
  return cat(ethernet(0x0800), ipv4({ proto: 6, payloadLen: seg.length }), seg);
}

Deno.test("decodeTcp() reads every field of a known SYN", () => {
  // SYN_FRAME: c14e 0050 eed8 5694 0000 0000 8002 2000 0c49 0000
  //            0204 05b4 0103 0308 0101 0402
  const rec = decodeBytes(SYN_FRAME);
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.topLayer, L_TCP);
  assert.equal(rec.srcPort, 49486);
  assert.equal(rec.dstPort, 80);
  assert.equal(rec.tcpSeq, 4007155348);
  assert.equal(rec.tcpAck, 0);
  assert.equal(rec.tcpHdrLen, 32);
  assert.equal(rec.tcpFlags, TCP_SYN);
  assert.equal(rec.tcpWindow, 8192);
  assert.equal(rec.tcpChecksum, 0x0c49);
  assert.equal(rec.tcpUrgent, 0);
  assert.equal(rec.tcpMss, 1460);
  assert.equal(rec.tcpWscale, 8);
  assert.equal(rec.tcpSackPerm, 1);
  assert.equal(rec.tcpSackCount, 0);
  assert.equal(rec.tcpHasTs, 0);
  assert.equal(rec.payloadOff, L4 + 32);
  assert.equal(rec.payloadLen, 0);
  assert.equal(rec.payloadWireLen, 0);
});

Deno.test("decodeTcp() reads all nine flag bits, NS included", () => {
  const all = TCP_FIN | TCP_SYN | TCP_RST | TCP_PSH | TCP_ACK | TCP_URG | TCP_ECE | TCP_CWR |
    TCP_NS;
  assert.equal(all, 0x1ff);
  assert.equal(decodeBytes(overIpv4(tcp({ flags: all }))).tcpFlags, 0x1ff);
  assert.equal(decodeBytes(overIpv4(tcp({ flags: TCP_NS | TCP_ACK }))).tcpFlags, 0x110);
});

Deno.test("decodeTcp() reads timestamps and SACK blocks", () => {
  const ts = [1, 1, 8, 10, ...u32(602505000), ...u32(4294967295)];
  const sack = [
    1,
    1,
    5,
    26,
    ...u32(1),
    ...u32(2),
    ...u32(0xfffffff0),
    ...u32(0xffffffff),
    ...u32(5),
    ...u32(6),
  ];
  const rec = decodeBytes(
    overIpv4(cat(tcp({ flags: TCP_ACK, options: [...ts, ...sack] }), [7, 7])),
  );
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.tcpHdrLen, 60);
  assert.equal(rec.tcpHasTs, 1);
  assert.equal(rec.tcpTsVal, 602505000);
  assert.equal(rec.tcpTsEcr, 4294967295);
  assert.equal(rec.tcpSackCount, 3);
  assert.deepEqual([...rec.tcpSack.subarray(0, 6)], [1, 2, 0xfffffff0, 0xffffffff, 5, 6]);
  assert.equal(rec.tcpMss, -1);
  assert.equal(rec.payloadLen, 2);
});

Deno.test("decodeTcp() keeps four SACK blocks, the most that fit", () => {
  const blocks: number[] = [];
  for (let i = 0; i < 4; i++) blocks.push(...u32(100 * i), ...u32(100 * i + 50));
  const rec = decodeBytes(overIpv4(tcp({ flags: TCP_ACK, options: [1, 1, 5, 34, ...blocks] })));
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.tcpSackCount, 4);
  assert.deepEqual([...rec.tcpSack], [0, 50, 100, 150, 200, 250, 300, 350]);
});

Deno.test("decodeTcp() stops at the end-of-option-list option", () => {
  // EOL, then bytes that would be a bad option if they were read.
  const rec = decodeBytes(overIpv4(tcp({ options: [2, 4, 5, 0xb4, 0, 0xff, 0x01, 0x00] })));
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.tcpMss, 1460);
});

Deno.test("decodeTcp() flags option lengths 0 and 1 as malformed, keeps the header", () => {
  for (const len of [0, 1]) {
    const rec = decodeBytes(
      overIpv4(tcp({ flags: TCP_SYN, options: [2, 4, 5, 0xb4, 3, len, 0, 0] })),
    );
    assert.equal(rec.status, ST_MALFORMED, `length ${len}`);
    assert.equal(rec.statusLayer, L_TCP);
    assert.equal(rec.reason, R_TCP_OPTION);
    assert.equal(rec.tcpMss, 1460);
    assert.equal(rec.tcpWscale, -1);
    assert.equal(rec.srcPort, 40000);
    assert.equal(rec.tcpFlags, TCP_SYN);
    assert.equal(rec.payloadOff, L4 + 28);
  }
});

Deno.test("decodeTcp() flags an option running past the header as malformed", () => {
  // Header of 24 bytes: option area 4 bytes, but the option claims 10.
  const rec = decodeBytes(overIpv4(tcp({ options: [8, 10, 0, 0] })));
  assert.equal(rec.status, ST_MALFORMED);
  assert.equal(rec.reason, R_TCP_OPTION);
  assert.equal(rec.tcpHasTs, 0);
});

Deno.test("decodeTcp() flags known options with the wrong length as malformed", () => {
  const cases: [string, number[]][] = [
    ["MSS length 5", [2, 5, 5, 0xb4, 0]],
    ["window scale length 4", [3, 4, 7, 0]],
    ["SACK-permitted length 3", [4, 3, 0]],
    ["SACK length 9", [5, 9, 0, 0, 0, 0, 0, 0, 0]],
    ["timestamps length 8", [8, 8, 0, 0, 0, 0, 0, 0]],
  ];
  for (const [what, opt] of cases) {
    const rec = decodeBytes(overIpv4(tcp({ options: opt })));
    assert.equal(rec.status, ST_MALFORMED, what);
    assert.equal(rec.reason, R_TCP_OPTION, what);
    assert.equal(rec.tcpMss, -1, what);
    assert.equal(rec.tcpWscale, -1, what);
    assert.equal(rec.tcpSackPerm, 0, what);
    assert.equal(rec.tcpSackCount, 0, what);
    assert.equal(rec.tcpHasTs, 0, what);
  }
});

Deno.test("decodeTcp() skips unknown options by their length", () => {
  // TCP Fast Open cookie (kind 34, RFC 7413) then MSS.
  const rec = decodeBytes(overIpv4(tcp({ options: [34, 6, 1, 2, 3, 4, 2, 4, 0x05, 0xb4] })));
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.tcpMss, 1460);
});

Deno.test("decodeTcp() reads truncated-header.pcap: timestamps option of length 8", async () => {
  // tshark: "option length should be 10"; MSS and SACK-permitted before it are fine.
  const rec = await decodeFixture("truncated-header.pcap", 1);
  assert.equal(rec.status, ST_MALFORMED);
  assert.equal(rec.reason, R_TCP_OPTION);
  assert.equal(rec.tcpMss, 1460);
  assert.equal(rec.tcpSackPerm, 1);
  assert.equal(rec.tcpHasTs, 0);
  assert.equal(rec.tcpFlags, TCP_SYN | TCP_ECE | TCP_CWR);
  assert.equal(rec.srcPort, 60827);
  assert.equal(rec.dstPort, 25);
});

Deno.test("decodeTcp() keeps ports, flags and whole options when the snaplen cuts the options", () => {
  // SYN_FRAME's options: MSS (4) NOP WS (3) NOP NOP SACK-perm (2); cut after NOP WS.
  const rec = decodeBytes(SYN_FRAME, { capLen: 14 + 20 + 20 + 6 });
  assert.equal(rec.status, ST_TRUNCATED);
  assert.equal(rec.statusLayer, L_TCP);
  assert.equal(rec.reason, R_TCP_SHORT);
  assert.equal(rec.srcPort, 49486);
  assert.equal(rec.tcpFlags, TCP_SYN);
  assert.equal(rec.tcpSeq, 4007155348);
  assert.equal(rec.tcpWindow, 8192);
  assert.equal(rec.tcpHdrLen, 32);
  assert.equal(rec.payloadWireLen, 0);
  assert.equal(rec.tcpMss, 1460);
  assert.equal(rec.tcpWscale, -1); // cut in the middle: not read, not an error
  assert.equal(rec.payloadOff, -1);
});

Deno.test("decodeTcp() reads each prefix of the header as far as it goes", () => {
  for (let n = 0; n < 32; n++) {
    const rec = decodeBytes(SYN_FRAME, { capLen: 34 + n });
    const where = `${n} TCP bytes`;
    assert.equal(rec.status, ST_TRUNCATED, where);
    assert.equal(rec.reason, R_TCP_SHORT, where);
    assert.equal(rec.srcPort, n >= 4 ? 49486 : -1, where);
    assert.equal(rec.dstPort, n >= 4 ? 80 : -1, where);
    assert.equal(rec.tcpSeq, n >= 14 ? 4007155348 : 0, where);
    assert.equal(rec.tcpFlags, n >= 14 ? TCP_SYN : 0, where);
    assert.equal(rec.tcpWindow, n >= 20 ? 8192 : 0, where);
    assert.equal(rec.tcpMss, n >= 24 ? 1460 : -1, where);
    assert.equal(rec.payloadOff, -1, where);
  }
  assert.equal(decodeBytes(SYN_FRAME, { capLen: 66 }).status, ST_OK);
});

Deno.test("decodeTcp() rejects a data offset below 5 (impossible header length)", () => {
  for (const doff of [0, 3, 4]) {
    const rec = decodeBytes(overIpv4(tcp({ dataOffset: doff })));
    assert.equal(rec.status, ST_MALFORMED, `data offset ${doff}`);
    assert.equal(rec.reason, R_TCP_OFFSET);
    assert.equal(rec.tcpHdrLen, doff * 4);
    assert.equal(rec.srcPort, 40000);
    assert.equal(rec.payloadOff, -1);
  }
});

Deno.test("decodeTcp() rejects a data offset beyond the segment", () => {
  // Data offset 15 (60 bytes) in a 24-byte segment.
  const rec = decodeBytes(overIpv4(cat(tcp({ dataOffset: 15 }), [1, 1, 1, 1])));
  assert.equal(rec.status, ST_MALFORMED);
  assert.equal(rec.reason, R_TCP_OFFSET);
  assert.equal(rec.payloadOff, -1);
});

Deno.test("decodeTcp() reports the payload, captured and declared", () => {
  const seg = cat(tcp({ flags: TCP_ACK | TCP_PSH }), new Uint8Array(1400).fill(0x41));
  const full = decodeBytes(overIpv4(seg));
  assert.equal(full.payloadOff, L4 + 20);
  assert.equal(full.payloadLen, 1400);
  assert.equal(full.payloadWireLen, 1400);
  const cut = decodeBytes(overIpv4(seg), { capLen: 96 });
  assert.equal(cut.status, ST_OK);
  assert.equal(cut.payloadLen, 96 - 54);
  assert.equal(cut.payloadWireLen, 1400);
});

Deno.test("decodeTcp() reads timestamp.pcap frame 1: TS, window scale, MSS", async () => {
  const rec = await decodeFixture("timestamp.pcap", 1);
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.tcpHasTs, 1);
  assert.equal(rec.tcpTsVal, 602505000);
  assert.equal(rec.tcpTsEcr, 0);
  assert.equal(rec.tcpWscale, 7);
  assert.equal(rec.tcpMss, 1460);
});

Deno.test("decodeTcp() reads example.pcap frame 1282: one SACK block", async () => {
  const rec = await decodeFixture("example.pcap", 1282);
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.srcPort, 44153);
  assert.equal(rec.tcpSackCount, 1);
  assert.deepEqual([...rec.tcpSack.subarray(0, 2)], [3014475376, 3014476724]);
  assert.equal(rec.tcpFlags & TCP_ACK, TCP_ACK);
});
