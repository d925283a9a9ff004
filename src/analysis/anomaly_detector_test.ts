import assert from "node:assert/strict";
import type { Alert } from "./alert.ts";
import { AnomalyDetector } from "./anomaly_detector.ts";
import type { AnomalySettings } from "../cli/config.ts";
import type { PacketRecord } from "../protocol/packet.ts";
import {
  ACK,
  defaultAnomalySettings,
  FlowOracle,
  RST,
  SYN,
  SYN_ACK,
  SynthPacket,
  v4,
} from "./_test_anomaly.ts";

const TARGET = v4("10.0.0.5");
const SRC_BASE = v4("198.18.0.0");

/** A flood of 1,000 SYNs from 500 sources in 2 s to 10.0.0.5:80 (each source also a "scan" of 1 port). */
function runFlood(det: AnomalyDetector, p: SynthPacket, t0: number): void {
  for (let i = 0; i < 1000; i++) {
    det.observe(p.tcp4(SRC_BASE + (i % 500), TARGET, 80, SYN), t0 + i * 0.002);
  }
}

/** A SYN scan of 100 ports (1001-1100) of one host from 172.16.0.8 in 1 s. */
function runScan(det: AnomalyDetector, p: SynthPacket, t0: number): void {
  for (let i = 0; i < 100; i++) {
    det.observe(p.tcp4(v4("172.16.0.8"), TARGET, 1001 + i, SYN), t0 + i * 0.01);
  }
}

Deno.test("AnomalyDetector: both kinds queued in order, drained by takeAlerts", () => {
  const det = new AnomalyDetector(defaultAnomalySettings(), { baseSec: 1000 });
  const p = new SynthPacket();
  assert.equal(det.takeAlerts().length, 0);
  runScan(det, p, 0);
  runFlood(det, p, 2);
  const alerts = det.takeAlerts();
  assert.deepEqual(
    alerts.map((a) => [a.kind, a.ts]),
    [
      ["port_scan", "1970-01-01T00:16:40.250000000Z"], // 26th port at t = 0.25
      ["syn_flood", "1970-01-01T00:16:42.400000000Z"], // SYN #201 at t = 2.4
    ],
  );
  assert.equal(det.takeAlerts().length, 0);
  assert.equal(det.alertsRaised, 2);
  assert.equal(det.synFloodAlerts, 1);
  assert.equal(det.portScanAlerts, 1);
  assert.equal(det.droppedTargets, 0);
  assert.equal(det.droppedSources, 0);
});

Deno.test("AnomalyDetector: baseSec set after construction applies to both detectors", () => {
  const det = new AnomalyDetector(defaultAnomalySettings());
  det.baseSec = 1278275056;
  assert.equal(det.baseSec, 1278275056);
  const p = new SynthPacket();
  runScan(det, p, 1);
  runFlood(det, p, 3);
  assert.deepEqual(det.takeAlerts().map((a) => a.ts), [
    "2010-07-04T20:24:17.250000000Z",
    "2010-07-04T20:24:19.400000000Z",
  ]);
});

Deno.test("AnomalyDetector: onAlert receives alerts instead of the queue", () => {
  const got: Alert[] = [];
  const det = new AnomalyDetector(defaultAnomalySettings(), { onAlert: (a) => got.push(a) });
  runScan(det, new SynthPacket(), 0);
  assert.equal(got.length, 1);
  assert.equal(got[0]!.kind, "port_scan");
  assert.equal(det.takeAlerts().length, 0);
  assert.equal(det.alertsRaised, 1);
});

Deno.test("AnomalyDetector: disabled (as a whole or per kind) detects nothing", () => {
  const p = new SynthPacket();
  const off = defaultAnomalySettings();
  off.enabled = false;
  const d0 = new AnomalyDetector(off);
  assert.equal(d0.synFlood, null);
  assert.equal(d0.portScan, null);
  runScan(d0, p, 0);
  runFlood(d0, p, 2);
  assert.equal(d0.alertsRaised, 0);

  const noFlood = defaultAnomalySettings();
  noFlood.syn_flood.enabled = false;
  const d1 = new AnomalyDetector(noFlood);
  runFlood(d1, p, 0);
  runScan(d1, p, 3);
  assert.deepEqual(d1.takeAlerts().map((a) => a.kind), ["port_scan"]);

  const noScan = defaultAnomalySettings();
  noScan.port_scan.enabled = false;
  const d2 = new AnomalyDetector(noScan);
  runScan(d2, p, 0);
  runFlood(d2, p, 3);
  assert.deepEqual(d2.takeAlerts().map((a) => a.kind), ["syn_flood"]);
});

