import assert from "node:assert/strict";
import {
  addr4,
  cat,
  decodeBytes,
  decodeFixture,
  ethernet,
  ipv4,
  SYN_FRAME,
  tcp,
  udp,
} from "./_test_frames.ts";
import { IPV4_MIN_HEADER_LEN, onesComplementSum } from "./ipv4.ts";
import {
  L_IPV4,
  L_TCP,
  L_UDP,
  NET_IPV4,
  R_IPV4_IHL,
  R_IPV4_SHORT,
  R_IPV4_TOTAL_LEN,
  R_IPV4_TRUNC,
  R_IPV4_VERSION,
  ST_MALFORMED,
  ST_OK,
  ST_TRUNCATED,
} from "./packet.ts";

const ETH = ethernet(0x0800);

Deno.test("decodeIpv4() reads every field of a known header", () => {
  // SYN_FRAME: 4500 0034 5485 4000 8006 6a83 c0a8 0102 4d43 2cce
  const rec = decodeBytes(SYN_FRAME);
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.net, NET_IPV4);
  assert.equal(rec.netOff, 7 + 14);
  assert.equal(rec.netHdrLen, 20);
  assert.equal(rec.tos, 0);
  assert.equal(rec.ipTotalLen, 52);
  assert.equal(rec.ipId, 0x5485);
  assert.equal(rec.ipFlags, 2); // DF
  assert.equal(rec.moreFragments, 0);
  assert.equal(rec.fragOffset, 0);
  assert.equal(rec.isFragment, 0);
  assert.equal(rec.ttl, 128);
  assert.equal(rec.ipProto, 6);
  assert.equal(rec.ipChecksum, 0x6a83);
  assert.equal(rec.ipChecksumOk, 1);
  assert.equal(rec.srcAddrOff, 7 + 14 + 12);
  assert.equal(rec.dstAddrOff, 7 + 14 + 16);
  assert.equal(addr4(rec, rec.srcAddrOff), "192.168.1.2");
  assert.equal(addr4(rec, rec.dstAddrOff), "77.67.44.206");
  assert.equal(rec.srcV4, 0xc0a80102);
  assert.equal(rec.dstV4, 0x4d432cce);
  assert.equal(rec.l4Off, 7 + 34);
  assert.equal(rec.l4Len, 32);
  assert.equal(rec.l4CapLen, 32);
});

Deno.test("decodeIpv4() flags every prefix of the header as truncated, addresses from 20 bytes", () => {
  for (let len = 14; len < SYN_FRAME.length; len++) {
    const rec = decodeBytes(SYN_FRAME, { capLen: len });
    const ipLen = len - 14;
    if (ipLen < IPV4_MIN_HEADER_LEN) {
      assert.equal(rec.status, ST_TRUNCATED, `capLen ${len}`);
      assert.equal(rec.statusLayer, L_IPV4, `capLen ${len}`);
      assert.equal(rec.reason, R_IPV4_SHORT, `capLen ${len}`);
      assert.equal(rec.srcAddrOff, -1, `capLen ${len}`);
      assert.equal(rec.l4Off, -1, `capLen ${len}`);
      assert.equal(rec.topLayer, L_IPV4);
    } else {
      assert.notEqual(rec.statusLayer, L_IPV4, `capLen ${len}`);
      assert.equal(addr4(rec, rec.srcAddrOff), "192.168.1.2", `capLen ${len}`);
      assert.equal(rec.l4Len, 32, `capLen ${len}`);
      assert.equal(rec.l4CapLen, Math.min(32, ipLen - 20), `capLen ${len}`);
      assert.equal(rec.topLayer, L_TCP);
    }
  }
});

Deno.test("decodeIpv4() rejects a header length below 20 bytes (IHL 4) without addresses", async () => {
  const bytes = cat(ETH, ipv4({ proto: 17, payloadLen: 8, ihl: 4 }), udp(1, 2, 0));
  for (const rec of [decodeBytes(bytes), await decodeFixture("ipv4_invalid_hdr_length.pcap", 1)]) {
    assert.equal(rec.status, ST_MALFORMED);
    assert.equal(rec.statusLayer, L_IPV4);
    assert.equal(rec.reason, R_IPV4_IHL);
    assert.equal(rec.netHdrLen, 16);
    assert.equal(rec.srcAddrOff, -1);
    assert.equal(rec.ipProto, -1);
    assert.equal(rec.srcPort, -1);
  }
});

