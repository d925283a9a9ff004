/**
 * Differential test: NetScope's per-flow TCP analysis (src/flow/tcp_analyzer.ts)
 * against tshark's `tcp.analysis` on every fixture with TCP.
 *
 * Each capture is decoded with `decodeFrame()`; TCP packets are grouped into
 * flows by a test-only map keyed by (VLAN, canonical endpoint pair) (the
 * flow table is not needed) and fed to one `TcpAnalyzer`. tshark runs with
 * its default TCP analysis. Compared:
 *
 * - per frame: the kind of retransmission (`tcp.analysis.retransmission`
 *   alone, `.fast_retransmission` or `.spurious_retransmission`; all three
 *   count as retransmissions in the flow's counter) and
 *   `tcp.analysis.out_of_order` against the analyzer's events;
 * - per flow: the retransmission and out-of-order counts, and the handshake
 *   RTT against `tcp.analysis.initial_rtt`, both rounded to the microsecond
 *   (the pipeline's capture-relative float time keeps microseconds, not
 *   always nanoseconds);
 * - tshark's streams and our connections pair one to one (a flow holds
 *   several connections when a SYN with a new ISN reuses its ports: tshark
 *   then starts a new stream), and no tshark stream with flags or an
 *   initial RTT lives in frames we do not see as TCP.
 *
 * The same comparison runs on a hand-built capture of edge cases the
 * fixtures lack (sequence wraparound, keep-alives, zero-window probes, fast
 * retransmission, port reuse, simultaneous open, retransmitted SYNs, ...),
 * written to a temporary pcap for tshark.
 *
 * Remaining differences must be listed, with a reason, in
 * tests/tcp_analysis_exceptions.ts; an exception that matches nothing fails.
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
import {
  TCP_EV_ANY_RETRANSMISSION,
  TCP_EV_FAST_RETRANSMISSION,
  TCP_EV_KEEP_ALIVE,
  TCP_EV_NEW_CONNECTION,
  TCP_EV_OUT_OF_ORDER,
  TCP_EV_RETRANSMISSION,
  TCP_EV_SPURIOUS_RETRANSMISSION,
  TcpAnalyzer,
} from "../src/flow/tcp_analyzer.ts";
import { decodeFrame } from "../src/protocol/decode.ts";
import { IPPROTO_TCP, NET_IPV4, NET_IPV6, PacketRecord } from "../src/protocol/packet.ts";
import { cat, ethernet, ipv4, ipv6, tcp } from "../src/protocol/_test_frames.ts";
import { haveTshark, tsharkFields } from "./_tshark.ts";
import {
  TCP_ANALYSIS_EXCEPTIONS,
  type TcpAnalysisException,
  type TcpDifferenceKind,
} from "./tcp_analysis_exceptions.ts";

const FIXTURES = new URL("./fixtures/", import.meta.url);

/** Fixtures tshark cannot read at all. */
const TSHARK_REFUSES = new Set(["pcap-invalid-version-1.pcap"]);

/** Our analysis of one frame. */
export interface OurFrame {
  /** Flow index. */
  flow: number;
  /**
   * Connection within the flow: "flow/n", n counting the SYNs that started
   * a new connection on the same addresses and ports (tshark gives each its
   * own tcp.stream).
   */
  conn: string;
  /** TCP_EV_* bits. */
  events: number;
  /** The flow's handshake RTT after this frame (seconds, NaN if none). */
  hsRtt: number;
}

/** Our analysis of one capture. */
export interface Ours {
  /** Per observed frame number. */
  frames: Map<number, OurFrame>;
  /** Per flow index: its key, counts and state at the end. */
  flows: { key: string; retrans: number; ooo: number; hsRtt: number; state: string }[];
}

/** tshark's analysis of one frame (first TCP layer). */
export interface TsharkTcp {
  stream: number;
  /** Any retransmission flag. */
  retrans: boolean;
  /** TCP_EV_RETRANSMISSION, _FAST_ or _SPURIOUS_ (0 if none). */
  retransKind: number;
  ooo: boolean;
  /** Seconds, NaN if absent. */
  initialRtt: number;
}

/** Retransmission kinds by TCP_EV_* bits (at most one is set). */
const RETRANS_NAMES: Record<number, string> = {
  0: "none",
  [TCP_EV_RETRANSMISSION]: "retransmission",
  [TCP_EV_FAST_RETRANSMISSION]: "fast retransmission",
  [TCP_EV_SPURIOUS_RETRANSMISSION]: "spurious retransmission",
};

