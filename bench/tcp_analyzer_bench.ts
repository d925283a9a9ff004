/**
 * `TcpAnalyzer.observe()` per packet. Each bench iteration feeds
 * {@link BATCH} (1000) packets, so the time per iteration in µs equals the
 * time per packet in ns. Packets are PacketRecords filled as `decodeFrame()`
 * would (decoding is measured in decode_bench.ts).
 *
 * Run: deno bench bench/tcp_analyzer_bench.ts
 *
 * @module
 */

import { TcpAnalyzer, type TcpAnalyzerOptions } from "../src/flow/tcp_analyzer.ts";
import { PacketRecord } from "../src/protocol/packet.ts";

/** Packets per bench iteration: µs per iteration = ns per packet. */
const BATCH = 1000;

const SYN = 0x02, ACK = 0x10, PSH = 0x08;
const FULL: TcpAnalyzerOptions = { rtt: true, retrans: true, outOfOrder: true };
const SCALE: TcpAnalyzerOptions = { rtt: false, retrans: false, outOfOrder: false };

function segment(flags: number, len: number, sport: number, dport: number): PacketRecord {
  const r = new PacketRecord();
  r.tcpFlags = flags;
  r.tcpWindow = 512;
  r.tcpHdrLen = 32;
  r.l4Len = 32 + len;
  r.l4CapLen = 32 + len;
  r.payloadWireLen = len;
  r.srcPort = sport;
  r.dstPort = dport;
  return r;
}

/**
 * A bulk transfer on established flows: the server sends 1448-byte segments,
 * the client ACKs every second one (3 packets per 2 segments), 10 µs apart.
 */
class Bulk {
  readonly a: TcpAnalyzer;
  readonly flows: number;
  readonly data = segment(ACK | PSH, 1448, 443, 51000);
  readonly ack = segment(ACK, 0, 51000, 443);
  readonly seq: Uint32Array;
  t = 0;
  slot = 0;
  phase = 0;

  constructor(opts: TcpAnalyzerOptions, flows: number) {
    this.a = new TcpAnalyzer(flows, opts);
    this.flows = flows;
    this.seq = new Uint32Array(flows);
    // Handshakes first, so every flow is established.
    const syn = segment(SYN, 0, 51000, 443), synAck = segment(SYN | ACK, 0, 443, 51000);
    for (let s = 0; s < flows; s++) {
      syn.tcpSeq = 1000;
      this.a.observe(s, 1, true, syn, 0);
      synAck.tcpSeq = 5000 + s;
      synAck.tcpAck = 1001;
      this.a.observe(s, 0, false, synAck, 0.0001);
      this.ack.tcpSeq = 1001;
      this.ack.tcpAck = 5001 + s;
      this.a.observe(s, 1, false, this.ack, 0.0002);
      this.seq[s] = 5001 + s;
    }
    this.t = 1;
  }

  /** Feeds `n` packets; `observe` false runs the same loop without the analyzer (baseline). */
  run(n: number, observe = true): void {
    const a = this.a, data = this.data, ack = this.ack, seq = this.seq, flows = this.flows;
    let t = this.t, slot = this.slot, phase = this.phase;
    for (let k = 0; k < n; k++) {
      if (phase < 2) {
        data.tcpSeq = seq[slot]!;
        data.tcpAck = 1001;
        if (observe) a.observe(slot, 0, false, data, t);
        seq[slot] = seq[slot]! + 1448;
      } else {
        ack.tcpSeq = 1001;
        ack.tcpAck = seq[slot]!;
        if (observe) a.observe(slot, 1, false, ack, t);
      }
      t += 0.00001;
      if (++slot === flows) {
        slot = 0;
        if (++phase === 3) phase = 0;
      }
    }
    this.t = t;
    this.slot = slot;
    this.phase = phase;
  }
}

const baseline = new Bulk(FULL, 1);
Deno.bench("baseline: the bulk loop without observe (subtract from the others)", () => {
  baseline.run(BATCH, false);
});

const oneFlow = new Bulk(FULL, 1);
Deno.bench("observe: established flow, bulk data + ACKs, full analysis", () => {
  oneFlow.run(BATCH);
});

const manyFlows = new Bulk(FULL, 100_000);
Deno.bench("observe: 100k established flows round-robin, full analysis", () => {
  manyFlows.run(BATCH);
});

const scaleFlow = new Bulk(SCALE, 1);
Deno.bench("observe: established flow, scale mode (state machine only)", () => {
  scaleFlow.run(BATCH);
});

// New flows: the SYN of a flow the table just created (isNew clears the slot).
const fresh = new TcpAnalyzer(BATCH, FULL);
const syn = segment(SYN, 0, 51000, 443);
let synT = 0;
Deno.bench("observe: new flow (isNew, SYN), full analysis", () => {
  for (let s = 0; s < BATCH; s++) {
    syn.tcpSeq = s * 7919;
    fresh.observe(s, s & 1, true, syn, synT);
    synT += 0.00001;
  }
});
