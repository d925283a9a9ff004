import assert from "node:assert/strict";
import { cat, decodeBytes, ethernet, ipv4, ipv6, tcp } from "../protocol/_test_frames.ts";
import type { SynFloodAlert } from "./alert.ts";
import { defaultSynFlood, SYN, SYN_ACK, SynthPacket, v4 } from "./_test_anomaly.ts";
import type { SynFloodSettings } from "../cli/config.ts";
import { SynFloodDetector, synFloodSourceCap } from "./syn_flood.ts";
import { WINDOW_BUCKETS, WindowClock } from "./window_clock.ts";
import { prng as rng } from "../../tests/_prng.ts";

const TARGET = v4("10.0.0.5");
/** Source number i → a distinct address in 198.18.0.0/15 (RFC 2544 benchmarking). */
const SRC_BASE = v4("198.18.0.0");

/** Feeds `n` SYNs to 10.0.0.5:80, SYN i from source (i mod sources) at t0 + i·dt. */
function flood(
  d: SynFloodDetector,
  p: SynthPacket,
  n: number,
  sources: number,
  t0: number,
  dt: number,
  flags = SYN,
): { alert: SynFloodAlert; i: number; t: number }[] {
  const out: { alert: SynFloodAlert; i: number; t: number }[] = [];
  for (let i = 0; i < n; i++) {
    const t = t0 + i * dt;
    const a = d.observe(p.tcp4(SRC_BASE + (i % sources), TARGET, 80, flags), t);
    if (a !== null) out.push({ alert: a, i, t });
  }
  return out;
}

Deno.test("SYN flood: 1,000 SYNs from 500 sources in 2 s raise exactly one alert", () => {
  const d = new SynFloodDetector(defaultSynFlood(), 1367526033);
  const alerts = flood(d, new SynthPacket(), 1000, 500, 0, 0.002);
  assert.equal(alerts.length, 1);
  const { alert, i } = alerts[0]!;
  // SYN #201 (i = 200) is the first with more than 200 SYNs; by then 201
  // distinct sources were seen, of which the cap (200) is kept.
  assert.equal(i, 200);
  assert.equal(d.sourceCap, 200);
  assert.deepEqual(alert, {
    ts: "2013-05-02T20:20:33.400000000Z",
    kind: "syn_flood",
    description: "SYN flood to 10.0.0.5:80: 201 SYNs from at least 200 sources within 5 s",
    target: { ip: "10.0.0.5", port: 80 },
    syn_count: 201,
    unique_sources: 200,
    window_secs: 5,
    syn_threshold: 200,
    unique_src_threshold: 50,
  });
  assert.equal(d.alertsRaised, 1);
  assert.equal(d.synsSeen, 1000);
  assert.equal(d.trackedTargets, 1);
  assert.equal(d.trackedSourceEntries, 200);
  assert.equal(d.forgottenSources, 1000 - 200);
  assert.equal(d.droppedTargets, 0);
});

Deno.test("SYN flood: a second alert only once the cooldown has passed", () => {
  const d = new SynFloodDetector(defaultSynFlood());
  const p = new SynthPacket();
  // 1,024 SYNs/s for 25 s (times are multiples of 2^-10 s, exact in binary):
  // the first alert at SYN #201, then at the first SYN at least 10 s after
  // the previous alert.
  const alerts = flood(d, p, 25600, 500, 0, 1 / 1024);
  assert.deepEqual(alerts.map((a) => a.i), [200, 200 + 10240, 200 + 20480]);
  assert.deepEqual(alerts.map((a) => a.t), [200 / 1024, 200 / 1024 + 10, 200 / 1024 + 20]);
  // In a window of 7/8 to all of 5 s at 1,024 SYN/s the count is in the thousands.
  assert.ok(alerts[1]!.alert.syn_count > 4000);
});

Deno.test("SYN flood: just below either threshold raises nothing; just at them raises", () => {
  const s = defaultSynFlood();
  // 200 SYNs from 200 sources: not MORE than 200.
  assert.equal(flood(new SynFloodDetector(s), new SynthPacket(), 200, 200, 0, 0.001).length, 0);
  // 1,000 SYNs from 49 sources: not AT LEAST 50.
  assert.equal(flood(new SynFloodDetector(s), new SynthPacket(), 1000, 49, 0, 0.001).length, 0);
  // 201 SYNs from exactly 50 sources: both hold at SYN #201.
  const hit = flood(new SynFloodDetector(s), new SynthPacket(), 201, 50, 0, 0.001);
  assert.equal(hit.length, 1);
  assert.equal(hit[0]!.i, 200);
  assert.equal(hit[0]!.alert.unique_sources, 50);
  assert.equal(
    hit[0]!.alert.description,
    "SYN flood to 10.0.0.5:80: 201 SYNs from 50 sources within 5 s",
  );
});

