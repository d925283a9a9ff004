import assert from "node:assert/strict";
import { cat, decodeBytes, ethernet, ipv4, tcp, udp } from "../protocol/_test_frames.ts";
import type { PortScanAlert } from "./alert.ts";
import { ACK, defaultPortScan, RST, SYN, SYN_ACK, SynthPacket, v4 } from "./_test_anomaly.ts";
import { portKeyOf, PortScanDetector, UDP_PORT_BIT } from "./port_scan.ts";

const SCANNER = v4("172.16.0.8");
const VICTIM = v4("64.13.134.52");

Deno.test("port scan: a UDP scan of 100 ports alerts once, at the 26th port", () => {
  const d = new PortScanDetector(defaultPortScan(), 1278275056);
  const p = new SynthPacket();
  const alerts: { a: PortScanAlert; i: number }[] = [];
  for (let i = 0; i < 100; i++) {
    const a = d.observe(p.udp4(SCANNER, VICTIM, 1000 + i), i / 64);
    if (a) alerts.push({ a, i });
  }
  assert.equal(alerts.length, 1);
  assert.equal(alerts[0]!.i, 25);
  assert.deepEqual(alerts[0]!.a, {
    ts: "2010-07-04T20:24:16.390625000Z",
    kind: "port_scan",
    description: "Port scan from 172.16.0.8: 26 ports on 1 host within 10 s",
    source: { ip: "172.16.0.8" },
    unique_ports: 26,
    unique_hosts: 1,
    window_secs: 10,
    unique_ports_threshold: 25,
    unique_hosts_threshold: 10,
  });
  assert.equal(d.contactsSeen, 100);
  // Counts stop at threshold + 1.
  assert.equal(d.trackedEntries, 26 + 1);
  assert.equal(d.forgottenKeys, 100 - 26);
});

Deno.test("port scan: a host sweep over 20 hosts on one port alerts at the 11th host", () => {
  const d = new PortScanDetector(defaultPortScan());
  const p = new SynthPacket();
  const alerts: { a: PortScanAlert; i: number }[] = [];
  for (let i = 0; i < 20; i++) {
    const a = d.observe(p.tcp4(SCANNER, v4("10.9.0.1") + i, 22, SYN), i * 0.1);
    if (a) alerts.push({ a, i });
  }
  assert.equal(alerts.length, 1);
  assert.equal(alerts[0]!.i, 10);
  assert.equal(alerts[0]!.a.unique_hosts, 11);
  assert.equal(alerts[0]!.a.unique_ports, 1);
  assert.equal(
    alerts[0]!.a.description,
    "Port scan from 172.16.0.8: 1 port on 11 hosts within 10 s",
  );
});

Deno.test("port scan: 25 ports and 10 hosts are not MORE than the thresholds", () => {
  const d = new PortScanDetector(defaultPortScan());
  const p = new SynthPacket();
  // 25 ports spread over 10 hosts, repeated: never 26 ports nor 11 hosts.
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < 25; i++) {
      assert.equal(
        d.observe(p.tcp4(SCANNER, VICTIM + (i % 10), 100 + i, SYN), round + i * 0.01),
        null,
      );
    }
  }
  assert.equal(d.alertsRaised, 0);
});

Deno.test("port scan: only SYN-only TCP and UDP count", () => {
  const d = new PortScanDetector(defaultPortScan());
  const p = new SynthPacket();
  for (const flags of [SYN_ACK, ACK, RST, RST | ACK, 0x01, 0x11, 0]) {
    for (let i = 0; i < 100; i++) {
      assert.equal(d.observe(p.tcp4(SCANNER, VICTIM + i, 1 + i, flags), i * 0.001), null);
    }
  }
  assert.equal(d.contactsSeen, 0);
  const icmp = p.udp4(SCANNER, VICTIM, 7);
  icmp.ipProto = 1;
  icmp.dstPort = -1;
  assert.equal(d.observe(icmp, 0), null);
  assert.equal(d.contactsSeen, 0);
});