/** One difference between tshark and NetScope. */
export interface TcpDifference {
  kind: TcpDifferenceKind;
  /** Frame number, or tshark stream for the per-stream kinds. */
  id: number;
  text: string;
}

function hexAt(buf: Uint8Array, off: number, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += buf[off + i]!.toString(16).padStart(2, "0");
  return s;
}

/** Decodes `path` and runs every TCP packet through one analyzer (4 slots to start: grows). */
export async function analyze(path: string): Promise<Ours> {
  const reader = await CaptureFileReader.open(path);
  const frame = new Frame();
  const rec = new PacketRecord();
  const tcp = new TcpAnalyzer(4, { rtt: true, retrans: true, outOfOrder: true });
  const slots = new Map<string, number>();
  const keys: string[] = [];
  const frames = new Map<number, OurFrame>();
  const conns: number[] = [];
  let baseSec = -1;
  try {
    for (;;) {
      const s = reader.next(frame);
      if (s === NEXT_NEED_DATA) {
        await reader.fill();
        continue;
      }
      if (s !== NEXT_FRAME) break;
      decodeFrame(frame, rec);
      if (baseSec < 0) baseSec = frame.tsSec;
      if (rec.ipProto !== IPPROTO_TCP || (rec.net !== NET_IPV4 && rec.net !== NET_IPV6)) continue;
      if (rec.isFragment !== 0 || rec.srcPort < 0) continue;
      const alen = rec.net === NET_IPV4 ? 4 : 16;
      const src = hexAt(rec.buf, rec.srcAddrOff, alen) + ":" + rec.srcPort;
      const dst = hexAt(rec.buf, rec.dstAddrOff, alen) + ":" + rec.dstPort;
      const vlan = rec.vlanCount > 0 ? rec.vlanIds[0]! : -1;
      const dir = src <= dst ? 0 : 1;
      const key = `${vlan}|${dir === 0 ? src : dst}|${dir === 0 ? dst : src}`;
      let slot = slots.get(key);
      const isNew = slot === undefined;
      if (slot === undefined) {
        slot = keys.length;
        slots.set(key, slot);
        keys.push(key);
        conns.push(0);
        if (slot >= tcp.capacity) tcp.grow(tcp.capacity * 2);
      }
      const t = (frame.tsSec - baseSec) + frame.tsNsec / 1e9;
      tcp.observe(slot, dir, isNew, rec, t);
      const events = tcp.lastEvents;
      if ((events & TCP_EV_NEW_CONNECTION) !== 0) conns[slot]!++;
      frames.set(frame.number, {
        flow: slot,
        conn: `${slot}/${conns[slot]}`,
        events,
        hsRtt: tcp.handshakeRtt(slot),
      });
    }
  } finally {
    reader.close();
  }
  const flows = keys.map((key, i) => ({
    key,
    retrans: tcp.retransmissions(i),
    ooo: tcp.outOfOrder(i),
    hsRtt: tcp.handshakeRtt(i),
    state: tcp.snapshot(i).tcp_state,
  }));
  return { frames, flows };
}

/** Runs tshark with its TCP sequence analysis on; returns the first TCP layer of each frame. */
export async function runTsharkTcp(path: string): Promise<Map<number, TsharkTcp>> {
  const fields = [
    "frame.number",
    "tcp.stream",
    "tcp.analysis.retransmission",
    "tcp.analysis.fast_retransmission",
    "tcp.analysis.spurious_retransmission",
    "tcp.analysis.out_of_order",
    "tcp.analysis.initial_rtt",
  ];
  const { rows } = await tsharkFields(path, fields, {
    extraArgs: ["-n"],
    prefs: {
      "tcp.relative_sequence_numbers": "FALSE",
      "tcp.analyze_sequence_numbers": "TRUE",
      "tcp.fastrt_supersedes_ooo": "TRUE",
    },
    occurrence: "f",
  });
  const map = new Map<number, TsharkTcp>();
  for (const row of rows) {
    const c = row.map((occ) => occ[0] ?? "");
    if (c[1] === "") continue;
    map.set(Number(c[0]), {
      stream: Number(c[1]),
      retrans: c[2] !== "" || c[3] !== "" || c[4] !== "",
      // tshark adds tcp.analysis.retransmission to fast and spurious ones too.
      retransKind: c[4] !== ""
        ? TCP_EV_SPURIOUS_RETRANSMISSION
        : c[3] !== ""
        ? TCP_EV_FAST_RETRANSMISSION
        : c[2] !== ""
        ? TCP_EV_RETRANSMISSION
        : 0,
      ooo: c[5] !== "",
      initialRtt: c[6] === "" ? NaN : Number(c[6]),
    });
  }
  return map;
}