Deno.test("SYN flood: SYN+ACK, ACK, RST and non-SYN segments are not counted", () => {
  const d = new SynFloodDetector(defaultSynFlood());
  const p = new SynthPacket();
  assert.equal(flood(d, p, 5000, 500, 0, 0.0001, SYN_ACK).length, 0);
  assert.equal(flood(d, p, 5000, 500, 0.5, 0.0001, 0x10).length, 0);
  assert.equal(flood(d, p, 5000, 500, 1, 0.0001, 0x04).length, 0);
  assert.equal(flood(d, p, 5000, 500, 1.5, 0.0001, 0).length, 0);
  assert.equal(d.synsSeen, 0);
  // 150 SYNs among them do not reach 200 either.
  assert.equal(flood(d, p, 150, 150, 2, 0.001).length, 0);
  // ECN-setup SYNs (SYN+ECE+CWR, RFC 3168 §6.1.1) are SYNs.
  assert.equal(flood(d, p, 51, 51, 2.2, 0.001, SYN | 0x40 | 0x80).length, 1);
});

Deno.test("SYN flood: UDP and other protocols are ignored", () => {
  const d = new SynFloodDetector(defaultSynFlood());
  const p = new SynthPacket();
  for (let i = 0; i < 1000; i++) assert.equal(d.observe(p.udp4(SRC_BASE + i, TARGET, 80), 0), null);
  assert.equal(d.synsSeen, 0);
  assert.equal(d.trackedTargets, 0);
});

Deno.test("SYN flood: destinations are (ip, port): floods split over two ports do not add up", () => {
  const d = new SynFloodDetector(defaultSynFlood());
  const p = new SynthPacket();
  let alerts = 0;
  for (let i = 0; i < 300; i++) {
    if (d.observe(p.tcp4(SRC_BASE + i, TARGET, 80 + (i & 1), SYN), i * 0.001)) alerts++;
  }
  assert.equal(alerts, 0);
  assert.equal(d.trackedTargets, 2);
});

Deno.test("SYN flood: window expiry: SYNs spread wider than the window do not alert", () => {
  // 1,000 SYNs from 500 sources over 30 s: 33 per second, at most ~167 per 5 s.
  assert.equal(
    flood(new SynFloodDetector(defaultSynFlood()), new SynthPacket(), 1000, 500, 0, 0.03).length,
    0,
  );
  // 201 SYNs spaced evenly over exactly 5 s (the first and the last 5 s
  // apart): the window is shorter than 5 s, so they are never all in it.
  assert.equal(
    flood(new SynFloodDetector(defaultSynFlood()), new SynthPacket(), 201, 201, 0, 5 / 200).length,
    0,
  );
  // The same 201 SYNs within 7/8 of the window (4.375 s) are always counted together.
  for (const t0 of [0, 0.3, 0.624, 1.1]) {
    const hit = flood(
      new SynFloodDetector(defaultSynFlood()),
      new SynthPacket(),
      201,
      201,
      t0,
      4.375 / 200,
    );
    assert.equal(hit.length, 1, `burst starting at ${t0}`);
  }
});

Deno.test("SYN flood: cooldown holds across windows and restarts with a new flood", () => {
  const d = new SynFloodDetector(defaultSynFlood());
  const p = new SynthPacket();
  // Burst 1 at t = 0..1 alerts; burst 2 at t = 6..7 (a fresh window) is
  // inside the 10 s cooldown; burst 3 at t = 12..13 alerts again.
  assert.equal(flood(d, p, 300, 100, 0, 1 / 300).length, 1);
  assert.equal(flood(d, p, 300, 100, 6, 1 / 300).length, 0);
  const third = flood(d, p, 300, 100, 12, 1 / 300);
  assert.equal(third.length, 1);
  // The window emptied between bursts: the count restarts at the new burst.
  assert.equal(third[0]!.alert.syn_count, 201);
  assert.equal(third[0]!.alert.unique_sources, 100);
  // A zero cooldown alerts on every SYN past the thresholds.
  const s = { ...defaultSynFlood(), cooldown_secs: 0 };
  assert.equal(flood(new SynFloodDetector(s), new SynthPacket(), 300, 100, 0, 0.001).length, 100);
});

