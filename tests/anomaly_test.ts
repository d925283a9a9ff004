/**
 * Anomaly detection on real captures and on generated traffic.
 *
 * NetScope's default port scan rule counts only FAILED contacts (a first
 * SYN with no SYN-ACK, a UDP flow's first datagram with no reply, within
 * 2 s; see `anomaly_detector.ts`). The answers come from the flow table in
 * the pipeline; here from a `FlowOracle` fed the same packets first.
 *
 * 1. Every fixture, default thresholds, NetScope's default rule: the exact
 *    alerts. synscan.pcap (an nmap SYN scan) raises one port-scan alert;
 *    no other fixture raises any.
 * 2. Every fixture under the reference rule (`answered: null`, every SYN-only
 *    segment and UDP datagram counts at once): synscan.pcap, plus ordinary
 *    browsing and DNS that the reference rule flags (EXPECTED_REFERENCE).
 * 3. The same fixtures read by tshark, its packet fields fed to a naive model
 *    of the rules (`AnomalyModel`, plain Sets and Maps, no caps): the same
 *    alerts, under both rules. This checks the packet classification (what
 *    is a SYN, a UDP contact, a reply, which address) independently of
 *    NetScope's decoder.
 * 4. Random traffic with low thresholds (many alerts): the detectors and the
 *    model agree alert for alert (time, key and counts), under both rules.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  CaptureFileReader,
  NEXT_FRAME,
  NEXT_NEED_DATA,
} from "../src/capture/capture_file_reader.ts";
import { Frame } from "../src/capture/frame.ts";
import { decodeFrame } from "../src/protocol/decode.ts";
import { PacketRecord } from "../src/protocol/packet.ts";
import { type Alert, alertTime } from "../src/analysis/alert.ts";
import { AnomalyDetector, DEFAULT_ANSWER_GRACE_SECS } from "../src/analysis/anomaly_detector.ts";
import { synFloodSourceCap } from "../src/analysis/syn_flood.ts";
import {
  AnomalyModel,
  defaultAnomalySettings,
  FlowOracle,
  type ModelAlert,
  SYN,
  SYN_ACK,
  SynthPacket,
  v4,
} from "../src/analysis/_test_anomaly.ts";
import type { AnomalySettings } from "../src/cli/config.ts";
import { fixture } from "./_fixtures.ts";
import { haveTshark, tsharkFields } from "./_tshark.ts";
import { prng as rng } from "./_prng.ts";

const FIXTURE_DIR = new URL("./fixtures/", import.meta.url);

/** Files tshark and tcpdump refuse too (see MANIFEST.md). */
const UNREADABLE = new Set(["pcap-invalid-version-1.pcap"]);

/** Alerts with default settings, as [kind, ts, key, unique_ports|syn_count, unique_hosts|sources]. */
type Row = [string, string, string, number, number];

/** Which port scan rule a run uses. */
type Rule = "failed" | "reference";

/**
 * The fixtures that raise alerts with NetScope's default (failed-contact)
 * rule and default thresholds. Everything else raises none.
 *
 * synscan.pcap: nmap SYN scan 172.16.0.8 → 64.13.134.52, 1,994 SYNs to
 * 1,000 ports in 5.1 s, each SYN its own flow (retries come from new source
 * ports). Ports 53, 80 and 22 answer with a SYN-ACK (those 3 flows are not
 * counted); 113, 25, 31337 and 70 answer with RST (failed: counted). The
 * 26th distinct unanswered port is 548, probed at 20:24:17.678491 (frame
 * 45; two later than under the reference rule, which also counts 53 and
 * 80): alert, 26 ports on 1 host. The 30 s cooldown outlasts the capture.
 */
const EXPECTED: Record<string, Row[]> = {
  "synscan.pcap": [
    ["port_scan", "2010-07-04T20:24:17.678491000Z", "172.16.0.8", 26, 1],
  ],
};

