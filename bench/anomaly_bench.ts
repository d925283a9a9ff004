/**
 * `AnomalyDetector.observe()` per packet, default settings (the reference's
 * thresholds). Each bench iteration observes {@link BATCH} (1000) packets
 * into one reused record, so µs per iteration = ns per packet. Capture time
 * advances 1 µs per packet (a 1 Mpps link). Groups "anomaly" and "decode"
 * run the reference port scan rule (no `answered` callback); group
 * "failed" the failed-contact rule the pipeline uses.
 *
 * Run: deno bench --allow-read bench/anomaly_bench.ts
 *
 * @module
 */

import { AnomalyDetector } from "../src/analysis/anomaly_detector.ts";
import { defaultAnomalySettings, SynthPacket, v4 } from "../src/analysis/_test_anomaly.ts";
import { cat, ethernet, frameOf, ipv4, tcp } from "../src/protocol/_test_frames.ts";
import { decodeFrame } from "../src/protocol/decode.ts";
import { PacketRecord } from "../src/protocol/packet.ts";

/** Packets per bench iteration: µs per iteration = ns per packet. */
const BATCH = 1000;
const SYN = 0x02, ACK = 0x10, PSH = 0x08;
const TARGET = v4("10.0.0.5");
const CLIENT = v4("192.168.1.2");

function detector(): AnomalyDetector {
  return new AnomalyDetector(defaultAnomalySettings());
}

// ---- a data segment (ACK|PSH): rejected at the first flag test ----
{
  const det = detector();
  const p = new SynthPacket();
  const rec = p.tcp4(CLIENT, TARGET, 80, ACK | PSH);
  let t = 0;
  Deno.bench("observe: TCP non-SYN segment (ACK|PSH)", { group: "anomaly", baseline: true }, () => {
    let tt = t;
    for (let i = 0; i < BATCH; i++) det.observe(rec, tt += 1e-6);
    t = tt;
  });
}

// ---- SYNs from 16 clients to one server port: known target and sources ----
{
  const det = detector();
  const p = new SynthPacket();
  let t = 0, n = 0;
  Deno.bench(
    "observe: SYN, known destination and source (16 clients)",
    { group: "anomaly" },
    () => {
      let tt = t;
      for (let i = 0; i < BATCH; i++) {
        det.observe(p.tcp4(CLIENT + (n++ & 15), TARGET, 443, SYN), tt += 1e-6);
      }
      t = tt;
      det.takeAlerts();
    },
  );
}

// ---- SYN flood from spoofed random sources: every packet a new source ----
{
  const det = detector();
  const p = new SynthPacket();
  let t = 0, n = 0;
  Deno.bench("observe: SYN flood, every source new (spoofed)", { group: "anomaly" }, () => {
    let tt = t;
    for (let i = 0; i < BATCH; i++) {
      const src = Math.imul(++n, 0x9e3779b1) >>> 0;
      det.observe(p.tcp4(src, TARGET, 80, SYN), tt += 1e-6);
    }
    t = tt;
    det.takeAlerts();
  });
}

// ---- SYN scan: one source, a new port (and target) per packet ----
{
  const det = detector();
  const p = new SynthPacket();
  let t = 0, n = 0;
  Deno.bench("observe: SYN scan, new port per packet", { group: "anomaly" }, () => {
    let tt = t;
    for (let i = 0; i < BATCH; i++) {
      det.observe(p.tcp4(CLIENT, TARGET, 1 + (n++ % 65535), SYN), tt += 1e-6);
    }
    t = tt;
    det.takeAlerts();
  });
}

// ---- UDP: DNS queries from 16 clients to one resolver (scan detector only) ----
{
  const det = detector();
  const p = new SynthPacket();
  let t = 0, n = 0;
  Deno.bench(
    "observe: UDP, 16 interleaved clients, known port and host",
    { group: "anomaly" },
    () => {
      let tt = t;
      for (let i = 0; i < BATCH; i++) {
        det.observe(
          p.udp4(CLIENT + (n++ & 15), TARGET, 53),
          tt += 1e-6,
        );
      }
      t = tt;
      det.takeAlerts();
    },
  );
}

