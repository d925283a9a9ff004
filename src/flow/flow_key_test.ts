import assert from "node:assert/strict";
import { arpPacket, packet, prng, reversed, type TestPacket } from "./_test_packets.ts";
import {
  combineFlowHash,
  endpointHashV4,
  endpointHashV6,
  extractFlowKey,
  FAMILY_V4,
  FAMILY_V6,
  flowHash,
  FlowKey,
  KEY_FRAGMENT,
  KEY_NO_IP,
  KEY_OK,
} from "./flow_key.ts";
import { decodeFixture } from "../protocol/_test_frames.ts";

function keyOf(p: TestPacket): FlowKey {
  const k = new FlowKey();
  assert.equal(extractFlowKey(packet(p), k), KEY_OK);
  return k;
}

/** The key's fields except the direction. */
function canonical(k: FlowKey): unknown[] {
  return [
    k.family,
    k.proto,
    k.vlan,
    k.a0,
    k.a1,
    k.a2,
    k.a3,
    k.b0,
    k.b1,
    k.b2,
    k.b3,
    k.portA,
    k.portB,
    k.hash,
  ];
}

Deno.test("extractFlowKey() orders IPv4 endpoints: the smaller address is A, dir says who sent", () => {
  const p: TestPacket = { proto: "tcp", src: "10.0.0.9", dst: "10.0.0.1", sport: 1234, dport: 80 };
  const k = keyOf(p);
  assert.equal(k.family, FAMILY_V4);
  assert.equal(k.proto, 6);
  assert.equal(k.a0, 0x0a000001);
  assert.equal(k.portA, 80);
  assert.equal(k.b0, 0x0a000009);
  assert.equal(k.portB, 1234);
  assert.equal(k.dir, 1);
  const r = keyOf(reversed(p));
  assert.equal(r.dir, 0);
  assert.deepEqual(canonical(r), canonical(k));
});

Deno.test("extractFlowKey() compares addresses as unsigned numbers (128.0.0.0 > 127.255.255.255)", () => {
  const k = keyOf({ proto: "udp", src: "200.1.1.1", dst: "100.1.1.1", sport: 5, dport: 6 });
  assert.equal(k.a0, 0x64010101);
  assert.equal(k.b0 >>> 0, 0xc8010101); // words are kept as signed 32-bit integers
  assert.equal(k.dir, 1);
});

Deno.test("extractFlowKey() breaks an address tie by port", () => {
  const p: TestPacket = {
    proto: "udp",
    src: "127.0.0.1",
    dst: "127.0.0.1",
    sport: 5353,
    dport: 53,
  };
  const k = keyOf(p);
  assert.equal(k.portA, 53);
  assert.equal(k.portB, 5353);
  assert.equal(k.dir, 1);
  assert.equal(keyOf(reversed(p)).dir, 0);
  // Same address and port both ways: one endpoint, direction 0.
  assert.equal(keyOf({ ...p, sport: 7, dport: 7 }).dir, 0);
});

Deno.test("extractFlowKey() reads IPv6 addresses as four words and orders them", () => {
  const p: TestPacket = {
    proto: "tcp",
    src: "2001:db8::2",
    dst: "2001:db8::1",
    sport: 443,
    dport: 50000,
  };
  const k = keyOf(p);
  assert.equal(k.family, FAMILY_V6);
  assert.deepEqual([k.a0, k.a1, k.a2, k.a3], [0x20010db8, 0, 0, 1]);
  assert.deepEqual([k.b0, k.b1, k.b2, k.b3], [0x20010db8, 0, 0, 2]);
  assert.equal(k.portA, 50000);
  assert.equal(k.dir, 1);
  const r = keyOf(reversed(p));
  assert.equal(r.dir, 0);
  assert.deepEqual(canonical(r), canonical(k));
  // The high bit of a word counts as unsigned: ff02:: sorts after fe80::.
  const m = keyOf({ proto: "icmp", src: "ff02::1", dst: "fe80::1" });
  assert.equal(m.a0 >>> 0, 0xfe800000);
  assert.equal(m.dir, 1);
});

