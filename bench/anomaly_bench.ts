/**
 * `AnomalyDetector.observe()` per packet, default settings (the reference's
 * thresholds). Each bench iteration observes {@link BATCH} (1000) packets
 * into one reused record, so µs per iteration = ns per packet. Capture time
 * advances 1 µs per packet (a 1 Mpps link). Groups "anomaly" and "decode"
 * run the reference port scan rule (no `answered` callback); group
 * "failed" the failed-contact rule the pipeline uses, and its last bench
 * the packet mix of the generated 5M-packet capture.
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

// ---- the mix of a generated capture (the failed-contact rule, as the pipeline runs it) ----

/**
 * Per 1,000 packets, as in bench/.data/gen-v2-p5000000-f1000000-s1-c10000.pcap
 * (5M packets: 178k SYNs to 15,756 destinations, 983k contacts): about 36
 * SYNs opening TCP flows from 1,024 clients to 16,384 (server, port)
 * destinations, 160 UDP datagrams opening flows (DNS queries), the rest
 * segments and datagrams of known flows; every contact answered (the
 * flow table is a constant here); 20 µs between packets. A cycle of 2^20
 * packets is drawn once, so that the destination table holds what the
 * capture's would. Caches are far warmer than in the pipeline, where the
 * packets' other state evicts the detector's between its SYNs.
 */
{
  const det = failedRuleDetector(true);
  const p = new SynthPacket();
  const N = 1 << 20;
  const kind = new Uint8Array(N), client = new Uint32Array(N), dest = new Uint32Array(N);
  let x = 12345;
  const rnd = () => (x = (Math.imul(x, 1103515245) + 12345) | 0) >>> 8;
  const clients = v4("10.0.0.0");
  for (let i = 0; i < N; i++) {
    const u = rnd() % 1000;
    kind[i] = u < 36 ? 1 : u < 196 ? 2 : u < 600 ? 3 : 0;
    client[i] = clients + (rnd() % 1024);
    dest[i] = rnd() % 16384;
  }
  const SERVER = v4("198.51.100.0");
  let t = 0, n = 0;
  Deno.bench("failed-contact rule: the generated capture's mix", { group: "failed" }, () => {
    let tt = t;
    for (let i = 0; i < BATCH; i++) {
      const k = n & (N - 1);
      const d = dest[k]!, c = client[k]!;
      const server = SERVER + (d >>> 1), port = d & 1 ? 443 : 80;
      tt += 2e-5;
      switch (kind[k]) {
        case 1: // a SYN opening a flow
          det.observe(p.tcp4(c, server, port, SYN, 1024 + (n & 0x7fff)), tt, n & 0xffff, true);
          break;
        case 2: // a DNS query opening a flow
          det.observe(p.udp4(c, server, 53, 1024 + (n & 0x7fff)), tt, n & 0xffff, true);
          break;
        case 3: // a DNS answer (known flow)
          det.observe(p.udp4(server, c, 1024 + (n & 0x7fff), 53), tt, n & 0xffff, false);
          break;
        default: // a data segment
          det.observe(
            p.tcp4(c, server, port, ACK | PSH, 1024 + (n & 0x7fff)),
            tt,
            n & 0xffff,
            false,
          );
      }
      n++;
    }
    t = tt;
    det.takeAlerts();
  });
}
