import assert from "node:assert/strict";
import { communityId, parseIpAddress } from "./community_id.ts";

/**
 * The Community ID spec's reference data, baseline/baseline_deflt.json of
 * corelight/community-id-spec (seed 0, base64). The file lists ICMP tuples
 * with the ports already mapped (type, counterpart-or-code); here the raw
 * type and code go in, so the mapping is tested too.
 */
const BASELINE: readonly [number, string, string, number, number, string][] = [
  // ICMPv6 neighbour solicitation / advertisement, both ways.
  [
    58,
    "fe80::200:86ff:fe05:80da",
    "fe80::260:97ff:fe07:69ea",
    135,
    0,
    "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=",
  ],
  [
    58,
    "fe80::260:97ff:fe07:69ea",
    "fe80::200:86ff:fe05:80da",
    136,
    0,
    "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=",
  ],
  [
    58,
    "fe80::260:97ff:fe07:69ea",
    "fe80::200:86ff:fe05:80da",
    135,
    0,
    "1:zavyT/cezQr1fmImYCwYnMXbgck=",
  ],
  [
    58,
    "fe80::200:86ff:fe05:80da",
    "fe80::260:97ff:fe07:69ea",
    136,
    0,
    "1:zavyT/cezQr1fmImYCwYnMXbgck=",
  ],
  // ICMPv6 one-way messages: time exceeded (3/0), destination unreachable (1/4).
  [
    58,
    "3ffe:501:1800:2345::2",
    "3ffe:507:0:1:200:86ff:fe05:80da",
    3,
    0,
    "1:2ObVBgIn28oZvibYZhZMBgh7WdQ=",
  ],
  [
    58,
    "3ffe:501:410:0:2c0:dfff:fe47:33e",
    "3ffe:507:0:1:200:86ff:fe05:80da",
    1,
    4,
    "1:hLZd0XGWojozrvxqE0dWB1iM6R0=",
  ],
  // ICMPv6 echo request / reply.
  [
    58,
    "3ffe:507:0:1:200:86ff:fe05:80da",
    "3ffe:501:0:1001::2",
    128,
    0,
    "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=",
  ],
  [
    58,
    "3ffe:501:0:1001::2",
    "3ffe:507:0:1:200:86ff:fe05:80da",
    129,
    0,
    "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=",
  ],
  // ICMPv6 router solicitation / advertisement to multicast.
  [58, "fe80::200:86ff:fe05:80da", "ff02::2", 133, 0, "1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0="],
  [58, "fe80::260:97ff:fe07:69ea", "ff02::1", 134, 0, "1:pkvHqCL88/tg1k4cPigmZXUtL00="],
  // ICMP echo and reply; time exceeded (one-way).
  [1, "192.168.0.89", "192.168.0.1", 8, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk="],
  [1, "192.168.0.1", "192.168.0.89", 0, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk="],
  [1, "10.0.0.1", "10.0.0.2", 11, 0, "1:YHxtAirCG//0OzkcVAukqKQN9xM="],
  // TCP over IPv6 and IPv4, both ways.
  [
    6,
    "2001:470:e5bf:dead:4957:2174:e82c:4887",
    "2607:f8b0:400c:c03::1a",
    63943,
    25,
    "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=",
  ],
  [
    6,
    "2607:f8b0:400c:c03::1a",
    "2001:470:e5bf:dead:4957:2174:e82c:4887",
    25,
    63943,
    "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=",
  ],
  [6, "128.232.110.120", "66.35.250.204", 34855, 80, "1:LQU9qZlK+B5F3KDmev6m5PMibrg="],
  [6, "66.35.250.204", "128.232.110.120", 80, 34855, "1:LQU9qZlK+B5F3KDmev6m5PMibrg="],
  // SCTP (ports, equal on both sides).
  [132, "192.168.170.8", "192.168.170.56", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs="],
  [132, "192.168.170.56", "192.168.170.8", 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs="],
  // UDP DNS, both ways.
  [17, "192.168.1.52", "8.8.8.8", 54585, 53, "1:d/FP5EW3wiY1vCndhwleRRKHowQ="],
  [17, "8.8.8.8", "192.168.1.52", 53, 54585, "1:d/FP5EW3wiY1vCndhwleRRKHowQ="],
  // RSVP (46): no ports in the hash.
  [46, "10.1.12.1", "10.1.12.2", 0, 0, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw="],
  [46, "10.1.12.2", "10.1.12.1", 0, 0, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw="],
];

Deno.test("communityId() reproduces every tuple of the spec's baseline", () => {
  for (const [proto, src, dst, sp, dp, want] of BASELINE) {
    const got = communityId({
      proto,
      src: parseIpAddress(src),
      dst: parseIpAddress(dst),
      srcPort: sp,
      dstPort: dp,
    });
    assert.equal(got, want, `${proto} ${src}:${sp} -> ${dst}:${dp}`);
  }
});

Deno.test("communityId() ignores ports of protocols without them, and hashes -1 ports as none", () => {
  const src = parseIpAddress("10.1.12.1"), dst = parseIpAddress("10.1.12.2");
  const want = "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=";
  assert.equal(communityId({ proto: 46, src, dst, srcPort: 1234, dstPort: 80 }), want);
  // An ICMP flow whose type is unknown hashes without ports: not equal to type 0 code 0.
  const none = communityId({ proto: 1, src, dst, srcPort: -1, dstPort: -1 });
  assert.notEqual(none, communityId({ proto: 1, src, dst, srcPort: 0, dstPort: 0 }));
  assert.match(none, /^1:[A-Za-z0-9+/]{27}=$/);
});

Deno.test("communityId() seeds change the hash; router solicitation pairs with advertisement", () => {
  const t = {
    proto: 6,
    src: parseIpAddress("128.232.110.120"),
    dst: parseIpAddress("66.35.250.204"),
    srcPort: 34855,
    dstPort: 80,
  };
  assert.notEqual(communityId(t, 1), communityId(t, 0));
  assert.equal(communityId(t, 0), "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
  // ICMPv4 router solicitation (10) and advertisement (9) are a pair (pycommunityid icmp.py).
  const a = parseIpAddress("10.0.0.1"), b = parseIpAddress("10.0.0.2");
  assert.equal(
    communityId({ proto: 1, src: a, dst: b, srcPort: 10, dstPort: 0 }),
    communityId({ proto: 1, src: b, dst: a, srcPort: 9, dstPort: 0 }),
  );
});

Deno.test("communityId() rejects mismatched address lengths", () => {
  assert.throws(
    () =>
      communityId({
        proto: 6,
        src: new Uint8Array(4),
        dst: new Uint8Array(16),
        srcPort: 1,
        dstPort: 2,
      }),
    RangeError,
  );
});

Deno.test("parseIpAddress() reads dotted quads and IPv6 with ::", () => {
  assert.deepEqual([...parseIpAddress("192.0.2.1")], [192, 0, 2, 1]);
  assert.deepEqual(
    [...parseIpAddress("2001:db8::1")],
    [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
  );
  assert.deepEqual([...parseIpAddress("::ffff:192.0.2.1")].slice(10), [255, 255, 192, 0, 2, 1]);
  assert.throws(() => parseIpAddress("1.2.3"), SyntaxError);
  assert.throws(() => parseIpAddress("1:2:3"), SyntaxError);
});
