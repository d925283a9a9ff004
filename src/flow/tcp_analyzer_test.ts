import assert from "node:assert/strict";
import { CaptureFileReader, NEXT_FRAME, NEXT_NEED_DATA } from "../capture/capture_file_reader.ts";
import { Frame } from "../capture/frame.ts";
import { decodeFrame } from "../protocol/decode.ts";
import { IPPROTO_TCP, PacketRecord } from "../protocol/packet.ts";
import { fixture } from "../../tests/_fixtures.ts";
import {
  TCP_EV_FAST_RETRANSMISSION,
  TCP_EV_KEEP_ALIVE,
  TCP_EV_NEW_CONNECTION,
  TCP_EV_OUT_OF_ORDER,
  TCP_EV_RETRANSMISSION,
  TCP_EV_RTT_SAMPLE,
  TCP_EV_SPURIOUS_RETRANSMISSION,
  TCP_STATE_CLOSED,
  TCP_STATE_ESTABLISHED,
  TCP_STATE_FIN_WAIT,
  TCP_STATE_NAMES,
  TCP_STATE_RESET,
  TCP_STATE_SYN_ACK,
  TCP_STATE_SYN_SENT,
  TCP_STATE_UNKNOWN,
  TcpAnalyzer,
  type TcpAnalyzerOptions,
} from "./tcp_analyzer.ts";

const FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10;
const ALL: TcpAnalyzerOptions = { rtt: true, retrans: true, outOfOrder: true };

/**
 * One TCP connection driven by hand: fills a PacketRecord's TCP fields
 * directly (as decodeFrame would) and feeds the analyzer. `c`/`s` send from
 * the client/server; sequence numbers are absolute (wrapped to 32 bits).
 */
class Conn {
  readonly a: TcpAnalyzer;
  readonly slot: number;
  /** Direction of the client's packets (0 = the client is endpoint A). */
  readonly clientDir: number;
  readonly cport: number;
  readonly sport: number;
  readonly rec = new PacketRecord();
  #first = true;
  /** TCP_EV_* of the last packet. */
  ev = 0;

  constructor(
    a: TcpAnalyzer,
    slot = 0,
    opts: { clientDir?: number; cport?: number; sport?: number } = {},
  ) {
    this.a = a;
    this.slot = slot;
    this.clientDir = opts.clientDir ?? 0;
    this.cport = opts.cport ?? 51000;
    this.sport = opts.sport ?? 80;
  }