/**
 * The reference rule flags normal browsing; NetScope's default does not.
 * Alerts under the reference rule (`answered: null`), default thresholds:
 *
 * - synscan.pcap: the 26th distinct port (answered or not) is probed 1.40 s
 *   into the capture (frame 27, 20:24:17.678288).
 * - example.pcap (web browsing, 15.6 s), two alerts on ordinary traffic:
 *   - 10.0.0.6, the browsing client, opens connections (SYN-only, port 80)
 *     to 10 distinct web servers and sends DNS queries (UDP 53) to its
 *     resolver 10.0.0.138 within 10 s: 11 hosts > 10, at 20:20:43.002457
 *     (a SYN to 212.199.202.10). Every one of them is answered.
 *   - 10.0.0.138, the DNS resolver, answers queries from 53 to each query's
 *     random source port: every answer is a UDP packet to a new port, 26
 *     ports > 25 at 20:20:43.657902. The rule counts every UDP packet, not
 *     only the one that starts a flow.
 * - DnsPackets.pcap (464 DNS messages over 21 minutes): the same resolver
 *   pattern, 10.0.0.138 answering 10.0.0.1 from port 53 to random ports,
 *   twice bursty enough (26 ports within the window).
 */
const EXPECTED_REFERENCE: Record<string, Row[]> = {
  "synscan.pcap": [
    ["port_scan", "2010-07-04T20:24:17.678288000Z", "172.16.0.8", 26, 1],
  ],
  "example.pcap": [
    ["port_scan", "2013-05-02T20:20:43.002457000Z", "10.0.0.6", 2, 11],
    ["port_scan", "2013-05-02T20:20:43.657902000Z", "10.0.0.138", 26, 1],
  ],
  "DnsPackets.pcap": [
    ["port_scan", "2014-10-11T19:29:25.171864000Z", "10.0.0.138", 26, 1],
    ["port_scan", "2014-10-11T19:35:25.759966000Z", "10.0.0.138", 26, 1],
  ],
};

function expected(rule: Rule): Record<string, Row[]> {
  return rule === "failed" ? EXPECTED : EXPECTED_REFERENCE;
}

function row(a: Alert): Row {
  return a.kind === "syn_flood"
    ? [a.kind, a.ts, endpoint(a.target.ip, a.target.port), a.syn_count, a.unique_sources]
    : [a.kind, a.ts, a.source.ip, a.unique_ports, a.unique_hosts];
}

function endpoint(ip: string, port: number): string {
  return (ip.includes(":") ? "[" + ip + "]" : ip) + ":" + port;
}

function modelRow(m: ModelAlert, baseSec: number): Row {
  return [m.kind, alertTime(baseSec, m.t), m.key, m.a, m.b];
}

function fixtureNames(): string[] {
  const names: string[] = [];
  for (const e of Deno.readDirSync(FIXTURE_DIR)) {
    if (e.isFile && /\.(pcap|pcapng)$/.test(e.name)) names.push(e.name);
  }
  return names.sort();
}

/** What a fixture run produced. */
interface FixtureRun {
  alerts: Row[];
  model: Row[];
  det: AnomalyDetector;
  oracle: FlowOracle;
}

/**
 * Runs a capture through decoder + AnomalyDetector (and the model on the
 * same records). With the failed-contact rule a FlowOracle sees each packet
 * first (as the flow table does in the pipeline), and both are flushed at
 * the end of the capture.
 */
async function runFixture(
  name: string,
  settings: AnomalySettings,
  rule: Rule = "failed",
): Promise<FixtureRun> {
  const reader = await CaptureFileReader.open(fixture(name));
  const oracle = new FlowOracle();
  const failed = rule === "failed";
  const det = new AnomalyDetector(settings, { answered: failed ? oracle.answered : null });
  const model = new AnomalyModel(
    settings,
    synFloodSourceCap(settings.syn_flood.unique_src_threshold),
    { answerGraceSecs: failed ? DEFAULT_ANSWER_GRACE_SECS : null },
  );
  const f = new Frame();
  const rec = new PacketRecord();
  const alerts: Row[] = [];
  const modelRows: Row[] = [];
  let base: number | null = null;
  let t = 0;
  try {
    for (;;) {
      const s = reader.next(f);
      if (s === NEXT_FRAME) {
        decodeFrame(f, rec);
        if (base === null) {
          base = f.tsSec;
          det.baseSec = base;
        }
        t = (f.tsSec - base) + f.tsNsec / 1e9;
        if (failed) {
          const slot = oracle.observe(rec, t);
          det.observe(rec, t, slot, oracle.lastIsNew, slot >= 0 ? oracle.firstSeen[slot]! : 0);
        } else {
          det.observe(rec, t);
        }
        for (const a of det.takeAlerts()) alerts.push(row(a));
        for (const m of model.observe(rec, t)) modelRows.push(modelRow(m, base));
      } else if (s === NEXT_NEED_DATA) await reader.fill();
      else break;
    }
  } finally {
    reader.close();
  }
  det.flush(t);
  for (const a of det.takeAlerts()) alerts.push(row(a));
  for (const m of model.flush()) modelRows.push(modelRow(m, base ?? 0));
  return { alerts, model: modelRows, det, oracle };
}