// ---- UDP: one flow's packets back to back (QUIC, RTP): the repeat shortcut ----
{
  const det = detector();
  const rec = new SynthPacket().udp4(CLIENT, TARGET, 443);
  let t = 0;
  Deno.bench("observe: UDP, same flow as the previous packet", { group: "anomaly" }, () => {
    let tt = t;
    for (let i = 0; i < BATCH; i++) det.observe(rec, tt += 1e-6);
    t = tt;
  });
}

// ---- IPv6 SYNs from 16 clients ----
{
  const det = detector();
  const recs: PacketRecord[] = [];
  for (let c = 0; c < 16; c++) {
    const q = new SynthPacket();
    q.tcp6(`2001:db8::${c + 1}`, "2001:db8:1::5", 443, SYN);
    recs.push(q.rec);
  }
  let t = 0, n = 0;
  Deno.bench("observe: IPv6 SYN, known destination and source", { group: "anomaly" }, () => {
    let tt = t;
    for (let i = 0; i < BATCH; i++) det.observe(recs[n++ & 15]!, tt += 1e-6);
    t = tt;
    det.takeAlerts();
  });
}

// ---- decode + observe of a real-looking SYN frame ----
{
  const det = detector();
  const frame = frameOf(
    cat(ethernet(0x0800), ipv4({ proto: 6, payloadLen: 20, flags: 2 }), tcp({ flags: SYN })),
  );
  const rec = new PacketRecord();
  let t = 0;
  Deno.bench("decodeFrame + observe: 54-byte SYN", { group: "decode" }, () => {
    let tt = t;
    for (let i = 0; i < BATCH; i++) {
      decodeFrame(frame, rec);
      det.observe(rec, tt += 1e-6);
    }
    t = tt;
    det.takeAlerts();
  });
}

// ---- the failed-contact rule (the pipeline's default: answers from the flow table) ----

/**
 * A detector with the failed-contact rule; `answered` stands in for the
 * flow table (a constant). Capture time advances 50 µs per packet here
 * (20,000 new flows per second): contacts are judged 2 s after they are
 * queued, so the queue holds 40,000 and never overflows.
 */
function failedRuleDetector(answer: boolean): AnomalyDetector {
  return new AnomalyDetector(defaultAnomalySettings(), { answered: () => answer });
}

// ---- a data segment with contacts pending: the due-time check only ----
{
  const det = failedRuleDetector(true);
  const p = new SynthPacket();
  for (let i = 0; i < 1000; i++) det.observe(p.tcp4(CLIENT, TARGET, 1 + i, SYN), 0, i, true, 0);
  const rec = p.tcp4(CLIENT, TARGET, 80, ACK | PSH);
  let t = 0;
  Deno.bench("failed-contact rule: TCP non-SYN segment, contacts pending", {
    group: "failed",
    baseline: true,
  }, () => {
    let tt = t;
    for (let i = 0; i < BATCH; i++) det.observe(rec, tt += 1e-9, 1, false, 0);
    t = tt;
  });
}

// ---- every packet a new flow's SYN, answered: queue, then judge ----
{
  const det = failedRuleDetector(true);
  const p = new SynthPacket();
  let t = 0, n = 0;
  Deno.bench(
    "failed-contact rule: SYN of a new flow (16 clients), judged answered",
    { group: "failed" },
    () => {
      let tt = t;
      for (let i = 0; i < BATCH; i++) {
        tt += 5e-5;
        det.observe(
          p.tcp4(CLIENT + (n & 15), TARGET, 443, SYN, 1024 + (n & 0x7fff)),
          tt,
          n,
          true,
          tt,
        );
        n++;
      }
      t = tt;
      det.takeAlerts();
    },
  );
}

// ---- SYN scan, unanswered: queue, judge, count ----
{
  const det = failedRuleDetector(false);
  const p = new SynthPacket();
  let t = 0, n = 0;
  Deno.bench(
    "failed-contact rule: SYN scan, new port per packet, judged unanswered",
    { group: "failed" },
    () => {
      let tt = t;
      for (let i = 0; i < BATCH; i++) {
        tt += 5e-5;
        det.observe(p.tcp4(CLIENT, TARGET, 1 + (n % 65535), SYN), tt, n, true, tt);
        n++;
      }
      t = tt;
      det.takeAlerts();
    },
  );
}
