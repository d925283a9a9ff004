import assert from "node:assert/strict";
import { CaptureFileReader, NEXT_FRAME, NEXT_NEED_DATA } from "../capture/capture_file_reader.ts";
import { Frame } from "../capture/frame.ts";
import { decodeFrame } from "../protocol/decode.ts";
import { PacketRecord, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from "../protocol/packet.ts";
import { arpPacket, packet, prng, reversed, type TestPacket } from "./_test_packets.ts";
import { communityId, parseIpAddress } from "./community_id.ts";
import {
  type FlowRemoveReason,
  FlowTable,
  type FlowTableOptions,
  MAX_FLOW_SLOTS,
  type TcpObserver,
} from "./flow_table.ts";

const tcpAB: TestPacket = {
  proto: "tcp",
  src: "128.232.110.120",
  dst: "66.35.250.204",
  sport: 34855,
  dport: 80,
};

Deno.test("observe() puts both directions in one flow and counts packets and wire bytes per direction", () => {
  const t = new FlowTable();
  const ab = packet(tcpAB), ba = packet(reversed(tcpAB));
  const s = t.observe(ab, 1.5);
  assert.ok(s >= 0);
  assert.equal(t.lastIsNew, true);
  // 66.35.250.204 < 128.232.110.120: A is the server, so this packet went B→A.
  assert.equal(t.lastDir, 1);
  assert.equal(t.observe(ba, 2.25), s);
  assert.equal(t.lastIsNew, false);
  assert.equal(t.lastDir, 0);
  assert.equal(t.observe(ab, 3), s);
  assert.equal(t.size, 1);
  assert.equal(t.created, 1);
  assert.equal(t.packets(s, 1), 2);
  assert.equal(t.packets(s, 0), 1);
  assert.equal(t.bytes(s, 1), 2 * ab.frame.wireLen);
  assert.equal(t.bytes(s, 0), ba.frame.wireLen);
  assert.equal(t.firstSeen(s), 1.5);
  assert.equal(t.lastSeen(s), 3);
  assert.equal(t.firstDir(s), 1);
  assert.equal(t.lookup(ba), s);
  assert.equal(t.hash(s), t.hash(t.lookup(ab)));
});

Deno.test("observe(): first seen is the first packet's time, last seen the latest, when the clock steps back", () => {
  const t = new FlowTable();
  const s = t.observe(packet(tcpAB), 10);
  t.observe(packet(tcpAB), 9.999);
  t.observe(packet(tcpAB), 12);
  t.observe(packet(tcpAB), 11);
  assert.equal(t.firstSeen(s), 10);
  assert.equal(t.lastSeen(s), 12);
});

Deno.test("observe() separates flows by outer VLAN id", () => {
  const t = new FlowTable();
  const s0 = t.observe(packet(tcpAB), 0);
  const s1 = t.observe(packet({ ...tcpAB, vlan: 10 }), 0);
  const s2 = t.observe(packet({ ...reversed(tcpAB), vlan: 10, innerVlan: 20 }), 0);
  assert.notEqual(s0, s1);
  assert.equal(s2, s1); // the inner tag is not part of the key
  assert.equal(t.size, 2);
  assert.equal(t.vlan(s0), 0);
  assert.equal(t.vlan(s1), 10);
  assert.equal(t.snapshot(s1).vlan, 10);
});

Deno.test("observe() tracks IPv6 flows and snapshot() prints their addresses", () => {
  const t = new FlowTable();
  const p: TestPacket = {
    proto: "udp",
    src: "2001:db8:0:1::99",
    dst: "2001:db8:0:1::5",
    sport: 5000,
    dport: 53,
  };
  const s = t.observe(packet(p), 0);
  assert.equal(t.observe(packet(reversed(p)), 1), s);
  assert.ok(t.isIpv6(s));
  const snap = t.snapshot(s);
  assert.equal(snap.protocol, "udp");
  assert.equal(snap.endpoint_a_ip, "2001:db8:0:1::5");
  assert.equal(snap.endpoint_a_port, 53);
  assert.equal(snap.endpoint_b_ip, "2001:db8:0:1::99");
  assert.equal(snap.endpoint_b_port, 5000);
  assert.equal(snap.packets_a_to_b, 1);
  assert.equal(snap.packets_b_to_a, 1);
  assert.equal(snap.first_sender, "b");
  // An IPv4 flow with the same ports is another flow.
  assert.notEqual(t.observe(packet({ ...p, src: "10.0.0.1", dst: "10.0.0.2" }), 2), s);
});

Deno.test("ICMP is an address-pair flow; echo and reply share it; Community IDs follow the spec", () => {
  const t = new FlowTable();
  const req: TestPacket = { proto: "icmp", src: "192.168.0.89", dst: "192.168.0.1", icmpType: 8 };
  const s = t.observe(packet(req), 0);
  assert.equal(t.observe(packet({ ...reversed(req), icmpType: 0 }), 0.01), s);
  assert.equal(t.observe(packet({ ...req, icmpType: 3, icmpCode: 3 }), 0.02), s);
  const snap = t.snapshot(s);
  assert.equal(snap.protocol, "icmp");
  assert.equal(snap.endpoint_a_port, 0);
  assert.equal(snap.packets_a_to_b + snap.packets_b_to_a, 3);
  // Spec baseline (baseline_deflt.json): the flow's first message decides.
  assert.equal(snap.community_id, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=");
  // One-way message first (time exceeded): not reordered, so the sender matters.
  const u = new FlowTable();
  const te = u.observe(
    packet({ proto: "icmp", src: "10.0.0.1", dst: "10.0.0.2", icmpType: 11 }),
    0,
  );
  assert.equal(u.communityId(te), "1:YHxtAirCG//0OzkcVAukqKQN9xM=");
  const te2 = u.observe(
    packet({ proto: "icmp", src: "10.0.0.9", dst: "10.0.0.8", icmpType: 11 }),
    0,
  );
  assert.equal(
    u.communityId(te2),
    communityId({
      proto: 1,
      src: parseIpAddress("10.0.0.9"),
      dst: parseIpAddress("10.0.0.8"),
      srcPort: 11,
      dstPort: 0,
    }),
  );
  // ICMPv6 neighbour solicitation (spec baseline).
  const v6 = u.observe(
    packet({
      proto: "icmp",
      src: "fe80::200:86ff:fe05:80da",
      dst: "fe80::260:97ff:fe07:69ea",
      icmpType: 135,
    }),
    0,
  );
  assert.equal(u.snapshot(v6).protocol, "icmpv6");
  assert.equal(u.communityId(v6), "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=");
});

Deno.test("snapshot() Community IDs of TCP and UDP flows match the spec baseline either way round", () => {
  for (const first of [tcpAB, reversed(tcpAB)]) {
    const t = new FlowTable();
    const s = t.observe(packet(first), 0);
    assert.equal(t.snapshot(s).community_id, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
  }
  const t = new FlowTable();
  const s = t.observe(
    packet({ proto: "udp", src: "8.8.8.8", dst: "192.168.1.52", sport: 53, dport: 54585 }),
    0,
  );
  assert.equal(t.communityId(s), "1:d/FP5EW3wiY1vCndhwleRRKHowQ=");
  const gre = t.observe(packet({ proto: 46, src: "10.1.12.2", dst: "10.1.12.1" }), 0);
  assert.equal(t.snapshot(gre).protocol, "46");
  assert.equal(t.communityId(gre), "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=");
});

Deno.test("packets without IP and non-initial fragments have no flow and are counted", () => {
  const t = new FlowTable();
  assert.equal(t.observe(arpPacket(), 0), -1);
  assert.equal(t.lastIsNew, false);
  assert.equal(
    t.observe(packet({ proto: "udp", src: "10.0.0.1", dst: "10.0.0.2", fragUnits: 185 }), 0),
    -1,
  );
  assert.equal(t.noFlowPackets, 1);
  assert.equal(t.fragmentPackets, 1);
  assert.equal(t.size, 0);
  assert.equal(t.lookup(arpPacket()), -1);
});

/** Reads a fixture into a table; returns the table. */
async function readFixture(name: string, opts: FlowTableOptions = {}): Promise<FlowTable> {
  const path = new URL(`../../tests/fixtures/${name}`, import.meta.url).pathname;
  const table = new FlowTable(opts);
  const r = await CaptureFileReader.open(path);
  const f = new Frame();
  const rec = new PacketRecord();
  try {
    for (;;) {
      const s = r.next(f);
      if (s === NEXT_FRAME) {
        decodeFrame(f, rec);
        table.observe(rec, f.tsSec + f.tsNsec / 1e9);
      } else if (s === NEXT_NEED_DATA) await r.fill();
      else break;
    }
  } finally {
    r.close();
  }
  return table;
}

function flowsBy(t: FlowTable, pred: (s: number) => boolean): number[] {
  const out: number[] = [];
  t.forEachFlow((s) => {
    if (pred(s)) out.push(s);
  });
  return out;
}

Deno.test("the first DNS query name and TLS SNI of a flow are kept (fixtures)", async () => {
  const dns = await readFixture("DnsPackets.pcap");
  const [q] = flowsBy(dns, (s) => dns.portA(s) === 56520 && dns.portB(s) === 53);
  assert.ok(q !== undefined);
  assert.equal(dns.snapshot(q).dns_name, "www.google.com");
  assert.equal(dns.snapshot(q).sni, null);

  const tls = await readFixture("tls.pcap");
  const snis = new Map<number, string | null>();
  tls.forEachFlow((s) => snis.set(tls.portB(s) || tls.portA(s), tls.sni(s)));
  const byPort = (p: number) => {
    const [s] = flowsBy(tls, (x) => tls.portA(x) === p || tls.portB(x) === p);
    return s === undefined ? undefined : tls.snapshot(s).sni;
  };
  assert.equal(byPort(2061), "bawmashbij");
  assert.equal(byPort(55305), "ssl.gstatic.com");
  assert.equal(byPort(50553), "www.gstatic.com");

  const chrome = await readFixture("chrome-34-google.pcap");
  assert.equal(chrome.size, 1);
  const [c] = flowsBy(chrome, () => true);
  assert.equal(chrome.snapshot(c!).sni, "google.de");
  assert.equal(chrome.snapshot(c!).dns_name, null);
});

Deno.test("fixture: ip4_fragments.pcap is one UDP flow of the 9 first fragments and 3 replies", async () => {
  const t = await readFixture("ip4_fragments.pcap");
  assert.equal(t.size, 1);
  assert.equal(t.fragmentPackets, 41);
  const [s] = flowsBy(t, () => true);
  const snap = t.snapshot(s!);
  assert.equal(snap.endpoint_a_ip, "10.118.213.211");
  assert.equal(snap.packets_b_to_a, 9);
  assert.equal(snap.bytes_b_to_a, 9 * 1514);
  assert.equal(snap.packets_a_to_b, 3);
  assert.equal(snap.bytes_a_to_b, 534);
});

Deno.test("maxFlows evicts the least recently active flow, calling onRemove before clearing", () => {
  const removed: string[] = [];
  const t: FlowTable = new FlowTable({
    maxFlows: 3,
    onRemove: (s, reason) => {
      const snap = t.snapshot(s);
      removed.push(`${reason} ${snap.endpoint_b_port} ${snap.packets_a_to_b}`);
    },
  });
  const p = (port: number) =>
    packet({ proto: "udp", src: "10.0.0.1", dst: "10.0.0.2", dport: port, sport: 1 });
  t.observe(p(1001), 1);
  t.observe(p(1002), 2);
  t.observe(p(1003), 3);
  t.observe(p(1001), 4); // 1001 is now the most recent
  t.observe(p(1004), 5); // evicts 1002
  assert.deepEqual(removed, ["evicted 1002 1"]);
  assert.equal(t.size, 3);
  assert.equal(t.evicted, 1);
  assert.equal(t.lookup(p(1002)), -1);
  t.observe(p(1005), 6); // evicts 1003
  t.observe(p(1006), 7); // evicts 1001
  assert.deepEqual(removed, ["evicted 1002 1", "evicted 1003 1", "evicted 1001 2"]);
  assert.ok(t.capacity <= 3);
});

Deno.test("expire() removes flows idle longer than the timeout, oldest first; 0 = never", () => {
  const removed: [number, FlowRemoveReason][] = [];
  const t = new FlowTable({ timeoutSecs: 10 });
  const p = (port: number) =>
    packet({ proto: "udp", src: "10.0.0.1", dst: "10.0.0.2", dport: port, sport: 1 });
  const a = t.observe(p(1), 0);
  const b = t.observe(p(2), 5);
  const c = t.observe(p(3), 8);
  t.observe(p(1), 9); // a is active again
  assert.equal(t.expire(10, (s, r) => removed.push([s, r])), 0);
  assert.equal(t.expire(15.5, (s, r) => removed.push([s, r])), 1);
  assert.deepEqual(removed, [[b, "idle_timeout"]]);
  assert.equal(t.expire(19.5, (s, r) => removed.push([s, r])), 2);
  assert.deepEqual(removed, [[b, "idle_timeout"], [c, "idle_timeout"], [a, "idle_timeout"]]);
  assert.equal(t.size, 0);
  assert.equal(t.expired, 3);

  const never = new FlowTable({ timeoutSecs: 0 });
  never.observe(p(1), 0);
  assert.equal(never.expire(1e12, () => assert.fail("no flow may expire")), 0);
  assert.equal(never.size, 1);
});

Deno.test("drain() removes every flow with reason end_of_capture, least recent first", () => {
  const order: string[] = [];
  const t: FlowTable = new FlowTable({
    onRemove: (s, reason) => order.push(`${reason}:${t.portB(s)}`),
  });
  const p = (port: number) =>
    packet({ proto: "udp", src: "10.0.0.1", dst: "10.0.0.2", dport: port, sport: 1 });
  t.observe(p(7), 0);
  t.observe(p(8), 1);
  t.observe(p(9), 2);
  t.observe(p(7), 3);
  t.drain();
  assert.deepEqual(order, ["end_of_capture:8", "end_of_capture:9", "end_of_capture:7"]);
  assert.equal(t.size, 0);
  let n = 0;
  t.forEachFlow(() => n++);
  assert.equal(n, 0);
  // Slots are reused after removal.
  const s = t.observe(p(10), 4);
  assert.ok(s >= 0 && s < 3);
});

/** A stand-in TCP analyzer: a flow is closed after a FIN or RST; logs every call. */
class FakeTcp implements TcpObserver {
  log: string[] = [];
  closed: boolean[] = [];
  capacity = 0;
  grow(n: number): void {
    this.log.push(`grow ${n}`);
    this.capacity = n;
  }
  clear(slot: number): void {
    this.log.push(`clear ${slot}`);
    this.closed[slot] = false;
  }
  observe(slot: number, dir: number, isNew: boolean, rec: PacketRecord, _t: number): void {
    this.log.push(`observe ${slot} ${dir} ${isNew}`);
    assert.ok(slot < this.capacity, "slot beyond the analyzer's capacity");
    if ((rec.tcpFlags & (TCP_FIN | TCP_RST)) !== 0) this.closed[slot] = true;
  }
  isClosed(slot: number): boolean {
    return this.closed[slot] === true;
  }
  warm(slot: number): number {
    return slot;
  }
  sawSynAck(_slot: number): boolean {
    return false;
  }
}

Deno.test("the TCP analyzer sees TCP packets, grows with the table and is cleared after onRemove", () => {
  const tcp = new FakeTcp();
  const t: FlowTable = new FlowTable({
    initialCapacity: 16,
    tcp,
    onRemove: (s, r) => tcp.log.push(`remove ${s} ${r}`),
  });
  assert.deepEqual(tcp.log, ["grow 16"]);
  const s = t.observe(packet(tcpAB), 0);
  t.observe(packet({ ...reversed(tcpAB), flags: TCP_SYN | TCP_ACK }), 0.1);
  t.observe(packet({ proto: "udp", src: "10.0.0.1", dst: "10.0.0.2" }), 0.2); // not TCP
  assert.deepEqual(tcp.log.slice(1), [`observe ${s} 1 true`, `observe ${s} 0 false`]);
  for (let i = 0; i < 40; i++) {
    t.observe(packet({ ...tcpAB, sport: 2000 + i }), 1);
  }
  assert.ok(tcp.log.includes("grow 32") && tcp.log.includes("grow 64"));
  assert.equal(tcp.capacity, t.capacity);
  tcp.log.length = 0;
  t.drain();
  assert.deepEqual(tcp.log.slice(0, 2), [`remove ${s} end_of_capture`, `clear ${s}`]);
});

Deno.test("closed TCP flows expire after min(timeout, closedTimeoutSecs); open ones keep the full timeout", () => {
  const tcp = new FakeTcp();
  const reasons: string[] = [];
  const t: FlowTable = new FlowTable({
    timeoutSecs: 60,
    closedTimeoutSecs: 5,
    tcp,
    onRemove: (s, r) => reasons.push(`${t.portB(s) || t.portA(s)} ${r}`),
  });
  const open: TestPacket = { ...tcpAB, sport: 1111 };
  t.observe(packet(open), 0);
  t.observe(packet(tcpAB), 0);
  t.observe(packet({ ...tcpAB, flags: TCP_FIN | TCP_ACK }), 1);
  assert.equal(t.expire(5.5), 0);
  assert.equal(t.expire(6.5), 1);
  assert.deepEqual(reasons, ["34855 tcp_closed"]);
  assert.equal(t.expire(59), 0);
  assert.equal(t.expire(61), 1);
  assert.deepEqual(reasons, ["34855 tcp_closed", "1111 idle_timeout"]);
  // With the capped timeout below 5 s, closed flows use it.
  const u = new FlowTable({ timeoutSecs: 2, tcp: new FakeTcp() });
  u.observe(packet({ ...tcpAB, flags: TCP_RST }), 0);
  assert.equal(u.expire(2.5), 1);
});

Deno.test("a flow returns from the closed list to the open one when the analyzer says so", () => {
  const tcp = new FakeTcp();
  const t = new FlowTable({ timeoutSecs: 60, closedTimeoutSecs: 5, tcp });
  const s = t.observe(packet({ ...tcpAB, flags: TCP_RST }), 0);
  tcp.closed[s] = false; // e.g. the analyzer saw a new handshake
  t.observe(packet(tcpAB), 1);
  assert.equal(t.expire(10), 0);
  assert.equal(t.size, 1);
});

Deno.test("snapshot() merges the TCP fields the analyzer's hook supplies", () => {
  const t = new FlowTable({
    tcp: new FakeTcp(),
    tcpSnapshot: (slot) => ({ tcp_state: "established", rtt_samples: slot + 3, client: "b" }),
  });
  const s = t.observe(packet(tcpAB), 0);
  const u = t.observe(packet({ proto: "udp", src: "10.0.0.1", dst: "10.0.0.2" }), 0);
  const snap = t.snapshot(s);
  assert.equal(snap.tcp_state, "established");
  assert.equal(snap.rtt_samples, s + 3);
  assert.equal(snap.client, "b");
  assert.equal(snap.retransmissions, null);
  assert.equal(t.snapshot(u).tcp_state, null);
  assert.deepEqual(Object.keys(snap), Object.keys(t.snapshot(u)));
});

Deno.test("the constructor rejects impossible limits", () => {
  assert.throws(() => new FlowTable({ maxFlows: -1 }), RangeError);
  assert.throws(() => new FlowTable({ maxFlows: MAX_FLOW_SLOTS + 1 }), RangeError);
  assert.throws(() => new FlowTable({ timeoutSecs: -1 }), RangeError);
  assert.throws(() => new FlowTable({ timeoutSecs: NaN }), RangeError);
});

// ---- model tests: the table against a Map, many random operations ----

interface ModelFlow {
  pkts: [number, number];
  bytes: [number, number];
  last: number;
}

/** A pool of distinct random flows, each as its two directions' records. */
function flowPool(n: number, seed: number): { name: string; recs: [PacketRecord, PacketRecord] }[] {
  const rnd = prng(seed);
  const names = new Set<string>();
  const out: { name: string; recs: [PacketRecord, PacketRecord] }[] = [];
  const hex = () => ((rnd() * 65536) | 0).toString(16);
  while (out.length < n) {
    const v6 = rnd() < 0.25;
    // Few addresses and ports so that many flows share parts of their keys.
    const addr = () =>
      v6 ? `2001:db8::${hex().slice(0, 1)}` : `10.0.${(rnd() * 4) | 0}.${(rnd() * 8) | 0}`;
    const proto = rnd() < 0.45 ? "tcp" : rnd() < 0.9 ? "udp" : "icmp";
    const p: TestPacket = {
      proto,
      src: addr(),
      dst: addr(),
      sport: 1000 + ((rnd() * 40) | 0),
      dport: 80 + ((rnd() * 3) | 0),
      vlan: rnd() < 0.2 ? 1 + ((rnd() * 2) | 0) : undefined,
      payload: (rnd() * 100) | 0,
    };
    const q = reversed(p);
    const ends = [
      `${p.src}/${proto === "icmp" ? 0 : p.sport}`,
      `${p.dst}/${proto === "icmp" ? 0 : p.dport}`,
    ].sort();
    const name = `${proto} ${p.vlan ?? 0} ${ends.join(" ")}`;
    if (names.has(name)) continue;
    names.add(name);
    out.push({ name, recs: [packet(p), packet(q)] });
  }
  return out;
}

Deno.test("model test: random inserts, lookups, growth and expiry agree with a Map (fixed seed)", () => {
  const pool = flowPool(1500, 7);
  const rnd = prng(99);
  const model = new Map<string, ModelFlow>();
  const removedNames: string[] = [];
  const slotName = new Map<number, string>();
  const t = new FlowTable({
    timeoutSecs: 10,
    initialCapacity: 16,
    onRemove: (s) => {
      removedNames.push(slotName.get(s)!);
      slotName.delete(s);
    },
  });
  let now = 0;
  for (let step = 0; step < 60000; step++) {
    now += 0.001 + rnd() * 0.002;
    // A skewed choice: some flows are busy, others rare.
    const i = Math.floor(pool.length * rnd() * rnd());
    const { name, recs } = pool[i]!;
    const d = rnd() < 0.5 ? 0 : 1;
    const rec = recs[d]!;
    const s = t.observe(rec, now);
    let m = model.get(name);
    assert.equal(t.lastIsNew, m === undefined, `step ${step}: isNew for ${name}`);
    if (m === undefined) {
      m = { pkts: [0, 0], bytes: [0, 0], last: now };
      model.set(name, m);
      slotName.set(s, name);
    } else assert.equal(slotName.get(s), name, `step ${step}: ${name} moved slot`);
    // Model direction: the table's own dir for the first packet defines A/B.
    m.pkts[t.lastDir]! += 1;
    m.bytes[t.lastDir]! += rec.frame.wireLen;
    m.last = now;
    assert.equal(t.packets(s, t.lastDir), m.pkts[t.lastDir]);
    if (step % 2500 === 2499) {
      removedNames.length = 0;
      t.expire(now);
      const expect = [...model].filter(([, f]) => now - f.last > 10).map(([n]) => n);
      assert.deepEqual([...removedNames].sort(), expect.sort(), `step ${step}: expired set`);
      for (const n of expect) model.delete(n);
      assert.equal(t.size, model.size);
      for (const { name: n, recs: r } of pool) {
        const slot = t.lookup(r[0]);
        const mf = model.get(n);
        assert.equal(slot >= 0, mf !== undefined, `step ${step}: lookup of ${n}`);
        if (slot >= 0) {
          assert.equal(t.lookup(r[1]), slot);
          assert.deepEqual([t.packets(slot, 0), t.packets(slot, 1)], mf!.pkts);
          assert.deepEqual([t.bytes(slot, 0), t.bytes(slot, 1)], mf!.bytes);
          assert.equal(t.lastSeen(slot), mf!.last);
        }
      }
    }
  }
  assert.ok(t.expired > 500, `only ${t.expired} expiries: the test did not delete enough`);
  assert.ok(t.capacity >= 512, "the table never grew");
});

Deno.test("model test: maxFlows eviction follows least-recent order under random traffic", () => {
  const pool = flowPool(600, 3);
  const rnd = prng(5);
  const lru = new Map<string, true>(); // iteration order = least recent first
  const slotName = new Map<number, string>();
  const evicted: string[] = [];
  const t = new FlowTable({
    maxFlows: 200,
    initialCapacity: 16,
    onRemove: (s, reason) => {
      assert.equal(reason, "evicted");
      evicted.push(slotName.get(s)!);
    },
  });
  for (let step = 0; step < 20000; step++) {
    const { name, recs } = pool[Math.floor(pool.length * rnd() * rnd())]!;
    const expectVictim = !lru.has(name) && lru.size === 200 ? lru.keys().next().value : undefined;
    evicted.length = 0;
    const s = t.observe(recs[step & 1]!, step);
    slotName.set(s, name);
    lru.delete(name);
    lru.set(name, true);
    if (expectVictim !== undefined) {
      assert.deepEqual(evicted, [expectVictim], `step ${step}`);
      lru.delete(expectVictim);
    } else assert.deepEqual(evicted, []);
    assert.equal(t.size, lru.size);
  }
  assert.ok(t.evicted > 1000);
});