Deno.test("AnomalyDetector: non-SYN TCP never reaches the detectors", () => {
  const det = new AnomalyDetector(defaultAnomalySettings());
  const p = new SynthPacket();
  for (let i = 0; i < 10000; i++) {
    det.observe(p.tcp4(SRC_BASE + i, TARGET + i, 1 + i, ACK), i * 1e-4);
  }
  assert.equal(det.synFlood!.synsSeen, 0);
  assert.equal(det.portScan!.contactsSeen, 0);
  assert.equal(det.synFlood!.trackedTargets, 0);
  assert.equal(det.portScan!.trackedSources, 0);
});

Deno.test("AnomalyDetector: the first-seen time defaults to the packet time of a new flow", () => {
  const asked: number[] = [];
  const det = new AnomalyDetector(defaultAnomalySettings(), {
    answered: (_slot, firstSeen) => {
      asked.push(firstSeen);
      return false;
    },
  });
  const p = new SynthPacket();
  det.observe(p.tcp4(SRC_BASE, TARGET, 22, SYN), 1.25, 3, true);
  det.observe(p.udp4(SRC_BASE, TARGET, 53), 1.5, 4, true, 0.75);
  // A capture stepping back: queued at 1.5, asked with its own time.
  det.observe(p.udp4(SRC_BASE, TARGET, 54), 1.0, 5, true);
  det.flush(9);
  assert.deepEqual(asked, [1.25, 0.75, 1.0]);
  assert.equal(det.contactsFailed, 3);
});

Deno.test("AnomalyDetector: caps from the options", () => {
  const det = new AnomalyDetector(defaultAnomalySettings(), {
    maxTargets: 100,
    maxSources: 200,
    maxFloodEntries: 1000,
    maxScanEntries: 2000,
  });
  assert.equal(det.synFlood!.maxTargets, 100);
  assert.equal(det.synFlood!.maxEntries, 1000);
  assert.equal(det.portScan!.maxSources, 200);
  assert.equal(det.portScan!.maxEntries, 2000);
  const p = new SynthPacket();
  for (let i = 0; i < 5000; i++) det.observe(p.tcp4(SRC_BASE + i, TARGET + i, 80, SYN), i * 1e-4);
  assert.equal(det.synFlood!.trackedTargets, 100);
  assert.equal(det.portScan!.trackedSources, 200);
  assert.equal(det.droppedTargets, 4900);
  assert.equal(det.droppedSources, 4800);
});

// ---- the failed-contact rule (NetScope's default in the pipeline) ----

const SCANNER = v4("172.16.0.8");
const CLIENT = v4("10.0.0.6");
const RESOLVER = v4("10.0.0.138");

/** A detector with the failed-contact rule, answered by a FlowOracle. */
function failedRule(
  opts: { grace?: number; maxPending?: number; settings?: AnomalySettings } = {},
): { det: AnomalyDetector; oracle: FlowOracle; feed: (rec: PacketRecord, t: number) => void } {
  const oracle = new FlowOracle();
  const det = new AnomalyDetector(opts.settings ?? defaultAnomalySettings(), {
    answered: oracle.answered,
    answerGraceSecs: opts.grace,
    maxPendingContacts: opts.maxPending,
  });
  // As the pipeline: the flow table sees the packet first.
  const feed = (rec: PacketRecord, t: number): void => {
    const slot = oracle.observe(rec, t);
    det.observe(rec, t, slot, oracle.lastIsNew, slot >= 0 ? oracle.firstSeen[slot]! : 0);
  };
  return { det, oracle, feed };
}

function scanRows(alerts: readonly Alert[]): [string, string, number, number][] {
  return alerts.map((a) =>
    a.kind === "port_scan"
      ? [a.ts, a.source.ip, a.unique_ports, a.unique_hosts]
      : [a.ts, a.kind, a.syn_count, a.unique_sources]
  );
}