Deno.test("anomalies: every fixture raises exactly the expected alerts (defaults)", async () => {
  const names = fixtureNames();
  assert.ok(names.length >= 30, "fixtures present");
  for (const k of Object.keys(EXPECTED)) assert.ok(names.includes(k), k);
  let contacts = 0;
  for (const name of names) {
    if (UNREADABLE.has(name)) {
      await assert.rejects(() => CaptureFileReader.open(fixture(name)));
      continue;
    }
    const { alerts, model, det } = await runFixture(name, defaultAnomalySettings());
    assert.deepEqual(alerts, EXPECTED[name] ?? [], name);
    assert.deepEqual(model, alerts, `${name}: model`);
    assert.equal(det.synFloodAlerts, 0, name);
    assert.equal(det.droppedTargets + det.droppedSources + det.pendingOverflow, 0, name);
    assert.equal(det.pendingContacts, 0, `${name}: flushed`);
    assert.equal(det.contactsFailed, det.portScan!.contactsSeen, name);
    contacts += det.contactsAnswered + det.contactsFailed;
  }
  assert.ok(contacts > 2000, `contacts judged: ${contacts}`);
});

Deno.test("anomalies: the reference rule flags normal browsing; NetScope's default does not", async () => {
  for (const name of fixtureNames().filter((n) => !UNREADABLE.has(n))) {
    const ref = await runFixture(name, defaultAnomalySettings(), "reference");
    assert.deepEqual(ref.alerts, EXPECTED_REFERENCE[name] ?? [], name);
    assert.deepEqual(ref.model, ref.alerts, `${name}: model`);
    assert.equal(ref.det.countsFailedContacts, false);
    assert.equal(ref.det.contactsAnswered + ref.det.contactsFailed, 0);
  }
  // What the default rule sees instead in the two normal captures flagged.
  const example = await runFixture("example.pcap", defaultAnomalySettings());
  assert.deepEqual(example.alerts, []);
  // 135 flows start with a SYN-only segment or UDP; 134 are answered. The
  // one that is not: a single unanswered contact is far from a scan.
  assert.equal(example.det.contactsAnswered, 134);
  assert.equal(example.det.contactsFailed, 1);
  const dns = await runFixture("DnsPackets.pcap", defaultAnomalySettings());
  assert.deepEqual(dns.alerts, []);
  // The resolver's answers are never contacts: only flows' first packets are.
  assert.equal(dns.det.contactsAnswered + dns.det.contactsFailed, 219);
  assert.ok(dns.det.contactsFailed < 25, `${dns.det.contactsFailed} unanswered`);
});