/** Every difference between tshark's analysis and ours. */
export function compare(ours: Ours, ts: Map<number, TsharkTcp>): TcpDifference[] {
  const diffs: TcpDifference[] = [];
  // Our connections and tshark's streams must pair one to one.
  const connStreams = new Map<string, Set<number>>();
  const streamConns = new Map<number, Set<string>>();
  /** Per connection: the handshake RTT after its last frame. */
  const connRtt = new Map<string, number>();
  for (const [num, o] of ours.frames) {
    const t = ts.get(num);
    if (t === undefined) {
      diffs.push({ kind: "stream_mapping", id: -1, text: `frame ${num}: tshark sees no TCP` });
      continue;
    }
    if (!connStreams.has(o.conn)) connStreams.set(o.conn, new Set());
    connStreams.get(o.conn)!.add(t.stream);
    if (!streamConns.has(t.stream)) streamConns.set(t.stream, new Set());
    streamConns.get(t.stream)!.add(o.conn);
    connRtt.set(o.conn, o.hsRtt);
    const r = o.events & TCP_EV_ANY_RETRANSMISSION;
    const q = (o.events & TCP_EV_OUT_OF_ORDER) !== 0;
    if (r !== t.retransKind) {
      diffs.push({
        kind: "retransmission",
        id: num,
        text: `frame ${num} (stream ${t.stream}): retransmission tshark ${
          RETRANS_NAMES[t.retransKind]
        }, NetScope ${RETRANS_NAMES[r]}`,
      });
    }
    if (q !== t.ooo) {
      diffs.push({
        kind: "out_of_order",
        id: num,
        text: `frame ${num} (stream ${t.stream}): out-of-order tshark ${t.ooo}, NetScope ${q}`,
      });
    }
  }
  for (const [stream, conns] of streamConns) {
    if (conns.size !== 1) {
      diffs.push({
        kind: "stream_mapping",
        id: stream,
        text: `tshark stream ${stream} spans NetScope connections ${[...conns]}`,
      });
    }
  }
  // Per stream: tshark's initial RTT (the last value it printed) against the connection's.
  const streamRtt = new Map<number, number>();
  for (const t of ts.values()) {
    if (!Number.isNaN(t.initialRtt)) streamRtt.set(t.stream, t.initialRtt);
  }
  for (const [conn, streams] of connStreams) {
    if (streams.size !== 1) {
      const flow = ours.flows[Number(conn.split("/")[0])]!;
      diffs.push({
        kind: "stream_mapping",
        id: [...streams][0]!,
        text: `NetScope connection ${conn} (${flow.key}) spans tshark streams ${[...streams]}`,
      });
      continue;
    }
    const stream = [...streams][0]!;
    const theirs = streamRtt.get(stream) ?? NaN;
    const mine = connRtt.get(conn)!;
    const same = Number.isNaN(theirs)
      ? Number.isNaN(mine)
      : !Number.isNaN(mine) && Math.round(mine * 1e6) === Math.round(theirs * 1e6);
    if (!same) {
      diffs.push({
        kind: "initial_rtt",
        id: stream,
        text: `stream ${stream}: initial_rtt tshark ${theirs}, NetScope ${mine}`,
      });
    }
  }
  // tshark streams in frames we do not treat as TCP.
  const unseen = new Map<number, string[]>();
  for (const [num, t] of ts) {
    if (ours.frames.has(num) || streamConns.has(t.stream)) continue;
    const what: string[] = unseen.get(t.stream) ?? [];
    if (t.retrans) what.push(`frame ${num} retransmission`);
    if (t.ooo) what.push(`frame ${num} out-of-order`);
    if (!Number.isNaN(t.initialRtt)) what.push(`frame ${num} initial_rtt ${t.initialRtt}`);
    unseen.set(t.stream, what);
  }
  for (const [stream, what] of unseen) {
    if (what.length > 0) {
      diffs.push({
        kind: "unseen_stream",
        id: stream,
        text: `tshark stream ${stream} is not seen as TCP: ${what.slice(0, 3).join(", ")}`,
      });
    }
  }
  return diffs;
}