Deno.test("SYN flood: time running backwards counts at the latest time seen", () => {
  const d = new SynFloodDetector(defaultSynFlood());
  const p = new SynthPacket();
  // 201 SYNs from 60 sources, stamped 9 s, then 0 s, 0.01 s, ...: all count at 9 s.
  let alerts = 0;
  for (let i = 0; i < 201; i++) {
    const t = i === 0 ? 9 : (i - 1) * 0.01;
    const a = d.observe(p.tcp4(SRC_BASE + (i % 60), TARGET, 80, SYN), t);
    if (a) {
      alerts++;
      assert.equal(a.ts, "1970-01-01T00:00:09.000000000Z");
    }
  }
  assert.equal(alerts, 1);
});

Deno.test("SYN flood: IPv6 destinations, keyed apart from IPv4 ones", () => {
  const d = new SynFloodDetector(defaultSynFlood());
  const p = new SynthPacket();
  let alert: SynFloodAlert | null = null;
  for (let i = 0; i < 250; i++) {
    // An IPv4 SYN to 0.0.0.5:443 between IPv6 SYNs to ::5 must not add up with them.
    d.observe(p.tcp4(SRC_BASE + i, 5, 443, SYN), i * 0.001);
    const a = d.observe(p.tcp6(`2001:db8:1::${(i + 1).toString(16)}`, "::5", 443, SYN), i * 0.001);
    if (a) alert = a;
  }
  assert.ok(alert);
  assert.equal(
    alert.description,
    "SYN flood to [::5]:443: 201 SYNs from at least 200 sources within 5 s",
  );
  assert.deepEqual(alert.target, { ip: "::5", port: 443 });
  assert.equal(d.trackedTargets, 2);
  assert.equal(d.alertsRaised, 2); // the IPv4 flood to 0.0.0.5:443 alerts on its own
});

Deno.test("SYN flood: decoded frames: a SYN counts, SYN-ACK and a non-first fragment do not", () => {
  const d = new SynFloodDetector({
    ...defaultSynFlood(),
    syn_threshold: 1,
    unique_src_threshold: 1,
  });
  const syn = decodeBytes(
    cat(ethernet(0x0800), ipv4({ proto: 6, payloadLen: 20, dst: "10.0.0.5" }), tcp({ flags: SYN })),
  );
  const synAck = decodeBytes(
    cat(ethernet(0x0800), ipv4({ proto: 6, payloadLen: 20 }), tcp({ flags: SYN_ACK })),
  );
  // A non-first fragment: no TCP header, its bytes happen to look like a SYN.
  const frag = decodeBytes(
    cat(
      ethernet(0x0800),
      ipv4({ proto: 6, payloadLen: 20, fragUnits: 3, dst: "10.0.0.5" }),
      tcp({ flags: SYN }),
    ),
  );
  const syn6 = decodeBytes(
    cat(
      ethernet(0x86dd),
      ipv6({ next: 6, payloadLen: 20, dst: "2001:db8::5" }),
      tcp({ flags: SYN }),
    ),
  );
  assert.equal(d.observe(syn, 0), null);
  assert.equal(d.observe(synAck, 0), null);
  assert.equal(d.observe(frag, 0), null);
  assert.equal(d.synsSeen, 1);
  const a = d.observe(syn, 0.1);
  assert.ok(a);
  assert.deepEqual(a.target, { ip: "10.0.0.5", port: 80 });
  assert.equal(d.observe(syn6, 0.2), null);
  assert.ok(d.observe(syn6, 0.3));
});

Deno.test("SYN flood: 1,000,000 SYNs from 1,000,000 sources: bounded state, still alerted", () => {
  const d = new SynFloodDetector(defaultSynFlood());
  const p = new SynthPacket();
  const alerts: number[] = [];
  // Distinct pseudo-random sources: i · odd constant is a bijection mod 2^32.
  for (let i = 0; i < 1_000_000; i++) {
    const src = Math.imul(i + 1, 0x9e3779b1) >>> 0;
    const a = d.observe(p.tcp4(src, TARGET, 80, SYN), i * 2e-5); // 20 s
    if (a) alerts.push(i);
    assert.ok(d.trackedSourceEntries <= d.sourceCap);
  }
  // Every 10 s cooldown: at SYN #201 (t = 0.004 s), then t ≥ 10.004 (i = 500,200).
  assert.deepEqual(alerts, [200, 500200]);
  assert.equal(d.trackedTargets, 1);
  assert.equal(d.trackedSourceEntries, 200);
  assert.equal(d.forgottenSources, 1_000_000 - 200);
});