Deno.test("anomalies: synscan.pcap counts 1,994 SYNs, 1,991 of them unanswered", async () => {
  const { det, oracle } = await runFixture("synscan.pcap", defaultAnomalySettings());
  // MANIFEST.md: 1994 SYNs, 12 SYN-ACKs, 5 RST-ACKs. Every SYN is a new flow;
  // the 12 SYN-ACKs answer 3 of them (ports 53, 80, 22, retransmitted).
  assert.equal(det.synFlood!.synsSeen, 1994);
  assert.equal(oracle.firstSeen.length, 1994);
  assert.equal(det.contactsAnswered, 3);
  assert.equal(det.contactsFailed, 1991);
  assert.equal(det.portScan!.contactsSeen, 1991);
  assert.equal(det.portScan!.trackedSources, 1);
  assert.equal(det.synFlood!.trackedTargets, 1000);
  assert.equal(oracle.asked, 1994);
  // The SYNs all fall in the first 5.1 s (the rest of the 23 s is replies
  // and teardown). With a 1 s cooldown the scan alerts again whenever
  // allowed: at 1.40 s, then at the first unanswered SYN at least 1 s after
  // the previous alert: 4 alerts, each at 26 ports (the count stops there).
  const s = defaultAnomalySettings();
  s.port_scan.cooldown_secs = 1;
  const again = await runFixture("synscan.pcap", s);
  assert.deepEqual(again.model, again.alerts);
  assert.equal(again.alerts.length, 4);
  assert.deepEqual(again.alerts[0], EXPECTED["synscan.pcap"]![0]);
  for (const a of again.alerts) assert.deepEqual(a.slice(2), ["172.16.0.8", 26, 1]);
  // Lower flood thresholds still need 2 sources: one scanner never floods.
  s.syn_flood.syn_threshold = 1;
  s.syn_flood.unique_src_threshold = 2;
  const noFlood = await runFixture("synscan.pcap", s);
  assert.equal(noFlood.det.synFloodAlerts, 0);
  // Reference rule: every SYN counts.
  const ref = await runFixture("synscan.pcap", defaultAnomalySettings(), "reference");
  assert.equal(ref.det.portScan!.contactsSeen, 1994);
});

/** Fields tshark prints per frame for the model. */
const TSHARK_ANOMALY_FIELDS = [
  "frame.time_epoch",
  "frame.protocols",
  "ip.src",
  "ip.dst",
  "ipv6.src",
  "ipv6.dst",
  "tcp.flags",
  "tcp.dstport",
  "udp.dstport",
  "tcp.srcport",
  "udp.srcport",
  "ieee8021ad.id",
  "vlan.id",
];

/** One frame as tshark shows it, reduced to what the rules look at. */
interface TsharkPacket {
  sec: number;
  nsec: number;
  family: 4 | 6;
  src: string;
  dst: string;
  /** 6, 17, or 0 for anything else (including frames without IP). */
  proto: number;
  flags: number;
  sport: number;
  dport: number;
  /** Outermost VLAN id, 0 when untagged. */
  vlan: number;
}

/**
 * A capture read by tshark: per frame, the first (outermost) IP header and
 * the transport right after it, as NetScope decodes it (a GRE- or
 * ICMP-quoted inner packet is not a contact). Every frame is kept: with
 * the failed-contact rule any packet moves time on.
 */
async function tsharkPackets(name: string): Promise<TsharkPacket[]> {
  const { rows } = await tsharkFields(fixture(name), TSHARK_ANOMALY_FIELDS, { occurrence: "f" });
  const packets: TsharkPacket[] = [];
  for (const row of rows) {
    const [epoch, protos, s4, d4, s6, d6, flags, tport, uport, tsport, usport, adId, vlanId] = row
      .map((occ) => occ[0] ?? "");
    const [secText, fracText = "0"] = epoch!.split(".");
    const sec = Number(secText), nsec = Number(fracText.padEnd(9, "0").slice(0, 9));
    const layers = protos!.split(":");
    const ipAt = layers.findIndex((l) => l === "ip" || l === "ipv6");
    let k = ipAt + 1;
    while (k < layers.length && layers[k]!.startsWith("ipv6.")) k++;
    const transport = ipAt < 0 ? "" : layers[k];
    const family = layers[ipAt] === "ipv6" ? 6 : 4;
    let proto = 0, dport = -1, sport = -1;
    if (transport === "tcp" && tport) {
      proto = 6;
      dport = Number(tport);
      sport = Number(tsport);
    } else if (transport === "udp" && uport) {
      proto = 17;
      dport = Number(uport);
      sport = Number(usport);
    }
    packets.push({
      sec,
      nsec,
      family,
      src: family === 4 ? s4! : s6!,
      dst: family === 4 ? d4! : d6!,
      proto,
      flags: proto === 6 ? parseInt(flags!, 16) : 0,
      sport,
      dport,
      vlan: Number(adId || vlanId || 0),
    });
  }
  return packets;
}