Deno.test("failed contacts: SYNs to 100 ports, all answered by SYN-ACK, never alert", () => {
  const { det, feed } = failedRule();
  const p = new SynthPacket();
  for (let i = 0; i < 100; i++) {
    const t = i * 0.01;
    feed(p.tcp4(CLIENT, TARGET, 1001 + i, SYN, 50000 + i), t);
    feed(p.tcp4(TARGET, CLIENT, 50000 + i, SYN_ACK, 1001 + i), t + 0.005);
  }
  det.flush(1);
  assert.equal(det.takeAlerts().length, 0);
  assert.equal(det.contactsAnswered, 100);
  assert.equal(det.contactsFailed, 0);
  assert.equal(det.portScan!.contactsSeen, 0);
  // The reference rule alerts on the same traffic.
  const ref = new AnomalyDetector(defaultAnomalySettings(), { answered: null });
  for (let i = 0; i < 100; i++) ref.observe(p.tcp4(CLIENT, TARGET, 1001 + i, SYN, 50000 + i), 0);
  assert.equal(ref.portScanAlerts, 1);
});

Deno.test("failed contacts: SYNs to 100 unanswered ports alert at the 26th port's time", () => {
  const { det, feed } = failedRule();
  det.baseSec = 1000;
  const p = new SynthPacket();
  for (let i = 0; i < 100; i++) feed(p.tcp4(SCANNER, TARGET, 1001 + i, SYN, 50000 + i), i * 0.01);
  // Nothing judged yet: the last SYN is at 0.99 s, the first is due after 2 s.
  assert.equal(det.takeAlerts().length, 0);
  assert.equal(det.pendingContacts, 100);
  // A packet at 2.25 s judges the contacts up to 0.25 s (26 of them).
  feed(p.tcp4(CLIENT, TARGET, 80, ACK, 50000), 2.25);
  assert.equal(det.pendingContacts, 100 - 25);
  assert.deepEqual(det.takeAlerts(), []);
  feed(p.tcp4(CLIENT, TARGET, 80, ACK, 50000), 2.2500001);
  assert.equal(det.pendingContacts, 100 - 26);
  assert.deepEqual(scanRows(det.takeAlerts()), [
    ["1970-01-01T00:16:40.250000000Z", "172.16.0.8", 26, 1],
  ]);
  det.flush(3);
  assert.equal(det.pendingContacts, 0);
  assert.equal(det.contactsFailed, 100);
  assert.equal(det.portScanAlerts, 1); // cooldown 30 s
  // The SYN flood rule is immediate, as before.
  assert.equal(det.synFlood!.synsSeen, 100);
});

Deno.test("failed contacts: UDP probes to 100 closed ports (ICMP unreachable back) alert", () => {
  const { det, feed } = failedRule();
  const p = new SynthPacket();
  for (let i = 0; i < 100; i++) {
    feed(p.udp4(SCANNER, TARGET, 2001 + i, 40000), i * 0.01);
    // An ICMP port unreachable is not a UDP answer.
    const icmp = p.udp4(TARGET, SCANNER, 40000, 2001 + i);
    icmp.ipProto = 1;
    icmp.srcPort = -1;
    icmp.dstPort = -1;
    feed(icmp, i * 0.01 + 0.001);
  }
  det.flush(1);
  assert.deepEqual(scanRows(det.takeAlerts()), [
    ["1970-01-01T00:00:00.250000000Z", "172.16.0.8", 26, 1],
  ]);
  assert.equal(det.contactsFailed, 100);
});

Deno.test("failed contacts: mixed answered and unanswered; host sweeps", () => {
  const p = new SynthPacket();
  // 25 unanswered ports + 75 answered: 25 is not more than 25.
  {
    const { det, feed } = failedRule();
    for (let i = 0; i < 100; i++) {
      feed(p.tcp4(SCANNER, TARGET, 1001 + i, SYN, 50000 + i), i * 0.01);
      if (i % 4 !== 0) feed(p.tcp4(TARGET, SCANNER, 50000 + i, SYN_ACK, 1001 + i), i * 0.01);
    }
    det.flush(1);
    assert.equal(det.contactsFailed, 25);
    assert.equal(det.portScanAlerts, 0);
  }
  // 26 unanswered (a RST-ACK is a refusal, not an answer): alert at the
  // 26th unanswered port, probe #100 (t = 0.99).
  {
    const { det, feed } = failedRule();
    for (let i = 0; i < 100; i++) {
      feed(p.tcp4(SCANNER, TARGET, 1001 + i, SYN, 50000 + i), i * 0.01);
      const flags = i % 4 === 0 || i === 99 ? RST | ACK : SYN_ACK;
      feed(p.tcp4(TARGET, SCANNER, 50000 + i, flags, 1001 + i), i * 0.01);
    }
    det.flush(1);
    assert.deepEqual(scanRows(det.takeAlerts()), [
      ["1970-01-01T00:00:00.990000000Z", "172.16.0.8", 26, 1],
    ]);
  }
  // A browser opening connections to 20 web servers, all answered: none.
  // 11 of them unanswered: a host sweep.
  for (const unanswered of [0, 11]) {
    const { det, feed } = failedRule();
    for (let i = 0; i < 20; i++) {
      feed(p.tcp4(CLIENT, TARGET + i, 80, SYN, 50000 + i), i * 0.1);
      if (i >= unanswered) feed(p.tcp4(TARGET + i, CLIENT, 50000 + i, SYN_ACK, 80), i * 0.1 + 0.2);
    }
    det.flush(3);
    assert.deepEqual(
      scanRows(det.takeAlerts()),
      unanswered === 0 ? [] : [["1970-01-01T00:00:01.000000000Z", "10.0.0.6", 1, 11]],
    );
  }
});

