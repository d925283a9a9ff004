import assert from "node:assert/strict";
import { CaptureFileReader, NEXT_FRAME, NEXT_NEED_DATA } from "../capture/capture_file_reader.ts";
import { Frame } from "../capture/frame.ts";
import { decodeFrame } from "../protocol/decode.ts";
import { PacketRecord } from "../protocol/packet.ts";
import { fixture } from "../../tests/_fixtures.ts";
import {
  defaultAnomalySettings,
  defaultPortScan,
  defaultSynFlood,
} from "../analysis/_test_anomaly.ts";
import { AnalysisEngine, ENGINE_BATCH, type EngineOptions } from "./analysis_engine.ts";

const OPTIONS: EngineOptions = {
  flows: true,
  timeoutSecs: 5,
  maxFlows: 40, // small, so that eviction happens on every fixture
  rtt: true,
  retrans: true,
  outOfOrder: true,
  anomalies: {
    enabled: true,
    // Low flood thresholds, so that the fixtures raise alerts.
    syn_flood: { ...defaultSynFlood(), syn_threshold: 5, unique_src_threshold: 1 },
    port_scan: defaultPortScan(),
  },
  stats: { intervalMs: 1000, topN: 5 },
};

/**
 * Feeds every packet of fixture `file` to `engine`, one at a time or in
 * batches of varying sizes (1 to ENGINE_BATCH), then calls finish().
 */
async function feed(file: string, engine: AnalysisEngine, batched: boolean): Promise<void> {
  const frames = Array.from({ length: ENGINE_BATCH }, () => new Frame());
  const recs = Array.from({ length: ENGINE_BATCH }, () => new PacketRecord());
  const ts = new Float64Array(ENGINE_BATCH);
  const r = await CaptureFileReader.open(fixture(file));
  let base = -1, n = 0, size = 1;
  const flush = () => {
    if (n === 0) return;
    if (batched) engine.observeBatch(recs, ts, n);
    else for (let i = 0; i < n; i++) engine.observe(recs[i]!, ts[i]!);
    n = 0;
    size = 1 + ((size * 7) % ENGINE_BATCH); // batches of varying sizes
  };
  try {
    for (;;) {
      const st = r.next(frames[n]!);
      if (st === NEXT_NEED_DATA) {
        flush();
        await r.fill();
        continue;
      }
      if (st !== NEXT_FRAME) break;
      const f = frames[n]!;
      decodeFrame(f, recs[n]!);
      if (base < 0) {
        base = f.tsSec;
        engine.start(base);
      }
      ts[n] = f.tsSec - base + f.tsNsec * 1e-9;
      if (++n === size) flush();
    }
    flush();
  } finally {
    r.close();
  }
  engine.finish();
}

/** Everything the engine emitted for `file`, fed one packet at a time or in batches. */
async function run(file: string, batched: boolean): Promise<string[]> {
  const out: string[] = [];
  const engine = new AnalysisEngine(OPTIONS, {
    onTick: (tick) => out.push(JSON.stringify(tick)),
    onAlert: (a) => out.push(JSON.stringify(a)),
    onFlowEnd: (f, reason) => out.push(reason + " " + JSON.stringify(f)),
  });
  await feed(file, engine, batched);
  engine.forEachFlow((f) => out.push("live " + JSON.stringify(f)));
  return out;
}

for (const file of ["synscan.pcap", "example.pcap", "DnsPackets.pcap", "retransmit-fast009.pcap"]) {
  Deno.test(`observeBatch gives exactly what observe gives: ${file}`, async () => {
    const one = await run(file, false);
    const batch = await run(file, true);
    assert.ok(one.length > 3, `${file}: ${one.length} results`);
    assert.deepEqual(batch, one);
  });
}

Deno.test("the comparison sees evictions, expiries, ticks and alerts", async () => {
  const out = [...await run("synscan.pcap", true), ...await run("example.pcap", true)];
  for (const kind of ["evicted ", "idle_timeout ", '{"type":"stats"', '"kind":"port_scan"']) {
    assert.ok(out.some((l) => l.startsWith(kind) || l.includes(kind)), kind);
  }
});

/** The engine's detector after `file`, with or without the TCP analyzer. */
async function detectorAfter(file: string, scale: boolean) {
  const engine = new AnalysisEngine(
    {
      ...OPTIONS,
      maxFlows: 0,
      timeoutSecs: 60,
      rtt: !scale,
      retrans: !scale,
      outOfOrder: !scale,
      anomalies: defaultAnomalySettings(),
    },
    { onTick: () => {}, onAlert: () => {}, onFlowEnd: null },
  );
  await feed(file, engine, true);
  assert.equal(engine.tcp === null, scale);
  return engine.detector!;
}

Deno.test("a SYN refused with RST is a failed contact, with or without the TCP analyzer", async () => {
  // synscan.pcap (MANIFEST.md): 1,994 SYNs, each its own flow; SYN-ACKs
  // answer 3 of them, RSTs refuse 5 (those count as failed).
  for (const scale of [false, true]) {
    const det = await detectorAfter("synscan.pcap", scale);
    assert.equal(det.contactsAnswered, 3, `scale ${scale}`);
    assert.equal(det.contactsFailed, 1991, `scale ${scale}`);
    assert.equal(det.portScanAlerts, 1, `scale ${scale}`);
  }
  // Normal traffic: the same verdicts either way (example.pcap: 134 answered).
  const full = await detectorAfter("example.pcap", false);
  const scale = await detectorAfter("example.pcap", true);
  assert.equal(full.contactsAnswered, 134);
  assert.deepEqual(
    [scale.contactsAnswered, scale.contactsFailed],
    [full.contactsAnswered, full.contactsFailed],
  );
});