/** The model's alerts for packets read by tshark. */
function tsharkModelRows(packets: TsharkPacket[], settings: AnomalySettings, rule: Rule): Row[] {
  const model = new AnomalyModel(
    settings,
    synFloodSourceCap(settings.syn_flood.unique_src_threshold),
    { answerGraceSecs: rule === "failed" ? DEFAULT_ANSWER_GRACE_SECS : null },
  );
  const rows: Row[] = [];
  const base = packets.length > 0 ? packets[0]!.sec : 0;
  for (const p of packets) {
    const t = (p.sec - base) + p.nsec / 1e9;
    const alerts = model.observeEvent(
      t,
      p.family,
      p.src,
      p.dst,
      p.proto,
      p.flags,
      p.dport,
      p.sport,
      p.vlan,
    );
    for (const m of alerts) rows.push(modelRow(m, base));
  }
  for (const m of model.flush()) rows.push(modelRow(m, base));
  return rows;
}

const tsharkPresent = await haveTshark();

/** tshark runs for every readable fixture, 4 at a time, started once. */
function startTsharkRuns(names: string[], lanes: number): Map<string, Promise<TsharkPacket[]>> {
  const runs = new Map<string, Promise<TsharkPacket[]>>();
  const gates: Promise<unknown>[] = Array.from({ length: lanes }, () => Promise.resolve());
  names.forEach((name, i) => {
    const run = gates[i % lanes]!.then(() => tsharkPackets(name));
    gates[i % lanes] = run.catch(() => {});
    runs.set(name, run);
  });
  return runs;
}

Deno.test({
  name: "anomalies: tshark's view of every fixture through the model gives the same alerts",
  ignore: !tsharkPresent,
  fn: async () => {
    const names = fixtureNames().filter((n) => !UNREADABLE.has(n));
    const runs = startTsharkRuns(names, 4);
    for (const name of names) {
      const packets = await runs.get(name)!;
      for (const rule of ["failed", "reference"] as const) {
        assert.deepEqual(
          tsharkModelRows(packets, defaultAnomalySettings(), rule),
          expected(rule)[name] ?? [],
          `${name} (${rule})`,
        );
      }
    }
    // And with thresholds low enough to alert all the time (cooldowns off).
    const low = defaultAnomalySettings();
    low.syn_flood = {
      enabled: true,
      window_secs: 2,
      syn_threshold: 2,
      unique_src_threshold: 2,
      cooldown_secs: 0,
    };
    low.port_scan = {
      enabled: true,
      window_secs: 2,
      unique_ports_threshold: 2,
      unique_hosts_threshold: 2,
      cooldown_secs: 0,
    };
    for (const rule of ["failed", "reference"] as const) {
      let total = 0, scans = 0;
      for (
        const name of [
          "example.pcap",
          "sll.pcap",
          "raw_ip.pcap",
          "DnsPackets.pcap",
          "synscan.pcap",
          "mixed-vlan-mpls.pcap",
          "pcapng-example.pcapng",
        ]
      ) {
        const ours = (await runFixture(name, low, rule)).alerts;
        assert.deepEqual(
          ours,
          tsharkModelRows(await runs.get(name)!, low, rule),
          `${name} (${rule}, low thresholds)`,
        );
        total += ours.length;
        scans += ours.filter((r) => r[0] === "port_scan").length;
      }
      assert.ok(total > 1000, `${rule}: low thresholds raise many alerts (${total})`);
      assert.ok(scans > 100, `${rule}: low thresholds raise many scan alerts (${scans})`);
    }
  },
});