Deno.test("SYN flood: spraying more destinations than the cap evicts the least recent, not the flood", () => {
  const d = new SynFloodDetector(defaultSynFlood(), 0, { maxTargets: 1000, maxEntries: 4000 });
  const p = new SynthPacket();
  const alerts: SynFloodAlert[] = [];
  for (let i = 0; i < 200_000; i++) {
    const t = i * 1e-5;
    // Junk: one SYN each to 100,000 random destinations from random sources.
    if (i & 1) {
      const junk = Math.imul(i, 0x9e3779b1) >>> 0;
      d.observe(p.tcp4(junk ^ 0x5555, junk, 80, SYN), t);
    } else {
      const a = d.observe(p.tcp4(SRC_BASE + (i >> 1) % 300, TARGET, 80, SYN), t);
      if (a) alerts.push(a);
    }
    assert.ok(d.trackedTargets <= 1000);
    assert.ok(d.trackedSourceEntries <= d.maxEntries);
  }
  assert.equal(d.maxEntries, 4000);
  assert.equal(alerts.length, 1);
  assert.deepEqual(alerts[0]!.target, { ip: "10.0.0.5", port: 80 });
  assert.equal(alerts[0]!.syn_count, 201);
  assert.equal(d.trackedTargets, 1000);
  assert.ok(d.droppedTargets > 90_000, `droppedTargets ${d.droppedTargets}`);
});

Deno.test("SYN flood: a small entry pool evicts whole targets and still detects", () => {
  // Pool of 2 × cap = 400 entries; 300 destinations with 5 sources each
  // need 1,500: the least recent destinations give theirs up.
  const s = defaultSynFlood();
  const d = new SynFloodDetector(s, 0, { maxEntries: 1 });
  assert.equal(d.maxEntries, 2 * synFloodSourceCap(s.unique_src_threshold));
  const p = new SynthPacket();
  for (let i = 0; i < 1500; i++) {
    const src = SRC_BASE + Math.floor(i / 300); // 5 rounds over the 300 destinations
    d.observe(p.tcp4(src, v4("10.1.0.0") + (i % 300), 80, SYN), i * 1e-4);
    assert.ok(d.trackedSourceEntries <= 400);
  }
  assert.ok(d.droppedTargets > 0);
  assert.equal(flood(d, p, 201, 201, 0.2, 1e-4).length, 1);
});

Deno.test("SYN flood: source cap per target", () => {
  assert.equal(synFloodSourceCap(50), 200);
  assert.equal(synFloodSourceCap(1), 4);
  assert.equal(synFloodSourceCap(10000), 11024);
});

/**
 * The bounded state of the module doc, written plainly (Maps in insertion
 * order as LRU lists, no layout): at most `maxTargets` destinations, least
 * recently seen evicted; per destination its `sourceCap` most recent
 * sources in the window; all sources in one pool of `maxEntries`, the
 * least recently seen destination evicted when it is full.
 */
class CappedFloodModel {
  readonly targets = new Map<
    string,
    { stamp: number; ring: number[]; lastAlert: number; sources: Map<string, number> }
  >();
  pool = 0;
  dropped = 0;
  forgotten = 0;
  readonly clock: WindowClock;

  constructor(
    readonly s: SynFloodSettings,
    readonly maxTargets: number,
    readonly maxEntries: number,
    readonly cap: number,
  ) {
    this.clock = new WindowClock(s.window_secs);
  }