  send(
    fromClient: boolean,
    t: number,
    flags: number,
    seq: number,
    ack: number,
    len = 0,
    win = 8192,
  ) {
    const r = this.rec;
    r.tcpFlags = flags;
    r.tcpSeq = seq >>> 0;
    r.tcpAck = ack >>> 0;
    r.tcpWindow = win;
    r.tcpHdrLen = 20;
    r.l4Len = 20 + len;
    r.l4CapLen = 20 + len;
    r.payloadWireLen = len;
    r.srcPort = fromClient ? this.cport : this.sport;
    r.dstPort = fromClient ? this.sport : this.cport;
    const dir = fromClient ? this.clientDir : this.clientDir ^ 1;
    this.a.observe(this.slot, dir, this.#first, r, t);
    this.#first = false;
    this.ev = this.a.lastEvents;
    return this.ev;
  }

  c(t: number, flags: number, seq: number, ack: number, len = 0, win = 8192) {
    return this.send(true, t, flags, seq, ack, len, win);
  }

  s(t: number, flags: number, seq: number, ack: number, len = 0, win = 8192) {
    return this.send(false, t, flags, seq, ack, len, win);
  }
}

/** Client ISN 1000, server ISN 5000; SYN at 0, SYN+ACK at `rtt1`, ACK at `rtt1 + rtt2`. */
function handshake(k: Conn, rtt1 = 0.01, rtt2 = 0.002, t0 = 0): void {
  k.c(t0, SYN, 1000, 0);
  k.s(t0 + rtt1, SYN | ACK, 5000, 1001);
  k.c(t0 + rtt1 + rtt2, ACK, 1001, 5001);
}

function near(actual: number, expected: number, tol = 1e-7): void {
  assert.ok(
    Math.abs(actual - expected) <= tol,
    `expected ${expected}, got ${actual}`,
  );
}

Deno.test("state names line up with the constants", () => {
  assert.equal(TCP_STATE_NAMES[TCP_STATE_UNKNOWN], "unknown");
  assert.equal(TCP_STATE_NAMES[TCP_STATE_SYN_SENT], "syn_sent");
  assert.equal(TCP_STATE_NAMES[TCP_STATE_SYN_ACK], "syn_ack");
  assert.equal(TCP_STATE_NAMES[TCP_STATE_ESTABLISHED], "established");
  assert.equal(TCP_STATE_NAMES[TCP_STATE_FIN_WAIT], "fin_wait");
  assert.equal(TCP_STATE_NAMES[TCP_STATE_CLOSED], "closed");
  assert.equal(TCP_STATE_NAMES[TCP_STATE_RESET], "reset");
});

Deno.test("three-way handshake: states, client, handshake RTT, two RTT samples", () => {
  const a = new TcpAnalyzer(4, ALL);
  const k = new Conn(a, 2);
  assert.equal(a.state(2), TCP_STATE_UNKNOWN);
  k.c(1.0, SYN, 1000, 0);
  assert.equal(a.state(2), TCP_STATE_SYN_SENT);
  assert.equal(a.client(2), 0);
  assert.ok(Number.isNaN(a.handshakeRtt(2)));
  assert.equal(k.s(1.025, SYN | ACK, 5000, 1001) & TCP_EV_RTT_SAMPLE, TCP_EV_RTT_SAMPLE);
  assert.equal(a.state(2), TCP_STATE_SYN_ACK);
  k.c(1.028, ACK, 1001, 5001);
  assert.equal(a.state(2), TCP_STATE_ESTABLISHED);
  assert.equal(a.client(2), 0);
  near(a.handshakeRtt(2), 0.028, 1e-12);
  assert.equal(a.rttSamples(2), 2);
  near(a.rttMin(2), 0.003);
  near(a.rttLast(2), 0.003);
  near(a.rttEwma(2), 0.025 + (0.003 - 0.025) / 8);
  assert.equal(a.retransmissions(2), 0);
  assert.equal(a.outOfOrder(2), 0);
  assert.equal(a.isClosed(2), false);
  assert.deepEqual(a.snapshot(2), {
    tcp_state: "established",
    client: "a",
    retransmissions: 0,
    out_of_order: 0,
    rtt_last_ms: 3,
    rtt_min_ms: 3,
    rtt_ewma_ms: 22.25,
    rtt_samples: 2,
    handshake_rtt_ms: 28,
  });
});

Deno.test("the client is endpoint B when B sends the SYN", () => {
  const a = new TcpAnalyzer(1, ALL);
  const k = new Conn(a, 0, { clientDir: 1 });
  handshake(k);
  assert.equal(a.client(0), 1);
  assert.equal(a.snapshot(0).client, "b");
  assert.equal(a.state(0), TCP_STATE_ESTABLISHED);
});

Deno.test("a SYN+ACK without SYN makes its receiver the client", () => {
  const a = new TcpAnalyzer(1, ALL);
  const k = new Conn(a, 0, { clientDir: 1 });
  k.s(0, SYN | ACK, 5000, 1001);
  assert.equal(a.state(0), TCP_STATE_SYN_ACK);
  assert.equal(a.client(0), 1);
  k.c(0.01, ACK, 1001, 5001);
  assert.equal(a.state(0), TCP_STATE_ESTABLISHED);
  // No SYN seen: no handshake RTT (tshark's initial_rtt needs the SYN).
  assert.ok(Number.isNaN(a.handshakeRtt(0)));
  // The SYN+ACK was timed: the ACK gives one sample.
  assert.equal(a.rttSamples(0), 1);
  near(a.rttLast(0), 0.01);
});

Deno.test("data and ACK: one timed segment per direction, EWMA with alpha 1/8", () => {
  const a = new TcpAnalyzer(1, ALL);
  const k = new Conn(a);
  handshake(k, 0.01, 0.002); // samples 0.010, 0.002
  const samples = [0.01, 0.002];
  let cseq = 1001, t = 1;
  for (const rtt of [0.040, 0.020, 0.100, 0.005]) {
    k.c(t, ACK | PSH, cseq, 5001, 100);
    cseq += 100;
    assert.equal(k.s(t + rtt, ACK, 5001, cseq) & TCP_EV_RTT_SAMPLE, TCP_EV_RTT_SAMPLE);
    samples.push(rtt);
    t += 1;
  }
  let ewma = samples[0]!;
  for (const s of samples.slice(1)) ewma += (s - ewma) / 8;
  assert.equal(a.rttSamples(0), samples.length);
  near(a.rttLast(0), 0.005);
  near(a.rttMin(0), 0.002);
  near(a.rttEwma(0), ewma);
  const snap = a.snapshot(0);
  assert.equal(snap.rtt_last_ms, 5);
  assert.equal(snap.rtt_min_ms, 2);
  assert.equal(snap.rtt_ewma_ms, Math.round(ewma * 1e6) / 1e3);
});

Deno.test("bulk transfer: the first unacked segment is timed, later ones wait for its ACK", () => {
  const a = new TcpAnalyzer(1, ALL);
  const k = new Conn(a);
  handshake(k);
  const n0 = a.rttSamples(0);
  // Five back-to-back segments 1 ms apart; a cumulative ACK covering the
  // first two arrives at 1.030: RTT of the first segment = 30 ms.
  for (let i = 0; i < 5; i++) k.c(1 + i * 0.001, ACK, 1001 + i * 1000, 5001, 1000);
  k.s(1.030, ACK, 5001, 3001);
  assert.equal(a.rttSamples(0), n0 + 1);
  near(a.rttLast(0), 0.030, 1e-6);
  // A partial ACK does not cover a segment; nothing is timed now until new data.
  k.s(1.031, ACK, 5001, 6001);
  assert.equal(a.rttSamples(0), n0 + 1);
  k.c(1.5, ACK, 6001, 5001, 500);
  k.s(1.512, ACK, 5001, 6501);
  assert.equal(a.rttSamples(0), n0 + 2);
  near(a.rttLast(0), 0.012, 1e-6);
});

Deno.test("Karn: a retransmitted segment gives no RTT sample", () => {
  const a = new TcpAnalyzer(1, ALL);
  const k = new Conn(a);
  handshake(k);
  const n0 = a.rttSamples(0);
  k.c(1, ACK, 1001, 5001, 100);
  assert.equal(k.c(1.5, ACK, 1001, 5001, 100), TCP_EV_RETRANSMISSION);
  assert.equal(k.s(1.52, ACK, 5001, 1101) & TCP_EV_RTT_SAMPLE, 0);
  assert.equal(a.rttSamples(0), n0);
  assert.equal(a.retransmissions(0), 1);
  // The next new segment is timed again.
  k.c(2, ACK, 1101, 5001, 100);
  k.s(2.03, ACK, 5001, 1201);
  assert.equal(a.rttSamples(0), n0 + 1);
  near(a.rttLast(0), 0.03, 1e-6);
});

Deno.test("FIN teardown, client first: fin_wait then closed", () => {
  const a = new TcpAnalyzer(1, ALL);
  const k = new Conn(a);
  handshake(k);
  k.c(1, FIN | ACK, 1001, 5001);
  assert.equal(a.state(0), TCP_STATE_FIN_WAIT);
  assert.equal(a.isClosed(0), false);
  k.s(1.01, ACK, 5001, 1002);
  assert.equal(a.state(0), TCP_STATE_FIN_WAIT);
  k.s(1.02, FIN | ACK, 5001, 1002);
  assert.equal(a.state(0), TCP_STATE_CLOSED);
  assert.equal(a.isClosed(0), true);
  k.c(1.03, ACK, 1002, 5002);
  assert.equal(a.state(0), TCP_STATE_CLOSED);
  // FINs occupy a sequence number: the ACKs of the FINs gave samples.
  assert.equal(a.retransmissions(0), 0);
  assert.equal(a.snapshot(0).tcp_state, "closed");
});

Deno.test("FIN teardown, server first (half-close keeps data flowing)", () => {
  const a = new TcpAnalyzer(1, ALL);
  const k = new Conn(a);
  handshake(k);
  k.s(1, FIN | ACK, 5001, 1001);
  assert.equal(a.state(0), TCP_STATE_FIN_WAIT);
  k.c(1.01, ACK | PSH, 1001, 5002, 300);
  assert.equal(a.state(0), TCP_STATE_FIN_WAIT);
  k.c(1.02, FIN | ACK, 1301, 5002);
  assert.equal(a.state(0), TCP_STATE_CLOSED);
  assert.equal(a.retransmissions(0), 0);
  // A retransmitted FIN after close is a retransmission; the state stays closed.
  assert.equal(k.c(1.5, FIN | ACK, 1301, 5002), TCP_EV_RETRANSMISSION);
  assert.equal(a.state(0), TCP_STATE_CLOSED);
});

Deno.test("RST resets from any state and counts as closed", () => {
  const a = new TcpAnalyzer(3, ALL);
  const k0 = new Conn(a, 0);
  handshake(k0);
  k0.s(1, RST | ACK, 5001, 1001);
  assert.equal(a.state(0), TCP_STATE_RESET);
  assert.equal(a.isClosed(0), true);
  // Refused connection: SYN then RST+ACK; tshark's initial_rtt is SYN to RST+ACK.
  const k1 = new Conn(a, 1);
  k1.c(0, SYN, 1000, 0);
  k1.s(0.04, RST | ACK, 0, 1001);
  assert.equal(a.state(1), TCP_STATE_RESET);
  assert.equal(a.client(1), 0);
  near(a.handshakeRtt(1), 0.04, 1e-12);
  // A FIN after the RST does not revive the connection.
  const k2 = new Conn(a, 2);
  handshake(k2);
  k2.c(1, FIN | ACK, 1001, 5001);
  k2.s(1.1, RST, 5001, 0);
  k2.c(1.2, FIN | ACK, 1001, 5001);
  assert.equal(a.state(2), TCP_STATE_RESET);
});

Deno.test("simultaneous open: the first SYN's sender stays the client", () => {
  const a = new TcpAnalyzer(1, ALL);
  const k = new Conn(a, 0, { clientDir: 1, cport: 7000, sport: 7001 });
  k.c(0, SYN, 1000, 0);
  k.s(0.001, SYN, 5000, 0);
  assert.equal(a.state(0), TCP_STATE_SYN_SENT);
  assert.equal(a.client(0), 1);
  k.c(0.01, SYN | ACK, 1000, 5001);
  k.s(0.011, SYN | ACK, 5000, 1001);
  assert.equal(a.state(0), TCP_STATE_SYN_ACK);
  k.c(0.02, ACK, 1001, 5001);
  assert.equal(a.state(0), TCP_STATE_ESTABLISHED);
  assert.equal(a.client(0), 1);
  assert.equal(a.lastEvents & TCP_EV_NEW_CONNECTION, 0);
  // The SYN+ACKs repeat the SYNs' sequence numbers: Wireshark flags them as
  // retransmissions, and so does the analyzer.
  assert.equal(a.retransmissions(0), 2);
});

Deno.test("a retransmitted SYN keeps the client and gives no SYN RTT sample", () => {
  const a = new TcpAnalyzer(1, ALL);
  const k = new Conn(a);
  k.c(0, SYN, 1000, 0);
  assert.equal(k.c(1, SYN, 1000, 0), TCP_EV_RETRANSMISSION);
  assert.equal(a.state(0), TCP_STATE_SYN_SENT);
  assert.equal(a.client(0), 0);
  // The SYN+ACK answers one of the two SYNs: no sample (Karn).
  assert.equal(k.s(1.02, SYN | ACK, 5000, 1001) & TCP_EV_RTT_SAMPLE, 0);
  k.c(1.025, ACK, 1001, 5001);
  assert.equal(a.client(0), 0);
  assert.equal(a.rttSamples(0), 1); // SYN+ACK to ACK only
  near(a.rttLast(0), 0.005, 1e-7);
  // Handshake RTT from the most recent SYN (tshark's initial_rtt).
  near(a.handshakeRtt(0), 0.025, 1e-12);
  assert.equal(a.retransmissions(0), 1);
});

Deno.test("mid-stream pickup: established, client guessed from the ports", () => {
  const cases: [number, number, number][] = [
    // [client port, server port, expected client code for clientDir 0]
    [51000, 80, 0],
    [51000, 8080, 0],
    [2000, 443, 0],
    [40000, 5432, 0],
    [5000, 6000, -1], // both registered ports: unknown
    [40000, 50000, -1], // both ephemeral
    [80, 443, -1], // both well-known
    [8080, 8080, -1],
  ];
  for (const [cport, sport, want] of cases) {
    for (const clientDir of [0, 1]) {
      const a = new TcpAnalyzer(1, ALL);
      const k = new Conn(a, 0, { clientDir, cport, sport });
      // The server's data is the first packet seen.
      k.s(0, ACK | PSH, 7000, 3000, 500);
      assert.equal(a.state(0), TCP_STATE_ESTABLISHED);
      const expect = want === -1 ? -1 : clientDir;
      assert.equal(a.client(0), expect, `ports ${cport}/${sport} clientDir ${clientDir}`);
    }
  }
  // Mid-stream retransmission and FIN.
  const a = new TcpAnalyzer(1, ALL);
  const k = new Conn(a);
  k.c(0, ACK, 3000, 7000, 100);
  k.s(0.01, ACK, 7000, 3000, 200); // the client's segment is not acknowledged yet
  // (Its ACK also covers the server's segment: an RTT sample.)
  assert.equal(k.c(0.5, ACK, 3000, 7200, 100), TCP_EV_RETRANSMISSION | TCP_EV_RTT_SAMPLE);
  k.c(0.6, FIN | ACK, 3100, 7200);
  assert.equal(a.state(0), TCP_STATE_FIN_WAIT);
  assert.ok(Number.isNaN(a.handshakeRtt(0)));
});

Deno.test("a flow whose first packet is a FIN or RST", () => {
  const a = new TcpAnalyzer(2, ALL);
  new Conn(a, 0).c(0, FIN | ACK, 100, 200);
  assert.equal(a.state(0), TCP_STATE_FIN_WAIT);
  assert.equal(a.client(0), 0);
  new Conn(a, 1).s(0, RST, 100, 0);
  assert.equal(a.state(1), TCP_STATE_RESET);
  assert.equal(a.client(1), 0);
});

Deno.test("sequence wraparound: data crossing 0 is in order; its resend is a retransmission", () => {
  const a = new TcpAnalyzer(1, ALL);
  const k = new Conn(a);
  const isn = 0xffffff00;
  k.c(0, SYN, isn, 0);
  k.s(0.01, SYN | ACK, 5000, isn + 1);
  k.c(0.02, ACK, isn + 1, 5001);
  let seq = isn + 1;
  for (let i = 0; i < 5; i++) {
    // 100-byte segments: the third one crosses 2^32.
    assert.equal(k.c(1 + i * 0.1, ACK, seq, 5001, 100), 0, `segment ${i}`);
    assert.equal(k.s(1.01 + i * 0.1, ACK, 5001, seq + 100) & TCP_EV_RTT_SAMPLE, TCP_EV_RTT_SAMPLE);
    seq += 100;
  }
  assert.equal(a.retransmissions(0), 0);
  assert.equal(a.outOfOrder(0), 0);
  // The crossing segment again, long after: already acknowledged, so spurious.
  assert.equal(k.c(3, ACK, isn + 201, 5001, 100), TCP_EV_SPURIOUS_RETRANSMISSION);
  // Unacknowledged data past 0, resent later: a plain retransmission.
  k.c(4, ACK, (isn + 501) >>> 0, 5001, 100);
  assert.equal(k.c(4.5, ACK, (isn + 501) >>> 0, 5001, 100), TCP_EV_RETRANSMISSION);
  assert.equal(a.retransmissions(0), 2);
  assert.equal(a.rttSamples(0), 2 + 5);
  near(a.rttLast(0), 0.01, 1e-6);
});

Deno.test("keep-alives (0 or 1 byte at nextseq - 1) and their ACKs are not counted", () => {
  const a = new TcpAnalyzer(1, ALL);
  const k = new Conn(a);
  handshake(k);
  k.c(1, ACK | PSH, 1001, 5001, 10);
  k.s(1.01, ACK, 5001, 1011);
  assert.equal(k.c(60, ACK, 1010, 5001), TCP_EV_KEEP_ALIVE);
  assert.equal(k.s(60.01, ACK, 5001, 1011), 0);
  assert.equal(k.c(120, ACK, 1010, 5001, 1), TCP_EV_KEEP_ALIVE);
  k.s(120.01, ACK, 5001, 1011);
  assert.equal(a.retransmissions(0), 0);
  assert.equal(a.outOfOrder(0), 0);
  // A keep-alive is not timed: no RTT sample from its ACK.
  assert.equal(a.rttSamples(0), 3);
});

Deno.test("zero-length pure ACKs are never retransmissions or out of order", () => {
  const a = new TcpAnalyzer(1, ALL);
  const k = new Conn(a);
  handshake(k);
  k.c(1, ACK, 1001, 5001, 1000);
  k.c(1.001, ACK, 2001, 5001, 1000);
  // An old pure ACK (seq below nextseq), shortly and long after.
  assert.equal(k.c(1.0015, ACK, 1001, 5001), 0);
  assert.equal(k.c(5, ACK, 1001, 5001), 0);
  assert.equal(a.retransmissions(0), 0);
  assert.equal(a.outOfOrder(0), 0);
});

Deno.test("out-of-order vs retransmission: the handshake RTT (3 ms without one) decides", () => {
  // No handshake: the window is 3 ms.
  const a = new TcpAnalyzer(2, ALL);
  const k = new Conn(a, 0);
  k.c(0, ACK, 1000, 9000, 100);
  k.c(1, ACK, 1200, 9000, 100); // 1100..1200 missing
  assert.equal(k.c(1.002, ACK, 1100, 9000, 100), TCP_EV_OUT_OF_ORDER);
  k.c(2, ACK, 1400, 9000, 100); // 1300..1400 missing
  assert.equal(k.c(2.004, ACK, 1300, 9000, 100), TCP_EV_RETRANSMISSION);
  // A segment ending exactly at nextseq is a retransmission even when early.
  k.c(3, ACK, 1600, 9000, 100);
  assert.equal(k.c(3.001, ACK, 1600, 9000, 100), TCP_EV_RETRANSMISSION);
  assert.equal(a.outOfOrder(0), 1);
  assert.equal(a.retransmissions(0), 2);
  // With a 50 ms handshake the window is 50 ms.
  const k1 = new Conn(a, 1);
  handshake(k1, 0.03, 0.02);
  k1.c(1, ACK, 1101, 5001, 100);
  assert.equal(k1.c(1.04, ACK, 1001, 5001, 100), TCP_EV_OUT_OF_ORDER);
  k1.c(2, ACK, 1301, 5001, 100);
  assert.equal(k1.c(2.06, ACK, 1201, 5001, 100), TCP_EV_RETRANSMISSION);
  assert.equal(a.outOfOrder(1), 1);
  assert.equal(a.retransmissions(1), 1);
});

Deno.test("fast retransmission: 2+ duplicate ACKs for the segment, within 20 ms", () => {
  const a = new TcpAnalyzer(2, ALL);
  for (
    const [slot, gap, want] of [
      [0, 0.005, TCP_EV_FAST_RETRANSMISSION],
      [1, 0.05, TCP_EV_RETRANSMISSION],
    ] as const
  ) {
    const k = new Conn(a, slot);
    handshake(k);
    for (let i = 0; i < 4; i++) k.c(1 + i * 0.0001, ACK, 1001 + i * 100, 5001, 100);
    // 1101..1201 lost: the server acks 1101 three times (2 duplicates).
    k.s(1.02, ACK, 5001, 1101);
    k.s(1.021, ACK, 5001, 1101);
    k.s(1.022, ACK, 5001, 1101);
    assert.equal(k.c(1.022 + gap, ACK, 1101, 5001, 100), want);
    assert.equal(a.retransmissions(slot), 1);
    assert.equal(a.outOfOrder(slot), 0);
  }
});

Deno.test("spurious retransmission: data the peer already acknowledged", () => {
  const a = new TcpAnalyzer(1, ALL);
  const k = new Conn(a);
  handshake(k);
  k.c(1, ACK, 1001, 5001, 100);
  k.s(1.01, ACK, 5001, 1101);
  assert.equal(k.c(1.011, ACK, 1001, 5001, 100), TCP_EV_SPURIOUS_RETRANSMISSION);
  assert.equal(a.retransmissions(0), 1);
});

Deno.test("zero-window probes are neither retransmissions nor out of order", () => {
  const a = new TcpAnalyzer(1, ALL);
  const k = new Conn(a);
  handshake(k);
  k.c(1, ACK, 1001, 5001, 100);
  k.s(1.01, ACK, 5001, 1101, 0, 0); // window closed
  assert.equal(k.c(1.5, ACK, 1101, 5001, 1), 0);
  k.s(1.51, ACK, 5001, 1101, 0, 0);
  assert.equal(k.c(2.5, ACK, 1101, 5001, 1), 0);
  k.s(2.51, ACK, 5001, 1101, 0, 4096); // window open
  assert.equal(k.c(2.52, ACK, 1101, 5001, 100), 0);
  assert.equal(a.retransmissions(0), 0);
  assert.equal(a.outOfOrder(0), 0);
});

Deno.test("a SYN with a new sequence number on a used flow starts a new connection", () => {
  const a = new TcpAnalyzer(1, ALL);
  const k = new Conn(a);
  handshake(k);
  k.c(1, ACK, 1001, 5001, 100); // timed, never acked
  k.c(1.5, ACK, 1001, 5001, 100); // retransmission
  k.c(2, FIN | ACK, 1101, 5001);
  k.s(2.01, FIN | ACK, 5001, 1102);
  k.c(2.02, ACK, 1102, 5002);
  assert.equal(a.state(0), TCP_STATE_CLOSED);
  const samples = a.rttSamples(0);
  // Port reuse: new ISN.
  assert.equal(k.c(10, SYN, 900000, 0), TCP_EV_NEW_CONNECTION);
  assert.equal(a.state(0), TCP_STATE_SYN_SENT);
  assert.ok(Number.isNaN(a.handshakeRtt(0)));
  assert.equal(a.retransmissions(0), 1);
  assert.equal(a.rttSamples(0), samples);
  k.s(10.02, SYN | ACK, 77000, 900001);
  k.c(10.03, ACK, 900001, 77001);
  assert.equal(a.state(0), TCP_STATE_ESTABLISHED);
  near(a.handshakeRtt(0), 0.03, 1e-9);
  assert.equal(a.retransmissions(0), 1);
  // The same SYN again (after a reset) is a retransmission, not a new connection.
  k.s(11, RST | ACK, 77001, 900001);
  assert.equal(k.c(12, SYN, 900000, 0), TCP_EV_RETRANSMISSION);
  assert.equal(a.state(0), TCP_STATE_RESET);
  assert.equal(a.retransmissions(0), 2);
  // A SYN after a mid-stream pickup is a new connection too.
  const b = new TcpAnalyzer(1, ALL);
  const m = new Conn(b);
  m.c(0, ACK, 3000, 7000, 10);
  assert.equal(m.c(1, SYN, 123456, 0), TCP_EV_NEW_CONNECTION);
  assert.equal(b.client(0), 0);
});

Deno.test("options off skip their work", () => {
  const full = new TcpAnalyzer(1, ALL);
  const noRtt = new TcpAnalyzer(1, { rtt: false, retrans: true, outOfOrder: true });
  const rttOnly = new TcpAnalyzer(1, { rtt: true, retrans: false, outOfOrder: false });
  const none = new TcpAnalyzer(1, { rtt: false, retrans: false, outOfOrder: false });
  // One 128-byte record per slot (the flow's whole budget is 250 B).
  for (const a of [full, noRtt, rttOnly, none]) assert.equal(a.bytesPerFlow, 128);
  for (const a of [full, noRtt, rttOnly, none]) {
    const k = new Conn(a);
    handshake(k);
    k.c(1, ACK, 1001, 5001, 100);
    k.c(1.001, ACK, 1201, 5001, 100);
    k.c(1.002, ACK, 1101, 5001, 100); // out of order
    k.c(2, ACK, 1001, 5001, 100); // spurious? no: not acked yet, plain retransmission
    k.s(2.01, ACK, 5001, 1301);
    k.c(2.5, FIN | ACK, 1301, 5001);
    assert.equal(a.state(0), TCP_STATE_FIN_WAIT);
    assert.equal(a.client(0), 0);
  }
  assert.equal(full.retransmissions(0), 1);
  assert.equal(full.outOfOrder(0), 1);
  assert.equal(noRtt.retransmissions(0), 1);
  assert.equal(noRtt.outOfOrder(0), 1);
  assert.equal(noRtt.rttSamples(0), 0);
  assert.ok(Number.isNaN(noRtt.rttLast(0)));
  assert.deepEqual(noRtt.snapshot(0), {
    tcp_state: "fin_wait",
    client: "a",
    retransmissions: 1,
    out_of_order: 1,
    rtt_last_ms: null,
    rtt_min_ms: null,
    rtt_ewma_ms: null,
    rtt_samples: null,
    handshake_rtt_ms: null,
  });
  assert.equal(rttOnly.retransmissions(0), 0);
  assert.equal(rttOnly.snapshot(0).retransmissions, null);
  assert.equal(rttOnly.rttSamples(0), full.rttSamples(0));
  near(rttOnly.rttLast(0), full.rttLast(0), 0);
  near(rttOnly.handshakeRtt(0), 0.012, 1e-12);
  assert.deepEqual(none.snapshot(0), {
    tcp_state: "fin_wait",
    client: "a",
    retransmissions: null,
    out_of_order: null,
    rtt_last_ms: null,
    rtt_min_ms: null,
    rtt_ewma_ms: null,
    rtt_samples: null,
    handshake_rtt_ms: null,
  });
  // Retransmissions off, out-of-order on: the classification still keeps
  // retransmissions out of the out-of-order count.
  const oooOnly = new TcpAnalyzer(1, { rtt: false, retrans: false, outOfOrder: true });
  const k = new Conn(oooOnly);
  handshake(k);
  k.c(1, ACK, 1001, 5001, 100);
  k.c(2, ACK, 1001, 5001, 100);
  assert.equal(oooOnly.outOfOrder(0), 0);
  assert.equal(oooOnly.lastEvents, TCP_EV_RETRANSMISSION);
});

Deno.test("grow() keeps every slot; clear() and isNew forget one", () => {
  const a = new TcpAnalyzer(2, ALL);
  const k0 = new Conn(a, 0), k1 = new Conn(a, 1);
  handshake(k0);
  k1.c(0, SYN, 1, 0);
  k0.c(1, ACK, 1001, 5001, 100);
  a.grow(1000);
  assert.equal(a.capacity, 1000);
  a.grow(10); // never shrinks
  assert.equal(a.capacity, 1000);
  assert.equal(a.state(0), TCP_STATE_ESTABLISHED);
  assert.equal(a.state(1), TCP_STATE_SYN_SENT);
  // The timed segment and nextseq survived the copy.
  k0.s(1.02, ACK, 5001, 1101);
  assert.equal(a.rttSamples(0), 3);
  assert.equal(k0.c(2, ACK, 1001, 5001, 100), TCP_EV_SPURIOUS_RETRANSMISSION);
  const k999 = new Conn(a, 999);
  handshake(k999);
  assert.equal(a.state(999), TCP_STATE_ESTABLISHED);
  a.clear(0);
  assert.equal(a.state(0), TCP_STATE_UNKNOWN);
  assert.equal(a.client(0), -1);
  assert.equal(a.retransmissions(0), 0);
  assert.equal(a.rttSamples(0), 0);
  assert.ok(Number.isNaN(a.handshakeRtt(0)));
  // isNew on the first packet of a reused slot clears it too.
  const reuse = new Conn(a, 999, { clientDir: 1 });
  reuse.s(5, ACK, 1, 1, 10);
  assert.equal(a.state(999), TCP_STATE_ESTABLISHED);
  assert.equal(a.client(999), 1);
  assert.equal(a.rttSamples(999), 0);
});

Deno.test("packets without a usable TCP header change little and never throw", () => {
  const a = new TcpAnalyzer(1, ALL);
  const rec = new PacketRecord();
  // Fewer than 14 bytes: flags unknown, nothing happens.
  rec.l4CapLen = 8;
  rec.tcpHdrLen = 0;
  a.observe(0, 0, true, rec, 0);
  assert.equal(a.state(0), TCP_STATE_UNKNOWN);
  // Flags but no window (cut at 16 bytes): the state machine runs, the sequence analysis not.
  rec.l4CapLen = 16;
  rec.l4Len = 20;
  rec.tcpHdrLen = 20;
  rec.tcpFlags = SYN;
  rec.tcpSeq = 77;
  a.observe(0, 0, false, rec, 0);
  assert.equal(a.state(0), TCP_STATE_SYN_SENT);
  assert.ok(Number.isNaN(a.handshakeRtt(0)));
  // A data offset beyond the segment (malformed): same.
  rec.l4CapLen = 40;
  rec.l4Len = 40;
  rec.tcpHdrLen = 60;
  rec.tcpFlags = ACK;
  a.observe(0, 1, false, rec, 0.1);
  assert.equal(a.state(0), TCP_STATE_ESTABLISHED);
  assert.ok(Number.isNaN(a.handshakeRtt(0)));
});

Deno.test("random packets keep every value in range", () => {
  // Deterministic xorshift: any packet order, any flags, times jumping back.
  let x = 0x2545f491;
  const rnd = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
  const a = new TcpAnalyzer(8, ALL);
  const rec = new PacketRecord();
  let t = 0;
  for (let i = 0; i < 50000; i++) {
    const slot = (rnd() * 8) | 0;
    rec.tcpFlags = (rnd() * 512) | 0;
    // Sequence numbers from a small window so that comparisons matter.
    rec.tcpSeq = (0xfffffff0 + ((rnd() * 64) | 0)) >>> 0;
    rec.tcpAck = (0xfffffff0 + ((rnd() * 64) | 0)) >>> 0;
    const len = rnd() < 0.5 ? 0 : (rnd() * 40) | 0;
    rec.payloadWireLen = len;
    rec.tcpHdrLen = 20;
    rec.l4Len = 20 + len;
    rec.l4CapLen = rnd() < 0.05 ? 12 : 20 + len;
    rec.tcpWindow = rnd() < 0.2 ? 0 : 1000;
    rec.srcPort = (rnd() * 65536) | 0;
    rec.dstPort = (rnd() * 65536) | 0;
    t += rnd() < 0.02 ? -0.5 : rnd() * 0.01;
    a.observe(slot, (rnd() * 2) | 0, rnd() < 0.001, rec, t);
  }
  for (let s = 0; s < 8; s++) {
    assert.ok(a.state(s) >= 0 && a.state(s) < TCP_STATE_NAMES.length);
    assert.ok(a.client(s) >= -1 && a.client(s) <= 1);
    const n = a.rttSamples(s);
    if (n > 0) {
      assert.ok(a.rttMin(s) >= 0 && a.rttMin(s) <= a.rttEwma(s) + 1e-6);
      assert.ok(a.rttLast(s) >= a.rttMin(s));
    }
    const snap = a.snapshot(s);
    assert.equal(typeof snap.tcp_state, "string");
  }
});

Deno.test("one_http_stream_fin.pcap through decodeFrame: closed, client A, RTTs as tshark", async () => {
  const reader = await CaptureFileReader.open(fixture("one_http_stream_fin.pcap"));
  const frame = new Frame();
  const rec = new PacketRecord();
  const a = new TcpAnalyzer(1, ALL);
  let base = -1, first = true;
  const events: number[] = [];
  try {
    for (;;) {
      const s = reader.next(frame);
      if (s === NEXT_NEED_DATA) {
        await reader.fill();
        continue;
      }
      if (s !== NEXT_FRAME) break;
      decodeFrame(frame, rec);
      assert.equal(rec.ipProto, IPPROTO_TCP);
      if (base < 0) base = frame.tsSec;
      // 192.168.1.2:49486 (client) < 77.67.44.206:80? No: 77.x sorts first, so the client is B.
      const dir = rec.srcPort === 80 ? 0 : 1;
      a.observe(0, dir, first, rec, frame.tsSec - base + frame.tsNsec / 1e9);
      first = false;
      events.push(a.lastEvents);
    }
  } finally {
    reader.close();
  }
  assert.equal(a.state(0), TCP_STATE_CLOSED);
  assert.equal(a.client(0), 1);
  // tshark: tcp.analysis.initial_rtt 0.168897000.
  assert.equal(a.snapshot(0).handshake_rtt_ms, 168.897);
  // Samples, one per timed segment: SYN 167.499 ms (frame 2), SYN+ACK
  // 1.398 ms (frame 3), GET 267.433 ms (frame 5), the first response
  // segment (frame 6, 0.634479) acknowledged with frames 7 by frame 11
  // (0.637607): 3.128 ms, the client's FIN (frame 14) by frame 15: 168.750 ms.
  const snap = a.snapshot(0);
  assert.equal(snap.rtt_samples, 5);
  assert.equal(snap.rtt_min_ms, 1.398);
  assert.equal(snap.rtt_last_ms, 168.75);
  assert.equal(snap.retransmissions, 0);
  assert.equal(snap.out_of_order, 0);
  assert.equal(events.filter((e) => (e & TCP_EV_RTT_SAMPLE) !== 0).length, 5);
});
