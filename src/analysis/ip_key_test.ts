import assert from "node:assert/strict";
import { cat, decodeBytes, ethernet, ipv4, ipv6, tcp } from "../protocol/_test_frames.ts";
import { PacketRecord } from "../protocol/packet.ts";
import { addressText, endpointText, loadAddress } from "./ip_key.ts";

Deno.test("ip_key: loads IPv4 and IPv6 addresses of decoded frames as words", () => {
  const out = new Int32Array(4).fill(7);
  const r4 = decodeBytes(
    cat(
      ethernet(0x0800),
      ipv4({ proto: 6, payloadLen: 20, src: "172.16.0.8", dst: "255.1.2.3" }),
      tcp({}),
    ),
  );
  assert.ok(loadAddress(r4, false, out));
  assert.deepEqual([...out], [0xac100008 | 0, 0, 0, 0]);
  assert.ok(loadAddress(r4, true, out));
  assert.deepEqual([...out], [0xff010203 | 0, 0, 0, 0]);
  const r6 = decodeBytes(
    cat(
      ethernet(0x86dd),
      ipv6({ next: 6, payloadLen: 20, src: "2001:db8::1", dst: "fe80::ffff:1:2" }),
      tcp({}),
    ),
  );
  assert.ok(loadAddress(r6, false, out));
  assert.deepEqual([...out], [0x20010db8, 0, 0, 1]);
  assert.ok(loadAddress(r6, true, out));
  assert.deepEqual([...out], [0xfe800000 | 0, 0, 0xffff, 0x00010002]);
  assert.equal(addressText(6, out[0]!, out[1]!, out[2]!, out[3]!), "fe80::ffff:1:2");
});

Deno.test("ip_key: no address, or one outside the buffer, is refused", () => {
  const out = new Int32Array(4);
  const rec = new PacketRecord();
  assert.equal(loadAddress(rec, false, out), false); // NET_NONE
  rec.net = 6;
  rec.buf = new Uint8Array(20);
  rec.srcAddrOff = 8;
  assert.equal(loadAddress(rec, false, out), false); // 8 + 16 > 20
  rec.srcAddrOff = -1;
  assert.equal(loadAddress(rec, false, out), false);
});

Deno.test("ip_key: address and endpoint text from key words", () => {
  assert.equal(addressText(4, 0xac100008, 0, 0, 0), "172.16.0.8");
  assert.equal(addressText(4, 0xffffffff, 0, 0, 0), "255.255.255.255");
  assert.equal(addressText(4, -1, 0, 0, 0), "255.255.255.255");
  assert.equal(addressText(6, 0xfe800000 | 0, 0, -1, -2), "fe80::ffff:ffff:ffff:fffe");
  assert.equal(addressText(6, 0x20010db8, 0, 0, 1), "2001:db8::1");
  assert.equal(addressText(6, 0, 0, 0xffff, 0x0a000001), "::ffff:10.0.0.1");
  assert.equal(endpointText(4, 0x0a000005, 0, 0, 0, 80), "10.0.0.5:80");
  assert.equal(endpointText(6, 0x20010db8, 0, 0, 5, 443), "[2001:db8::5]:443");
});