Deno.test("failed contacts: a resolver's answers to 100 client ports are not contacts", () => {
  const { det, feed } = failedRule();
  const ref = new AnomalyDetector(defaultAnomalySettings());
  const p = new SynthPacket();
  for (let i = 0; i < 100; i++) {
    const q = p.udp4(CLIENT, RESOLVER, 53, 30000 + i);
    feed(q, i * 0.01);
    ref.observe(q, i * 0.01);
    const a = p.udp4(RESOLVER, CLIENT, 30000 + i, 53);
    feed(a, i * 0.01 + 0.003);
    ref.observe(a, i * 0.01 + 0.003);
  }
  det.flush(2);
  assert.equal(det.contactsAnswered, 100); // the client's 100 queries
  assert.equal(det.contactsFailed, 0);
  assert.equal(det.portScanAlerts, 0);
  // The reference rule counts the answers: the resolver "scans" 26 ports.
  assert.deepEqual(scanRows(ref.takeAlerts()), [
    ["1970-01-01T00:00:00.253000000Z", "10.0.0.138", 26, 1],
  ]);
});

Deno.test("failed contacts: a retransmitted SYN or a later datagram of a flow is not a new contact", () => {
  const { det, oracle, feed } = failedRule();
  const p = new SynthPacket();
  for (let i = 0; i < 50; i++) feed(p.tcp4(SCANNER, TARGET, 22, SYN, 40000), i * 0.5);
  for (let i = 0; i < 50; i++) feed(p.udp4(SCANNER, TARGET, 53, 40000), i * 0.5);
  det.flush(30);
  assert.equal(det.contactsFailed, 2);
  assert.equal(oracle.asked, 2);
  assert.equal(det.synFlood!.synsSeen, 50); // the flood rule counts every SYN
  // A flow that starts without a SYN (capture started mid-connection) is no contact.
  const { det: d2, feed: f2 } = failedRule();
  for (let i = 0; i < 100; i++) f2(p.tcp4(SCANNER, TARGET, 1 + i, ACK, 40000), i * 0.01);
  d2.flush(1);
  assert.equal(d2.contactsAnswered + d2.contactsFailed, 0);
  // A packet without a flow (slot -1) cannot be judged and is no contact.
  const d3 = new AnomalyDetector(defaultAnomalySettings(), { answered: () => false });
  for (let i = 0; i < 100; i++) d3.observe(p.tcp4(SCANNER, TARGET, 1 + i, SYN), i * 0.01);
  d3.flush(1);
  assert.equal(d3.contactsFailed, 0);
  assert.equal(d3.portScanAlerts, 0);
});

Deno.test("failed contacts: the grace boundary", () => {
  const p = new SynthPacket();
  // Grace 0.5 s, contact at 1.0 s: an answer at 1.5 s (exactly the grace)
  // is seen; so is one at 1.75 s when no packet moved time past 1.5 s
  // before it, or when it is itself that packet.
  for (
    const [other, reply, answered] of [
      [null, 1.5, true],
      [1.5, 1.5, true],
      [null, 1.75, true],
      [1.25, 1.75, true],
      [1.5000001, 1.75, false],
      [1.75, 1.75, false], // another packet at 1.75 came first
    ] as const
  ) {
    const { det, feed } = failedRule({ grace: 0.5 });
    feed(p.tcp4(SCANNER, TARGET, 22, SYN, 40000), 1.0);
    if (other !== null) feed(p.udp4(CLIENT, RESOLVER, 53, 30000), other);
    feed(p.tcp4(TARGET, SCANNER, 40000, SYN_ACK, 22), reply);
    det.flush(2);
    assert.equal(det.contactsAnswered === 1, answered, `other ${other}, reply ${reply}`);
  }
  // Grace 0: a contact is judged by the first packet with a later time.
  const { det, feed } = failedRule({ grace: 0 });
  feed(p.tcp4(SCANNER, TARGET, 22, SYN, 40000), 1.0);
  feed(p.tcp4(TARGET, SCANNER, 40000, SYN_ACK, 22), 1.0);
  assert.equal(det.pendingContacts, 1);
  feed(p.tcp4(SCANNER, TARGET, 23, SYN, 40001), 1.0000001);
  assert.equal(det.contactsAnswered, 1);
  assert.equal(det.pendingContacts, 1);
});