/** Removes the differences exceptions explain; returns what is left and the stale exceptions. */
export function applyExceptions(
  file: string,
  diffs: TcpDifference[],
  exceptions: readonly TcpAnalysisException[],
): { left: TcpDifference[]; stale: string[] } {
  const mine = exceptions.filter((e) => e.file === file);
  const used = new Set<string>();
  const left = diffs.filter((d) => {
    const e = mine.find((x) => x.kind === d.kind && x.ids.includes(d.id));
    if (e === undefined) return true;
    used.add(`${d.kind}:${d.id}`);
    return false;
  });
  const stale: string[] = [];
  for (const e of mine) {
    for (const id of e.ids) {
      if (!used.has(`${e.kind}:${id}`)) stale.push(`${e.kind} ${id}`);
    }
  }
  return { left, stale };
}

const fixtureNames = [...Deno.readDirSync(FIXTURES)]
  .map((e) => e.name)
  .filter((n) => (n.endsWith(".pcap") || n.endsWith(".pcapng")) && !TSHARK_REFUSES.has(n))
  .sort();

Deno.test("TCP analysis exceptions name existing fixtures and carry a reason", () => {
  for (const e of TCP_ANALYSIS_EXCEPTIONS) {
    assert.ok(fixtureNames.includes(e.file), `exception names a missing fixture: ${e.file}`);
    assert.ok(e.reason.length >= 40, `exception for ${e.file} ${e.kind} needs a real reason`);
    assert.ok(e.ids.length > 0, `exception for ${e.file} ${e.kind} names nothing`);
  }
});

Deno.test("applyExceptions() keeps unexplained differences and reports stale exceptions", () => {
  const diffs: TcpDifference[] = [
    { kind: "retransmission", id: 5, text: "" },
    { kind: "out_of_order", id: 5, text: "" },
  ];
  const ex: TcpAnalysisException[] = [
    { file: "x.pcap", kind: "retransmission", ids: [5, 6], reason: "r" },
  ];
  const { left, stale } = applyExceptions("x.pcap", diffs, ex);
  assert.deepEqual(left.map((d) => d.kind), ["out_of_order"]);
  assert.deepEqual(stale, ["retransmission 6"]);
});

// ---- hand-built edge cases, also judged by tshark ----

const FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10;

/** One packet of a hand-built conversation. */
interface Step {
  t: number;
  fromClient: boolean;
  flags: number;
  seq: number;
  ack: number;
  len: number;
  win: number;
}

/** A hand-built conversation: `c`/`s` add client/server packets, sequence numbers relative to the ISNs. */
class Conversation {
  readonly steps: Step[] = [];
  constructor(
    readonly cport: number,
    readonly sport: number,
    readonly cisn: number,
    readonly sisn: number,
    readonly v6 = false,
    readonly t0 = 0,
  ) {}

  #add(
    fromClient: boolean,
    t: number,
    flags: number,
    so: number,
    ao: number,
    len: number,
    win: number,
  ) {
    const own = fromClient ? this.cisn : this.sisn;
    const peer = fromClient ? this.sisn : this.cisn;
    this.steps.push({
      t: this.t0 + t,
      fromClient,
      flags,
      seq: (own + so) >>> 0,
      ack: (flags & ACK) !== 0 ? (peer + ao) >>> 0 : 0,
      len,
      win,
    });
    return this;
  }

  c(t: number, flags: number, so: number, ao: number, len = 0, win = 8192) {
    return this.#add(true, t, flags, so, ao, len, win);
  }

  s(t: number, flags: number, so: number, ao: number, len = 0, win = 8192) {
    return this.#add(false, t, flags, so, ao, len, win);
  }

  /** SYN at 0, SYN+ACK at `rtt1`, ACK at `rtt1 + rtt2`. */
  handshake(rtt1 = 0.01, rtt2 = 0.002) {
    return this.c(0, SYN, 0, 0).s(rtt1, SYN | ACK, 0, 1).c(rtt1 + rtt2, ACK, 1, 1);
  }
}

/**
 * Edge cases the fixtures lack, one conversation each (10 s apart): data
 * crossing sequence number 0 in both directions, fast and plain
 * retransmission after duplicate ACKs, keep-alives and their ACKs,
 * zero-window probes, port reuse with a new ISN, simultaneous open,
 * retransmitted SYNs, a mid-stream pickup, IPv6, a refused connection,
 * the handshake RTT as out-of-order window, a resent FIN.
 */