Deno.test("port scan: ports are counted per protocol", () => {
  const d = new PortScanDetector(defaultPortScan());
  const p = new SynthPacket();
  let alert: PortScanAlert | null = null;
  // TCP 1..13 and UDP 1..13: 26 distinct (protocol, port) pairs.
  for (let i = 1; i <= 13; i++) {
    d.observe(p.tcp4(SCANNER, VICTIM, i, SYN), i * 0.01);
    alert = d.observe(p.udp4(SCANNER, VICTIM, i), i * 0.01) ?? alert;
  }
  assert.ok(alert);
  assert.equal(alert.unique_ports, 26);
});

Deno.test("port scan: window expiry: 200 ports at one per 0.5 s never alert", () => {
  const d = new PortScanDetector(defaultPortScan());
  const p = new SynthPacket();
  for (let i = 0; i < 200; i++) {
    assert.equal(d.observe(p.tcp4(SCANNER, VICTIM, 1 + i, SYN), i * 0.5), null);
  }
  // 26 ports at one per 0.35 s (8.75 s = 7/8 of the window): counted together.
  const d2 = new PortScanDetector(defaultPortScan());
  let hits = 0;
  for (let i = 0; i < 26; i++) {
    if (d2.observe(p.tcp4(SCANNER, VICTIM, 1 + i, SYN), 3 + i * 0.35)) hits++;
  }
  assert.equal(hits, 1);
});

Deno.test("port scan: the cooldown holds across windows; a slow scan alerts every 30 s", () => {
  const d = new PortScanDetector(defaultPortScan());
  const p = new SynthPacket();
  const times: number[] = [];
  // 100 s of scanning at 8 new ports per second (80 per window).
  for (let i = 0; i < 800; i++) {
    const t = i / 8;
    if (d.observe(p.tcp4(SCANNER, VICTIM, 1 + (i % 60000), SYN), t)) times.push(t);
  }
  // The 26th port at t = 25/8; then the first packets ≥ 30 s later.
  assert.deepEqual(times, [3.125, 33.125, 63.125, 93.125]);
});

Deno.test("port scan: sources are separate, IPv6 included", () => {
  const d = new PortScanDetector(defaultPortScan());
  const p = new SynthPacket();
  let alert: PortScanAlert | null = null;
  for (let i = 0; i < 30; i++) {
    // Two IPv4 sources share the ports: 15 each, no alert.
    d.observe(p.tcp4(SCANNER + (i & 1), VICTIM, 1 + i, SYN), i * 0.01);
    alert = d.observe(p.udp6("2001:db8::bad", `2001:db8:ff::${i + 1}`, 53), i * 0.01) ?? alert;
  }
  assert.ok(alert);
  assert.deepEqual(alert.source, { ip: "2001:db8::bad" });
  assert.equal(alert.unique_hosts, 11);
  assert.equal(alert.unique_ports, 1);
  assert.equal(d.alertsRaised, 1);
  assert.equal(d.trackedSources, 3);
});

Deno.test("port scan: decoded frames: UDP and a SYN count, a SYN-ACK does not", () => {
  const s = { ...defaultPortScan(), unique_ports_threshold: 1 };
  const d = new PortScanDetector(s);
  const u = decodeBytes(
    cat(ethernet(0x0800), ipv4({ proto: 17, payloadLen: 8, src: "10.0.0.1" }), udp(5353, 53, 0)),
  );
  const sa = decodeBytes(
    cat(
      ethernet(0x0800),
      ipv4({ proto: 6, payloadLen: 20, src: "10.0.0.1" }),
      tcp({ flags: SYN_ACK, dport: 81 }),
    ),
  );
  const syn = decodeBytes(
    cat(
      ethernet(0x0800),
      ipv4({ proto: 6, payloadLen: 20, src: "10.0.0.1" }),
      tcp({ flags: SYN, dport: 82 }),
    ),
  );
  assert.equal(d.observe(u, 0), null);
  assert.equal(d.observe(sa, 0), null);
  const a = d.observe(syn, 0);
  assert.ok(a);
  assert.equal(a.unique_ports, 2);
  assert.deepEqual(a.source, { ip: "10.0.0.1" });
});