Deno.test("extractFlowKey() puts the outer VLAN id in the key", () => {
  const base: TestPacket = { proto: "tcp", src: "10.0.0.1", dst: "10.0.0.2", sport: 1, dport: 2 };
  const k0 = keyOf(base), k5 = keyOf({ ...base, vlan: 5 });
  const q = keyOf({ ...base, vlan: 5, innerVlan: 77 });
  assert.equal(k0.vlan, 0);
  assert.equal(k5.vlan, 5);
  assert.equal(q.vlan, 5); // only the outer tag
  assert.notEqual(k5.hash, k0.hash);
  assert.equal(q.hash, k5.hash);
});

Deno.test("extractFlowKey() keys ICMP and other protocols on the address pair (ports 0)", () => {
  const icmp = keyOf({ proto: "icmp", src: "192.168.0.89", dst: "192.168.0.1", icmpType: 8 });
  assert.equal(icmp.proto, 1);
  assert.equal(icmp.portA, 0);
  assert.equal(icmp.portB, 0);
  const reply = keyOf({ proto: "icmp", src: "192.168.0.1", dst: "192.168.0.89", icmpType: 0 });
  assert.deepEqual(canonical(reply), canonical(icmp));
  assert.equal(keyOf({ proto: "icmp", src: "fe80::1", dst: "fe80::2" }).proto, 58);
  const gre = keyOf({ proto: 47, src: "10.0.0.1", dst: "10.0.0.2" });
  assert.equal(gre.proto, 47);
  assert.equal(gre.portA + gre.portB, 0);
});

Deno.test("extractFlowKey() reads SCTP ports from the common header", () => {
  const rec = packet({ proto: 132, src: "10.0.0.1", dst: "10.0.0.2" });
  // The stand-in transport header is 8 zero bytes: write ports 2905 -> 7.
  const b = rec.buf, o = rec.l4Off;
  b[o] = 2905 >>> 8;
  b[o + 1] = 2905 & 255;
  b[o + 2] = 0;
  b[o + 3] = 7;
  const k = new FlowKey();
  assert.equal(extractFlowKey(rec, k), KEY_OK);
  assert.equal(k.portA, 2905);
  assert.equal(k.portB, 7);
});

Deno.test("extractFlowKey() gives no key without IP, nor for non-initial fragments", () => {
  const k = new FlowKey();
  assert.equal(extractFlowKey(arpPacket(), k), KEY_NO_IP);
  const first = packet({
    proto: "udp",
    src: "10.0.0.1",
    dst: "10.0.0.2",
    sport: 789,
    dport: 2049,
    moreFragments: true,
    payload: 64,
  });
  assert.equal(extractFlowKey(first, k), KEY_OK);
  assert.equal(k.portA, 789);
  const later = packet({ proto: "udp", src: "10.0.0.1", dst: "10.0.0.2", fragUnits: 185 });
  assert.equal(extractFlowKey(later, k), KEY_FRAGMENT);
  const later6 = packet({ proto: "udp", src: "2001:db8::1", dst: "2001:db8::2", fragUnits: 3 });
  assert.equal(extractFlowKey(later6, k), KEY_FRAGMENT);
  assert.equal(flowHash(later), 0);
});

Deno.test("extractFlowKey() on real fragments: ip4_fragments.pcap frame 1 has ports, frame 2 none", async () => {
  const k = new FlowKey();
  assert.equal(extractFlowKey(await decodeFixture("ip4_fragments.pcap", 1), k), KEY_OK);
  // 10.118.213.212:789 -> 10.118.213.211:2049: the server's address is smaller.
  assert.deepEqual([k.portA, k.portB, k.dir], [2049, 789, 1]);
  assert.equal(extractFlowKey(await decodeFixture("ip4_fragments.pcap", 2), k), KEY_FRAGMENT);
});