export function edgeCaseConversations(): Conversation[] {
  const out: Conversation[] = [];
  const at = () => out.length * 1000;
  // Both directions wrap: data crossing 2^32, a spurious and a plain
  // retransmission past 0, an out-of-order segment, FIN teardown.
  const w = new Conversation(41001, 80, 0xffffff00, 0xffffffc0, false, at()).handshake();
  for (let i = 0; i < 5; i++) {
    w.c(1 + i * 0.1, ACK | PSH, 1 + 100 * i, 1, 100).s(1.01 + i * 0.1, ACK, 1, 101 + 100 * i);
  }
  w.s(2, ACK | PSH, 1, 501, 100).s(2.0001, ACK | PSH, 101, 501, 100).c(2.02, ACK, 501, 201);
  w.c(3, ACK, 201, 201, 100); // already acknowledged: spurious
  w.c(4, ACK, 501, 201, 100).c(4.5, ACK, 501, 201, 100); // resent: retransmission
  w.c(5, ACK, 701, 201, 100).c(5.001, ACK, 601, 201, 100); // hole filled late: out of order
  w.s(5.02, ACK, 201, 801).c(6, FIN | ACK, 801, 201).s(6.01, FIN | ACK, 201, 802);
  w.c(6.02, ACK, 802, 202);
  out.push(w);
  // Duplicate ACKs: a fast retransmission 3 ms after the last one, a plain one
  // 60 ms after; keep-alives (0 and 1 byte) and their ACKs.
  const d = new Conversation(41002, 80, 1000, 9000, false, at()).handshake(0.02, 0.001);
  for (let i = 0; i < 4; i++) d.c(1 + i * 0.0001, ACK, 1 + 100 * i, 1, 100);
  d.s(1.02, ACK, 1, 101).s(1.021, ACK, 1, 101).s(1.022, ACK, 1, 101);
  d.c(1.025, ACK, 101, 1, 100).s(1.05, ACK, 1, 401);
  for (let i = 0; i < 3; i++) d.c(2 + i * 0.0001, ACK, 401 + 100 * i, 1, 100);
  d.s(2.02, ACK, 1, 501).s(2.021, ACK, 1, 501).s(2.022, ACK, 1, 501);
  d.c(2.08, ACK, 501, 1, 100).s(2.1, ACK, 1, 701);
  d.c(60, ACK, 700, 1).s(60.01, ACK, 1, 701).c(120, ACK, 700, 1, 1).s(120.01, ACK, 1, 701);
  d.c(121, FIN | ACK, 701, 1).s(121.01, FIN | ACK, 1, 702).c(121.02, ACK, 702, 2);
  out.push(d);
  // Zero-window probes (twice), their ACKs, a window update, data again.
  const z = new Conversation(41003, 80, 5000, 70000, false, at()).handshake();
  z.c(1, ACK, 1, 1, 100).s(1.01, ACK, 1, 101, 0, 0);
  z.c(1.5, ACK, 101, 1, 1).s(1.51, ACK, 1, 101, 0, 0);
  z.c(2.5, ACK, 101, 1, 1).s(2.51, ACK, 1, 101, 0, 0);
  z.s(3, ACK, 1, 101, 0, 4096).c(3.01, ACK, 101, 1, 100).s(3.02, ACK, 1, 201);
  out.push(z);
  // Port reuse: a closed connection, a SYN with a new ISN (tshark: new
  // stream), a reset, then that SYN again (a retransmission).
  const r = new Conversation(41004, 80, 1000, 9000, false, at()).handshake();
  r.c(1, ACK, 1, 1, 50).s(1.01, ACK, 1, 51).c(2, FIN | ACK, 51, 1).s(2.01, FIN | ACK, 1, 52);
  r.c(2.02, ACK, 52, 2);
  r.c(10, SYN, 499000, 0).s(10.03, SYN | ACK, 291000, 499001).c(10.04, ACK, 499001, 291001);
  r.c(10.05, ACK, 499001, 291001, 20).s(10.08, RST | ACK, 291001, 499021);
  r.c(13, SYN, 499000, 0);
  out.push(r);
  // Simultaneous open.
  const so = new Conversation(41005, 41006, 2000, 3000, false, at());
  so.c(0, SYN, 0, 0).s(0.001, SYN, 0, 0).c(0.01, SYN | ACK, 0, 1).s(0.011, SYN | ACK, 0, 1);
  so.c(0.02, ACK, 1, 1).s(0.021, ACK, 1, 1).c(0.03, ACK, 1, 1, 10).s(0.04, ACK, 1, 11);
  out.push(so);
  // Retransmitted SYNs: initial RTT from the last one.
  const sr = new Conversation(41007, 80, 123, 456, false, at());
  sr.c(0, SYN, 0, 0).c(1, SYN, 0, 0).c(3, SYN, 0, 0).s(3.02, SYN | ACK, 0, 1).c(3.03, ACK, 1, 1);
  sr.c(3.04, ACK, 1, 1, 10).s(3.06, ACK, 1, 11);
  out.push(sr);
  // Mid-stream pickup: out-of-order with the 3 ms default, a retransmission, a keep-alive.
  const m = new Conversation(41008, 443, 7777, 8888, false, at());
  m.c(0, ACK, 1, 1, 100).s(0.01, ACK, 1, 101, 200).c(0.02, ACK, 101, 201, 100);
  m.c(0.021, ACK, 301, 201, 100).c(0.022, ACK, 201, 201, 100).c(0.03, ACK, 401, 201, 100);
  m.c(0.5, ACK, 401, 201, 100).s(0.6, ACK, 201, 501).c(30, ACK, 500, 201);
  out.push(m);
  // IPv6 with a spurious retransmission.
  const v = new Conversation(41009, 80, 10, 20, true, at()).handshake(0.005, 0.001);
  v.c(1, ACK, 1, 1, 100).s(1.01, ACK, 1, 101).c(1.2, ACK, 1, 1, 100);
  out.push(v);
  // Refused: SYN, RST+ACK (tshark's initial RTT is SYN to RST+ACK).
  out.push(
    new Conversation(41010, 81, 42, 0, false, at()).c(0, SYN, 0, 0).s(0.03, RST | ACK, 0, 1),
  );
  // A 50 ms handshake RTT is the out-of-order window.
  const o = new Conversation(41011, 80, 1000, 9000, false, at()).handshake(0.03, 0.02);
  o.c(1, ACK, 101, 1, 100).c(1.04, ACK, 1, 1, 100).c(2, ACK, 301, 1, 100).c(2.06, ACK, 201, 1, 100);
  out.push(o);
  // A FIN resent within 3 ms ends at nextseq: a retransmission, not out of order.
  const f = new Conversation(41012, 80, 1000, 9000, false, at());
  f.c(0, ACK, 1, 1, 100).c(0.001, FIN | ACK, 101, 1).c(0.002, FIN | ACK, 101, 1);
  out.push(f);
  return out;
}