Deno.test("port scan: 1,000,000 spoofed sources: bounded state, a real scan still alerted", () => {
  const d = new PortScanDetector(defaultPortScan());
  const p = new SynthPacket();
  const alerts: PortScanAlert[] = [];
  for (let i = 0; i < 1_000_000; i++) {
    const t = i * 1e-5;
    const src = Math.imul(i + 1, 0x9e3779b1) >>> 0;
    const a = d.observe(p.tcp4(src, VICTIM, 80, SYN), t);
    if (a) alerts.push(a);
    // Meanwhile one real scanner probes a new port every 1,000 packets.
    if (i % 1000 === 0) {
      const b = d.observe(p.tcp4(SCANNER, VICTIM, 1 + i / 1000, SYN), t);
      if (b) alerts.push(b);
    }
    if ((i & 1023) === 0) {
      assert.ok(d.trackedSources <= d.maxSources);
      assert.ok(d.trackedEntries <= d.maxEntries);
    }
  }
  assert.equal(d.trackedSources, 65536);
  assert.ok(d.trackedEntries <= d.maxEntries);
  // Every spoofed source is evicted still in its window, but the scanner is
  // never the least recent: it alerts at its 26th port (t = 0.25 s), once
  // in these 10 s (cooldown 30 s).
  assert.ok(d.droppedSources > 900_000, `droppedSources ${d.droppedSources}`);
  assert.deepEqual(alerts.map((a) => a.source.ip), ["172.16.0.8"]);
  assert.equal(alerts[0]!.unique_ports, 26);
});

Deno.test("port scan: a small entry pool evicts the least recent source", () => {
  const d = new PortScanDetector(defaultPortScan(), 0, { maxSources: 100, maxEntries: 1 });
  assert.equal(d.maxEntries, 2 * (26 + 11));
  const p = new SynthPacket();
  for (let i = 0; i < 5000; i++) {
    d.observe(p.udp4(v4("10.5.0.0") + (i % 90), VICTIM + (i % 7), 1 + (i % 13)), i * 1e-3);
    assert.ok(d.trackedEntries <= 74);
    assert.ok(d.trackedSources <= 100);
  }
  assert.ok(d.droppedSources > 0);
});

Deno.test("port scan: absurd thresholds are refused", () => {
  assert.throws(
    () => new PortScanDetector({ ...defaultPortScan(), unique_hosts_threshold: 2 ** 31 - 1 }),
    RangeError,
  );
});

Deno.test("port scan: countContact takes the key as fields and equals observe()", () => {
  const a = new PortScanDetector(defaultPortScan(), 0, { seed: 1 });
  const b = new PortScanDetector(defaultPortScan(), 0, { seed: 1 });
  const p = new SynthPacket();
  // Words at arbitrary offsets of a caller's array: source, then destination.
  const words = new Int32Array(24);
  const got: (PortScanAlert | null)[] = [], want: (PortScanAlert | null)[] = [];
  for (let i = 0; i < 60; i++) {
    const t = i * 0.01;
    const v6 = i % 3 === 0;
    const rec = v6
      ? p.udp6("2001:db8::bad", `2001:db8:1::${(i % 13) + 1}`, 100 + i)
      : p.tcp4(SCANNER, VICTIM + (i % 5), 100 + (i % 40), SYN);
    want.push(a.observe(rec, t));
    const so = 3 + (i % 5), dso = 12 + (i % 7);
    if (v6) {
      words.set([0x20010db8, 0, 0, 0xbad], so);
      words.set([0x20010db8, 0x10000, 0, (i % 13) + 1], dso);
    } else {
      words.set([SCANNER | 0, 0, 0, 0], so);
      words.set([(VICTIM + (i % 5)) | 0, 0, 0, 0], dso);
    }
    b.clock.advance(t);
    const key = v6 ? (100 + i) | UDP_PORT_BIT : 100 + (i % 40);
    assert.equal(portKeyOf(rec), key);
    got.push(b.countContact(v6 ? 6 : 4, words, so, dso, key));
  }
  assert.deepEqual(got, want);
  assert.equal(got.filter((x) => x !== null).length, 2);
  assert.equal(b.contactsSeen, a.contactsSeen);
});