  #evictOldest(): void {
    const [key, tg] = this.targets.entries().next().value!;
    if (tg.stamp >= this.clock.oldestLive) this.dropped++;
    this.pool -= tg.sources.size;
    this.targets.delete(key);
  }

  /** One SYN; returns [syns, sources, at least] when it alerts. */
  syn(t: number, dst: string, src: string): [number, number, boolean] | null {
    this.clock.advance(t);
    const e = this.clock.epoch, oldest = this.clock.oldestLive;
    let tg = this.targets.get(dst);
    if (tg === undefined) {
      if (this.targets.size >= this.maxTargets) this.#evictOldest();
      tg = {
        stamp: e,
        ring: new Array(WINDOW_BUCKETS).fill(0),
        lastAlert: -Infinity,
        sources: new Map(),
      };
    } else {
      this.targets.delete(dst);
      for (let b = tg.stamp + 1; b <= Math.min(e, tg.stamp + WINDOW_BUCKETS); b++) {
        tg.ring[b % WINDOW_BUCKETS] = 0;
      }
      tg.stamp = e;
    }
    this.targets.set(dst, tg);
    tg.ring[e % WINDOW_BUCKETS]++;
    for (const [k, stamp] of tg.sources) {
      if (stamp >= oldest) break;
      tg.sources.delete(k);
      this.pool--;
    }
    if (tg.sources.has(src)) {
      tg.sources.delete(src);
    } else {
      if (tg.sources.size >= this.cap) {
        tg.sources.delete(tg.sources.keys().next().value!);
        this.pool--;
        this.forgotten++;
      }
      while (this.pool >= this.maxEntries && this.targets.keys().next().value !== dst) {
        this.#evictOldest();
      }
      this.pool++;
    }
    tg.sources.set(src, e);
    const syns = tg.ring.reduce((a, b) => a + b, 0), uniq = tg.sources.size;
    if (
      syns > this.s.syn_threshold && uniq >= this.s.unique_src_threshold &&
      this.clock.now - tg.lastAlert >= this.s.cooldown_secs
    ) {
      tg.lastAlert = this.clock.now;
      return [syns, uniq, uniq >= this.cap];
    }
    return null;
  }
}

Deno.test("SYN flood: caps, evictions, growth, inline and spilled sources equal a plain model", () => {
  let alerts = 0, dropped = 0, forgotten = 0, grown = 0;
  for (let seed = 1; seed <= 12; seed++) {
    const r = rng(seed);
    const s: SynFloodSettings = {
      enabled: true,
      window_secs: 0.2 + r() * 2,
      syn_threshold: 1 + Math.floor(r() * 20),
      // 1 gives a source cap of 4, below the 5 sources a record holds.
      unique_src_threshold: seed % 4 === 0 ? 1 : 2 + Math.floor(r() * 6),
      cooldown_secs: r() < 0.3 ? 0 : r() * 2,
    };
    // Some runs hold thousands of destinations (the table grows, records
    // move), some only a few (constant eviction, the LRU queue compacts).
    const many = seed % 3 === 0;
    const maxTargets = many ? 3000 : 1 + Math.floor(r() * 30);
    const maxEntries = Math.floor(r() * (many ? 20000 : 300));
    const d = new SynFloodDetector(s, 0, { maxTargets, maxEntries, seed });
    const m = new CappedFloodModel(s, maxTargets, d.maxEntries, d.sourceCap);
    const p = new SynthPacket();
    const nsrc = 1 + Math.floor(r() * (many ? 2000 : 40));
    const ndst = 1 + Math.floor(r() * (many ? 5000 : 60));
    let t = 0;
    for (let i = 0; i < 20000; i++) {
      const u = r();
      t += u < 0.005 ? r() * 5 : u < 0.02 ? -r() * 0.1 : r() * (many ? 0.0005 : 0.005);
      const v6 = r() < 0.3;
      // Floods: a third of the SYNs go to one destination.
      const src = Math.floor(r() * nsrc), dst = r() < 0.3 ? 0 : Math.floor(r() * ndst);
      const port = 80 + Math.floor(r() * 2);
      const a = v6
        ? d.observe(
          p.tcp6(`2001:db8::${src.toString(16)}`, `2001:db8:1::${dst.toString(16)}`, port, SYN),
          t,
        )
        : d.observe(p.tcp4(SRC_BASE + src, TARGET + dst, port, SYN), t);
      const want = m.syn(t, `${v6}/${dst}/${port}`, `${v6}/${src}`);
      assert.deepEqual(
        a === null ? null : [a.syn_count, a.unique_sources, a.description.includes("at least")],
        want,
        `seed ${seed} SYN ${i}`,
      );
      if (a !== null) alerts++;
      assert.equal(d.trackedTargets, m.targets.size, `seed ${seed} SYN ${i}: targets`);
      assert.equal(d.trackedSourceEntries, m.pool, `seed ${seed} SYN ${i}: entries`);
    }
    assert.equal(d.droppedTargets, m.dropped, `seed ${seed}`);
    assert.equal(d.forgottenSources, m.forgotten, `seed ${seed}`);
    dropped += d.droppedTargets;
    forgotten += d.forgottenSources;
    if (many && d.trackedTargets > 512) grown++;
  }
  assert.ok(
    alerts > 1000 && dropped > 1000 && forgotten > 1000,
    `${alerts} ${dropped} ${forgotten}`,
  );
  assert.ok(grown >= 2, `${grown} runs grew the table`);
});