/** Writes the conversations as one Ethernet pcap (microsecond timestamps). */
export function writeEdgeCasePcap(path: string, convs: Conversation[]): void {
  const steps: { conv: Conversation; step: Step }[] = [];
  for (const conv of convs) for (const step of conv.steps) steps.push({ conv, step });
  steps.sort((x, y) => x.step.t - y.step.t);
  const parts: Uint8Array[] = [];
  const hdr = new DataView(new ArrayBuffer(24));
  hdr.setUint32(0, 0xa1b2c3d4, true);
  hdr.setUint16(4, 2, true);
  hdr.setUint16(6, 4, true);
  hdr.setUint32(16, 65535, true);
  hdr.setUint32(20, 1, true); // LINKTYPE_ETHERNET
  parts.push(new Uint8Array(hdr.buffer));
  for (const { conv, step } of steps) {
    const [sp, dp] = step.fromClient ? [conv.cport, conv.sport] : [conv.sport, conv.cport];
    const seg = cat(
      tcp({
        sport: sp,
        dport: dp,
        seq: step.seq,
        ack: step.ack,
        flags: step.flags,
        window: step.win,
      }),
      new Uint8Array(step.len),
    );
    const net = conv.v6
      ? ipv6({
        next: 6,
        payloadLen: seg.length,
        src: step.fromClient ? "2001:db8::1" : "2001:db8::2",
        dst: step.fromClient ? "2001:db8::2" : "2001:db8::1",
      })
      : ipv4({
        proto: 6,
        payloadLen: seg.length,
        src: step.fromClient ? "10.0.0.1" : "10.0.0.2",
        dst: step.fromClient ? "10.0.0.2" : "10.0.0.1",
      });
    const frame = cat(ethernet(conv.v6 ? 0x86dd : 0x0800), net, seg);
    const us = Math.round(step.t * 1e6);
    const rh = new DataView(new ArrayBuffer(16));
    rh.setUint32(0, 1_700_000_000 + Math.floor(us / 1e6), true);
    rh.setUint32(4, us % 1e6, true);
    rh.setUint32(8, frame.length, true);
    rh.setUint32(12, frame.length, true);
    parts.push(new Uint8Array(rh.buffer), frame);
  }
  Deno.writeFileSync(path, cat(...parts));
}