Deno.test("decodeIpv4() rejects a total length below the header length", () => {
  const rec = decodeBytes(cat(ETH, ipv4({ proto: 6, payloadLen: 20, totalLen: 19 }), tcp({})));
  assert.equal(rec.status, ST_MALFORMED);
  assert.equal(rec.reason, R_IPV4_TOTAL_LEN);
  assert.equal(rec.srcAddrOff, -1);
  assert.equal(rec.l4Off, -1);
});

Deno.test("decodeIpv4() skips IPv4 options and verifies the checksum over them", () => {
  const opts = [0x94, 0x04, 0x00, 0x00]; // Router Alert (RFC 2113)
  const rec = decodeBytes(cat(ETH, ipv4({ proto: 6, payloadLen: 20, options: opts }), tcp({})));
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.netHdrLen, 24);
  assert.equal(rec.l4Off, 7 + 14 + 24);
  assert.equal(rec.ipChecksumOk, 1);
  assert.equal(rec.srcPort, 40000);
});

Deno.test("decodeIpv4() flags options cut by the snaplen as truncated but keeps the addresses", () => {
  const opts = new Array(40).fill(1); // IHL 15, NOP options
  const bytes = cat(ETH, ipv4({ proto: 6, payloadLen: 20, options: opts }), tcp({}));
  const rec = decodeBytes(bytes, { capLen: 14 + 40 });
  assert.equal(rec.status, ST_TRUNCATED);
  assert.equal(rec.reason, R_IPV4_SHORT);
  assert.equal(rec.netHdrLen, 60);
  assert.equal(addr4(rec, rec.dstAddrOff), "198.51.100.2");
  assert.equal(rec.ipChecksumOk, -1); // not verified: header not captured
  assert.equal(rec.l4Off, -1);
});

Deno.test("decodeIpv4() marks a good and a bad header checksum; a bad one is no decode error", () => {
  const good = decodeBytes(cat(ETH, ipv4({ proto: 6, payloadLen: 20 }), tcp({})));
  assert.equal(good.ipChecksumOk, 1);
  const bad = decodeBytes(cat(ETH, ipv4({ proto: 6, payloadLen: 20, checksum: 0x1234 }), tcp({})));
  assert.equal(bad.ipChecksumOk, 0);
  assert.equal(bad.ipChecksum, 0x1234);
  // Checksum offload makes bad checksums common on captured outgoing packets.
  assert.equal(bad.status, ST_OK);
  assert.equal(bad.srcPort, 40000);
});

Deno.test("onesComplementSum() sums 16-bit words with end-around carry, odd length padded", () => {
  assert.equal(onesComplementSum(new Uint8Array([0xff, 0xff, 0x00, 0x01]), 0, 4), 0x0001);
  assert.equal(onesComplementSum(new Uint8Array([0x12, 0x34, 0x56]), 0, 3), 0x6834);
  assert.equal(onesComplementSum(new Uint8Array([9, 0x12, 0x34]), 1, 2), 0x1234);
  assert.equal(onesComplementSum(new Uint8Array(0), 0, 0), 0);
});

Deno.test("decodeIpv4() flags a total length beyond the wire length and still decodes TCP", () => {
  const bytes = cat(ETH, ipv4({ proto: 6, payloadLen: 20, totalLen: 100 }), tcp({}));
  const rec = decodeBytes(bytes);
  assert.equal(rec.status, ST_MALFORMED);
  assert.equal(rec.reason, R_IPV4_TRUNC);
  assert.equal(rec.l4Len, 80);
  assert.equal(rec.l4CapLen, 20);
  assert.equal(rec.srcPort, 40000);
});

Deno.test("decodeIpv4() accepts a frame cut by the snaplen (captured < total length)", () => {
  const payload = new Uint8Array(1000);
  const bytes = cat(ETH, ipv4({ proto: 17, payloadLen: 1008 }), udp(53, 5353, 1000), payload);
  const rec = decodeBytes(bytes, { capLen: 96 });
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.ipTotalLen, 1028);
  assert.equal(rec.l4Len, 1008);
  assert.equal(rec.l4CapLen, 96 - 34);
  assert.equal(rec.payloadWireLen, 1000);
  assert.equal(rec.payloadLen, 96 - 42);
});