Deno.test("anomalies: random traffic, low thresholds, reference rule: detectors equal the model", () => {
  let totalFloods = 0, totalScans = 0;
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, 9]) {
    const r = rng(seed);
    // Seeds 7-9: few addresses and ports, so a packet often repeats the
    // previous one (the detectors' shortcut for a flow's packets).
    const few = seed >= 7;
    const pool = few ? 12 : 30, hosts = few ? 3 : 6, ports = few ? 3 : 20;
    const s = defaultAnomalySettings();
    s.syn_flood = {
      enabled: true,
      window_secs: 0.5 + r() * 2,
      syn_threshold: 5 + Math.floor(r() * 40),
      unique_src_threshold: 2 + Math.floor(r() * 8),
      cooldown_secs: r() < 0.3 ? 0 : r() * 3,
    };
    s.port_scan = {
      enabled: true,
      window_secs: 0.5 + r() * 3,
      unique_ports_threshold: 2 + Math.floor(r() * (few ? 3 : 10)),
      unique_hosts_threshold: 1 + Math.floor(r() * (few ? 2 : 6)),
      cooldown_secs: r() < 0.3 ? 0 : r() * 5,
    };
    const det = new AnomalyDetector(s, { baseSec: 1_600_000_000, answered: null });
    const model = new AnomalyModel(s, synFloodSourceCap(s.syn_flood.unique_src_threshold));
    const p = new SynthPacket();
    const ours: Row[] = [], theirs: Row[] = [];
    let t = 0;
    for (let i = 0; i < 30000; i++) {
      // Mostly forward in small steps; sometimes a jump, sometimes backwards.
      const u = r();
      t += u < 0.02 ? r() * 5 : u < 0.05 ? -r() * 0.5 : r() * 0.01;
      // Half the traffic to one (host, port), the rest spread: floods and scans.
      const src = r() < 0.3 ? 0 : Math.floor(r() * pool);
      const dst = r() < 0.5 ? 0 : Math.floor(r() * hosts);
      const port = r() < 0.5 ? 80 : 1 + Math.floor(r() * ports);
      const kind = r();
      const flags = kind < 0.6
        ? SYN
        : kind < 0.7
        ? SYN_ACK
        : kind < 0.75
        ? SYN | 0x40 | 0x80
        : 0x10;
      const rec = r() < 0.25
        ? (kind < 0.5
          ? p.udp6(`2001:db8::${src + 1}`, `2001:db8:1::${dst + 1}`, port)
          : p.tcp6(`2001:db8::${src + 1}`, `2001:db8:1::${dst + 1}`, port, flags))
        : (kind < 0.2
          ? p.udp4(v4("10.0.0.1") + src, v4("10.1.0.1") + dst, port)
          : p.tcp4(v4("10.0.0.1") + src, v4("10.1.0.1") + dst, port, flags));
      det.observe(rec, t);
      for (const a of det.takeAlerts()) ours.push(row(a));
      for (const m of model.observe(rec, t)) theirs.push(modelRow(m, 1_600_000_000));
    }
    assert.deepEqual(ours, theirs, `seed ${seed}`);
    const floods = ours.filter((x) => x[0] === "syn_flood").length;
    assert.ok(
      floods > 0 && ours.length - floods > 0,
      `seed ${seed}: ${floods} floods, ${ours.length - floods} scans`,
    );
    totalFloods += floods;
    totalScans += ours.length - floods;
  }
  assert.ok(totalFloods > 100 && totalScans > 100, `${totalFloods} floods, ${totalScans} scans`);
});

/** A contact the random failed-rule traffic may answer later. */
interface SentContact {
  v6: boolean;
  udp: boolean;
  src: number;
  dst: number;
  sport: number;
  dport: number;
}