const tsharkPresent = await haveTshark();

for (const name of fixtureNames) {
  Deno.test({
    name: `tcp analysis matches tshark: ${name}`,
    async fn() {
      assert.ok(tsharkPresent, "tshark is required (CI installs it)");
      const path = new URL(name, FIXTURES).pathname;
      const [ours, ts] = await Promise.all([analyze(path), runTsharkTcp(path)]);
      const diffs = compare(ours, ts);
      const { left, stale } = applyExceptions(name, diffs, TCP_ANALYSIS_EXCEPTIONS);
      const lines = left.slice(0, 40).map((d) => `${name}: ${d.text}`);
      if (left.length > 40) lines.push(`... and ${left.length - 40} more`);
      for (const s of stale) lines.push(`${name}: stale exception ${s}`);
      assert.equal(lines.length, 0, "\n" + lines.join("\n"));
      // Per flow, the counts follow from the frames; check them directly as well
      // for every flow without an excepted frame.
      const excepted = new Set<number>();
      for (const e of TCP_ANALYSIS_EXCEPTIONS) {
        if (e.file === name && (e.kind === "retransmission" || e.kind === "out_of_order")) {
          for (const id of e.ids) excepted.add(ours.frames.get(id)?.flow ?? -1);
        }
      }
      const counts = new Map<number, { r: number; o: number }>();
      for (const [num, o] of ours.frames) {
        const t = ts.get(num)!;
        const c = counts.get(o.flow) ?? { r: 0, o: 0 };
        if (t.retrans) c.r++;
        if (t.ooo) c.o++;
        counts.set(o.flow, c);
      }
      for (const [flow, c] of counts) {
        if (excepted.has(flow)) continue;
        const f = ours.flows[flow]!;
        assert.equal(f.retrans, c.r, `${name} flow ${f.key}: retransmissions`);
        assert.equal(f.ooo, c.o, `${name} flow ${f.key}: out-of-order`);
      }
    },
  });
}

Deno.test({
  name: "tcp analysis matches tshark: hand-built edge cases",
  async fn() {
    assert.ok(tsharkPresent, "tshark is required (CI installs it)");
    const path = await Deno.makeTempFile({ prefix: "netscope_tcp_edge_", suffix: ".pcap" });
    try {
      writeEdgeCasePcap(path, edgeCaseConversations());
      const [ours, ts] = await Promise.all([analyze(path), runTsharkTcp(path)]);
      const diffs = compare(ours, ts);
      assert.equal(diffs.length, 0, "\n" + diffs.map((d) => d.text).join("\n"));
      // The cases are there: every kind of event occurs, and the port reuse
      // gave tshark two streams for one flow.
      let all = 0;
      for (const o of ours.frames.values()) all |= o.events;
      for (
        const [bit, what] of [
          [TCP_EV_RETRANSMISSION, "retransmission"],
          [TCP_EV_FAST_RETRANSMISSION, "fast retransmission"],
          [TCP_EV_SPURIOUS_RETRANSMISSION, "spurious retransmission"],
          [TCP_EV_OUT_OF_ORDER, "out-of-order"],
          [TCP_EV_KEEP_ALIVE, "keep-alive"],
          [TCP_EV_NEW_CONNECTION, "new connection"],
        ] as const
      ) {
        assert.ok((all & bit) !== 0, `no ${what} in the edge cases`);
      }
      assert.equal(new Set([...ts.values()].map((t) => t.stream)).size, ours.flows.length + 1);
      const rtts = ours.flows.filter((f) => !Number.isNaN(f.hsRtt)).length;
      assert.ok(rtts >= 8, `only ${rtts} handshake RTTs`);
    } finally {
      await Deno.remove(path);
    }
  },
});