Deno.test("failed contacts: flush judges the tail; advance only what is due", () => {
  const { det, feed } = failedRule();
  const p = new SynthPacket();
  for (let i = 0; i < 30; i++) feed(p.udp4(SCANNER, TARGET, 2001 + i, 40000), 10 + i * 0.05);
  // The capture ends at 11.45 s: without flush, the tail would never be judged.
  assert.equal(det.pendingContacts, 30);
  det.advance(12.0);
  assert.equal(det.pendingContacts, 30);
  det.advance(12.275); // judges 10.0 .. 10.25
  assert.equal(det.pendingContacts, 24);
  assert.equal(det.contactsFailed, 6);
  det.flush(11.45);
  assert.equal(det.pendingContacts, 0);
  assert.deepEqual(scanRows(det.takeAlerts()), [
    ["1970-01-01T00:00:11.250000000Z", "172.16.0.8", 26, 1],
  ]);
  // Flushing again, or a detector without the rule, does nothing.
  det.flush(13);
  assert.equal(det.alertsRaised, 1);
  const ref = new AnomalyDetector(defaultAnomalySettings());
  ref.flush(1);
  assert.equal(ref.countsFailedContacts, false);
  assert.equal(ref.maxPendingContacts, 0);
});

Deno.test("failed contacts: the FIFO is bounded; overflow judges the oldest early", () => {
  const { det, feed } = failedRule({ maxPending: 16 });
  assert.equal(det.maxPendingContacts, 16);
  const p = new SynthPacket();
  // 1,000 contacts within 0.1 s, each answered 50 ms later: with room for
  // only 16, contacts are judged before their answer arrives.
  for (let i = 0; i < 1000; i++) {
    const t = i * 1e-4;
    feed(p.tcp4(CLIENT + (i % 7), TARGET, 1 + i, SYN, 40000), t);
    if (i >= 500) {
      const j = i - 500;
      feed(p.tcp4(TARGET, CLIENT + (j % 7), 40000, SYN_ACK, 1 + j), t);
    }
    assert.ok(det.pendingContacts <= 16);
  }
  assert.equal(det.pendingOverflow, 1000 - 16);
  det.flush(1);
  assert.equal(det.contactsAnswered + det.contactsFailed, 1000);
  // Judged early, all unanswered: each of the 7 clients alerts.
  assert.equal(det.portScanAlerts, 7);
  // With room enough, the same traffic raises nothing.
  const roomy = failedRule();
  for (let i = 0; i < 1000; i++) {
    const t = i * 1e-4;
    roomy.feed(p.tcp4(CLIENT + (i % 7), TARGET, 1 + i, SYN, 40000), t);
    if (i >= 500) {
      const j = i - 500;
      roomy.feed(p.tcp4(TARGET, CLIENT + (j % 7), 40000, SYN_ACK, 1 + j), t);
    }
  }
  roomy.det.flush(1);
  assert.equal(roomy.det.pendingOverflow, 0);
  assert.equal(roomy.det.contactsAnswered, 500);
  assert.equal(roomy.det.contactsFailed, 500);
  assert.equal(roomy.det.portScanAlerts, 7); // 500 unanswered ports over 7 clients
});