Deno.test("anomalies: random traffic with replies, failed-contact rule: detectors equal the model", () => {
  let totalScans = 0, totalAnswered = 0, totalFailed = 0;
  for (const seed of [11, 12, 13, 14, 15, 16, 17, 18]) {
    const r = rng(seed);
    const few = seed >= 16;
    const pool = few ? 6 : 20, hosts = few ? 3 : 8, ports = few ? 4 : 40, sports = few ? 2 : 30;
    const s = defaultAnomalySettings();
    s.syn_flood = {
      enabled: true,
      window_secs: 0.5 + r() * 2,
      syn_threshold: 5 + Math.floor(r() * 40),
      unique_src_threshold: 2 + Math.floor(r() * 8),
      cooldown_secs: r() < 0.3 ? 0 : r() * 3,
    };
    s.port_scan = {
      enabled: true,
      window_secs: 0.5 + r() * 3,
      unique_ports_threshold: 2 + Math.floor(r() * (few ? 3 : 10)),
      unique_hosts_threshold: 1 + Math.floor(r() * (few ? 2 : 6)),
      cooldown_secs: r() < 0.3 ? 0 : r() * 5,
    };
    // Grace from 0 to 0.3 s against steps of up to 10 ms: answers land on
    // both sides of it.
    const grace = seed === 11 ? 0 : r() * 0.3;
    const oracle = new FlowOracle();
    const det = new AnomalyDetector(s, {
      baseSec: 1_600_000_000,
      answered: oracle.answered,
      answerGraceSecs: grace,
    });
    const model = new AnomalyModel(s, synFloodSourceCap(s.syn_flood.unique_src_threshold), {
      answerGraceSecs: grace,
    });
    const p = new SynthPacket();
    const ours: Row[] = [], theirs: Row[] = [];
    const sent: SentContact[] = [];
    let t = 0;
    for (let i = 0; i < 30000; i++) {
      const u = r();
      t += u < 0.01 ? r() * 5 : u < 0.04 ? -r() * 0.5 : r() * 0.01;
      let rec: PacketRecord;
      if (sent.length > 0 && r() < 0.3) {
        // A reply to a recent contact: SYN-ACK (answers), RST-ACK or a bare
        // ACK (do not), or a UDP datagram back (answers).
        const c = sent[sent.length - 1 - Math.floor(r() * Math.min(sent.length, 64))]!;
        const k = r();
        const flags = k < 0.6 ? SYN_ACK : k < 0.85 ? 0x14 : 0x10;
        if (c.v6) {
          const a = `2001:db8:1::${c.dst + 1}`, b = `2001:db8::${c.src + 1}`;
          rec = c.udp ? p.udp6(a, b, c.sport, c.dport) : p.tcp6(a, b, c.sport, flags, c.dport);
        } else {
          const a = v4("10.1.0.1") + c.dst, b = v4("10.0.0.1") + c.src;
          rec = c.udp ? p.udp4(a, b, c.sport, c.dport) : p.tcp4(a, b, c.sport, flags, c.dport);
        }
      } else {
        const c: SentContact = {
          v6: r() < 0.25,
          udp: r() < 0.3,
          src: r() < 0.3 ? 0 : Math.floor(r() * pool),
          dst: r() < 0.4 ? 0 : Math.floor(r() * hosts),
          sport: 40000 + Math.floor(r() * sports),
          dport: r() < 0.3 ? 80 : 1 + Math.floor(r() * ports),
        };
        // Mostly SYNs (retransmitted when the 5-tuple repeats), some other
        // segments (a flow may start with one: then it is no contact).
        const flags = r() < 0.85 ? SYN : 0x10;
        if (c.v6) {
          const a = `2001:db8::${c.src + 1}`, b = `2001:db8:1::${c.dst + 1}`;
          rec = c.udp ? p.udp6(a, b, c.dport, c.sport) : p.tcp6(a, b, c.dport, flags, c.sport);
        } else {
          const a = v4("10.0.0.1") + c.src, b = v4("10.1.0.1") + c.dst;
          rec = c.udp ? p.udp4(a, b, c.dport, c.sport) : p.tcp4(a, b, c.dport, flags, c.sport);
        }
        sent.push(c);
      }
      const slot = oracle.observe(rec, t);
      det.observe(rec, t, slot, oracle.lastIsNew, slot >= 0 ? oracle.firstSeen[slot]! : 0);
      for (const a of det.takeAlerts()) ours.push(row(a));
      for (const m of model.observe(rec, t)) theirs.push(modelRow(m, 1_600_000_000));
    }
    det.flush(t);
    for (const a of det.takeAlerts()) ours.push(row(a));
    for (const m of model.flush()) theirs.push(modelRow(m, 1_600_000_000));
    assert.deepEqual(ours, theirs, `seed ${seed}`);
    const scans = ours.filter((x) => x[0] === "port_scan").length;
    assert.ok(scans > 0, `seed ${seed}: ${scans} scans`);
    assert.ok(det.contactsAnswered > 0 && det.contactsFailed > 0, `seed ${seed}`);
    assert.equal(det.pendingContacts, 0);
    totalScans += scans;
    totalAnswered += det.contactsAnswered;
    totalFailed += det.contactsFailed;
  }
  assert.ok(totalScans > 100, `${totalScans} scans`);
  assert.ok(totalAnswered > 10000 && totalFailed > 10000, `${totalAnswered} / ${totalFailed}`);
});