Deno.test("decodeIpv4() takes a total length of 0 (TSO) from the wire length", () => {
  const bytes = cat(
    ETH,
    ipv4({ proto: 6, payloadLen: 30, totalLen: 0 }),
    tcp({}),
    new Uint8Array(10),
  );
  const rec = decodeBytes(bytes, { capLen: 54, wireLen: bytes.length });
  assert.equal(rec.status, ST_OK);
  assert.equal(rec.ipTotalLen, 50);
  assert.equal(rec.l4Len, 30);
  assert.equal(rec.l4CapLen, 20);
  assert.equal(rec.payloadWireLen, 10);
});

Deno.test("decodeIpv4() decodes the transport header of a first fragment only", () => {
  const first = decodeBytes(
    cat(ETH, ipv4({ proto: 17, payloadLen: 1480, flags: 1, id: 0x1ea0 }), udp(789, 2049, 8312)),
    { wireLen: 14 + 1500 },
  );
  assert.equal(first.status, ST_OK); // the UDP length covers the whole datagram
  assert.equal(first.isFragment, 1);
  assert.equal(first.moreFragments, 1);
  assert.equal(first.fragOffset, 0);
  assert.equal(first.ipId, 0x1ea0);
  assert.equal(first.srcPort, 789);
  assert.equal(first.udpLen, 8320);
  assert.equal(first.payloadWireLen, 1472);

  const data = new Uint8Array(16);
  const middle = decodeBytes(
    cat(ETH, ipv4({ proto: 17, payloadLen: 16, flags: 1, fragUnits: 185 }), data),
  );
  assert.equal(middle.status, ST_OK);
  assert.equal(middle.isFragment, 1);
  assert.equal(middle.moreFragments, 1);
  assert.equal(middle.fragOffset, 1480);
  assert.equal(middle.ipProto, 17);
  assert.equal(middle.l4Off, 7 + 34); // where the fragment's data starts
  assert.equal(middle.srcPort, -1); // no UDP header in a non-initial fragment
  assert.equal(middle.topLayer, L_IPV4);

  assert.equal(middle.l4CapLen, 16);
  const last = decodeBytes(cat(ETH, ipv4({ proto: 17, payloadLen: 16, fragUnits: 925 }), data));
  assert.equal(last.status, ST_OK);
  assert.equal(last.isFragment, 1);
  assert.equal(last.moreFragments, 0);
  assert.equal(last.fragOffset, 7400);

  const df = decodeBytes(cat(ETH, ipv4({ proto: 6, payloadLen: 20, flags: 2 }), tcp({})));
  assert.equal(df.isFragment, 0);
  assert.equal(df.ipFlags, 2);
});

Deno.test("decodeIpv4() reads ip4_fragments.pcap: UDP ports in the first fragment only", async () => {
  const first = await decodeFixture("ip4_fragments.pcap", 1);
  assert.equal(first.isFragment, 1);
  assert.equal(first.moreFragments, 1);
  assert.equal(first.srcPort, 789);
  assert.equal(first.dstPort, 2049);
  assert.equal(first.topLayer, L_UDP);
  const second = await decodeFixture("ip4_fragments.pcap", 2);
  assert.equal(second.fragOffset, 1480);
  assert.equal(second.srcPort, -1);
  assert.equal(second.status, ST_OK);
  const last = await decodeFixture("ip4_fragments.pcap", 6);
  assert.equal(last.moreFragments, 0);
  assert.equal(last.fragOffset, 925 * 8);
});

Deno.test("decodeIpv4() rejects a version other than 4 under ethertype 0x0800", () => {
  const bytes = cat(ETH, ipv4({ proto: 6, payloadLen: 20 }), tcp({}));
  bytes[14] = 0x65;
  const rec = decodeBytes(bytes);
  assert.equal(rec.status, ST_MALFORMED);
  assert.equal(rec.reason, R_IPV4_VERSION);
  assert.equal(rec.srcAddrOff, -1);
});

Deno.test("decodeIpv4() verifies option-less and optioned headers as onesComplementSum() does", () => {
  let seed = 12345;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
  for (let n = 0; n < 500; n++) {
    const options = n % 2 === 0 ? [] : [1, 1, 1, 0];
    const hdr = ipv4({ proto: 253, payloadLen: 0, options, id: rand() << 8 | rand() });
    // Random TTL/TOS and a checksum that is right half of the time.
    hdr[1] = rand();
    hdr[8] = rand() | 1;
    if (n % 4 < 2) {
      hdr[10] = rand();
      hdr[11] = rand();
    }
    const want = onesComplementSum(hdr, 0, hdr.length) === 0xffff ? 1 : 0;
    const rec = decodeBytes(cat(ETH, hdr));
    assert.equal(rec.ipChecksumOk, want, `header ${n}`);
  }
});