Deno.test("failed contacts: answered() gets the slot and first-seen time (a reused slot is not the flow)", () => {
  // A hand-made flow table: slot 5 held flow A (first seen 1.0), then flow
  // B (first seen 1.2), which was answered. A is judged by its own
  // first-seen time: not answered.
  const live = { slot: 5, firstSeen: 1.2, answered: true };
  const asked: [number, number][] = [];
  const det = new AnomalyDetector(defaultAnomalySettings(), {
    answered: (slot, firstSeen) => {
      asked.push([slot, firstSeen]);
      return slot === live.slot && firstSeen === live.firstSeen && live.answered;
    },
  });
  const p = new SynthPacket();
  det.observe(p.tcp4(SCANNER, TARGET, 22, SYN, 40000), 1.0, 5, true, 1.0);
  det.observe(p.tcp4(SCANNER, TARGET, 23, SYN, 40001), 1.2, 5, true, 1.2);
  // Not new flows: ignored whatever their slot.
  det.observe(p.tcp4(SCANNER, TARGET, 24, SYN, 40002), 1.3, 6, false, 1.0);
  det.flush(2);
  assert.deepEqual(asked, [[5, 1.0], [5, 1.2]]);
  assert.equal(det.contactsFailed, 1);
  assert.equal(det.contactsAnswered, 1);
});

Deno.test("failed contacts: a capture stepping back queues at the latest time; IPv6", () => {
  const { det, feed } = failedRule({ grace: 1 });
  const p = new SynthPacket();
  // 30 IPv6 UDP probes, every other one stamped 0.05 s earlier than the last.
  for (let i = 0; i < 30; i++) {
    const t = i % 2 === 0 ? i * 0.1 : i * 0.1 - 0.15;
    feed(p.udp6("2001:db8::bad", "2001:db8:1::5", 3001 + i, 40000), t);
  }
  det.flush(3);
  // The 26th port (i = 25, stamped 2.35) counts at 2.4, the latest time queued.
  assert.deepEqual(scanRows(det.takeAlerts()), [
    ["1970-01-01T00:00:02.400000000Z", "2001:db8::bad", 26, 1],
  ]);
});

Deno.test("failed contacts: the SYN flood rule stays immediate", () => {
  const { det, feed } = failedRule();
  det.baseSec = 1000;
  const p = new SynthPacket();
  for (let i = 0; i < 1000; i++) {
    feed(p.tcp4(SRC_BASE + (i % 500), TARGET, 80, SYN, 40000), 2 + i * 0.002);
  }
  assert.deepEqual(det.takeAlerts().map((a) => [a.kind, a.ts]), [
    ["syn_flood", "1970-01-01T00:16:42.400000000Z"],
  ]);
  // Each flooding source made 1 contact (one flow each): no scan.
  det.flush(5);
  assert.equal(det.portScanAlerts, 0);
  assert.equal(det.contactsFailed, 500);
});

Deno.test("failed contacts: options are checked; disabled port scans keep no queue", () => {
  assert.throws(
    () =>
      new AnomalyDetector(defaultAnomalySettings(), { answered: () => true, answerGraceSecs: -1 }),
    RangeError,
  );
  assert.throws(
    () =>
      new AnomalyDetector(defaultAnomalySettings(), {
        answered: () => true,
        maxPendingContacts: 0,
      }),
    RangeError,
  );
  const s = defaultAnomalySettings();
  s.port_scan.enabled = false;
  const det = new AnomalyDetector(s, { answered: () => false });
  assert.equal(det.countsFailedContacts, false);
  assert.equal(det.maxPendingContacts, 0);
  const d = new AnomalyDetector(defaultAnomalySettings(), { answered: () => false });
  assert.equal(d.countsFailedContacts, true);
  assert.equal(d.answerGraceSecs, 2);
  assert.equal(d.maxPendingContacts, 65536);
});

Deno.test("pendingSlots lists the flows of the oldest waiting contacts, next judged first", () => {
  const { det, oracle, feed } = failedRule({ maxPending: 4 });
  const p = new SynthPacket();
  const out = new Int32Array(8);
  assert.equal(det.pendingSlots(out, 8), 0);
  const slots: number[] = [];
  for (let i = 0; i < 6; i++) {
    feed(p.tcp4(SCANNER, TARGET, 2000 + i, SYN, 40000 + i), i * 0.1);
    slots.push(oracle.firstSeen.length - 1); // the oracle's slot of the new flow
  }
  // The queue holds 4: the two oldest were judged early (overflow).
  assert.equal(det.pendingContacts, 4);
  assert.equal(det.pendingSlots(out, 8), 4);
  assert.deepEqual([...out.subarray(0, 4)], slots.slice(2));
  assert.equal(det.pendingSlots(out, 2), 2);
  assert.deepEqual([...out.subarray(0, 2)], slots.slice(2, 4));
  det.flush(10);
  assert.equal(det.pendingSlots(out, 8), 0);
});