Deno.test("extractFlowKey() hash equals combineFlowHash() of the endpoint hashes", () => {
  const k = keyOf({
    proto: "udp",
    src: "200.1.1.1",
    dst: "100.1.1.1",
    sport: 5,
    dport: 6,
    vlan: 9,
  });
  assert.equal(
    k.hash,
    combineFlowHash(endpointHashV4(0xc8010101, 5), endpointHashV4(0x64010101, 6), 17, 9, 0),
  );
  const k6 = keyOf({ proto: "tcp", src: "2001:db8::2", dst: "2001:db8::1", sport: 1, dport: 2 });
  assert.equal(
    k6.hash,
    combineFlowHash(
      endpointHashV6(0x20010db8, 0, 0, 2, 1),
      endpointHashV6(0x20010db8, 0, 0, 1, 2),
      6,
      0,
      1,
    ),
  );
});

Deno.test("flow hash is symmetric: property test over random IPv4/IPv6 keys", () => {
  const rnd = prng(0x5eed);
  const word = () => (rnd() * 4294967296) >>> 0;
  for (let i = 0; i < 20000; i++) {
    const proto = (rnd() * 256) | 0, vlan = (rnd() * 4096) | 0;
    const p1 = (rnd() * 65536) | 0, p2 = (rnd() * 65536) | 0;
    const a = word(), b = rnd() < 0.1 ? a : word();
    assert.equal(
      combineFlowHash(endpointHashV4(a, p1), endpointHashV4(b, p2), proto, vlan, 0),
      combineFlowHash(endpointHashV4(b, p2), endpointHashV4(a, p1), proto, vlan, 0),
    );
    const w = [word(), word(), word(), word(), word(), word(), word(), word()];
    const h6a = endpointHashV6(w[0]!, w[1]!, w[2]!, w[3]!, p1);
    const h6b = endpointHashV6(w[4]!, w[5]!, w[6]!, w[7]!, p2);
    assert.equal(
      combineFlowHash(h6a, h6b, proto, vlan, 1),
      combineFlowHash(h6b, h6a, proto, vlan, 1),
    );
  }
});

Deno.test("flowHash() is equal for both directions of random packets", () => {
  const rnd = prng(42);
  const octet = () => (rnd() * 256) | 0;
  const hex = () => ((rnd() * 65536) | 0).toString(16);
  for (let i = 0; i < 300; i++) {
    const v6 = rnd() < 0.3;
    const addr = () =>
      v6
        ? `2001:${hex()}:${hex()}::${hex()}:${hex()}`
        : `${octet()}.${octet()}.${octet()}.${octet()}`;
    const proto = (["tcp", "udp", "icmp", 47] as const)[(rnd() * 4) | 0]!;
    const p: TestPacket = {
      proto,
      src: addr(),
      dst: addr(),
      sport: (rnd() * 65536) | 0,
      dport: (rnd() * 65536) | 0,
      vlan: rnd() < 0.5 ? (rnd() * 4095) | 0 : undefined,
    };
    const h = flowHash(packet(p));
    assert.notEqual(h, 0);
    assert.equal(flowHash(packet(reversed(p))), h);
  }
});

Deno.test("flow hash spreads sequential ports and addresses over the low and high bits", () => {
  // A port scan and a /16 sweep: buckets of a 4096-slot index must stay balanced.
  const counts = new Uint32Array(4096);
  const tags = new Uint32Array(64);
  for (let port = 0; port < 40960; port++) {
    const h = combineFlowHash(
      endpointHashV4(0xac100008, 36050),
      endpointHashV4(0x400d8634 + (port >>> 10), port),
      6,
      0,
      0,
    );
    counts[h & 4095]++;
    tags[h >>> 26]++;
  }
  const max = Math.max(...counts), min = Math.min(...counts);
  assert.ok(max <= 30 && min >= 1, `bucket load ${min}..${max} (mean 10)`);
  assert.ok(Math.max(...tags) < 800 && Math.min(...tags) > 480, "tag bits unbalanced");
});
