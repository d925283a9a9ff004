/**
 * Per-flow TCP analysis: connection state, client side, round-trip times,
 * retransmissions and out-of-order segments. The flow table owns the slots
 * and calls {@link TcpAnalyzer.observe} for every TCP packet of a flow with
 * the packet's direction (0 = endpoint A to B, 1 = B to A, where A is the
 * canonically smaller endpoint, not necessarily the client).
 *
 * Storage is one 128-byte record per slot (see Memory below). Nothing is
 * allocated per packet; options that are off skip their work.
 *
 * ## Retransmission and out-of-order (Wireshark's `tcp.analysis`)
 *
 * The classification follows `tcp_analyze_sequence_number()` in
 * Wireshark 4.0's epan/dissectors/packet-tcp.c (tshark is the reference the
 * differential test compares with). Per direction it keeps the next
 * expected sequence number (`nextseq`: the highest `seq + len` seen, SYN
 * and FIN counting one) and when it last advanced, the last
 * acknowledgment number, window and duplicate-ACK count. A segment that
 * carries data, SYN or FIN is then, in this order:
 *
 * 1. nothing, if it is a keep-alive (0 or 1 byte at `nextseq - 1`, no
 *    SYN/FIN/RST) or a zero-window probe (1 byte at `nextseq` while the
 *    peer's window is 0);
 * 2. a spurious retransmission if its data is already acknowledged by the
 *    peer (`seq + len <= peer's last ack`);
 * 3. otherwise, only if it does not advance (`seq < nextseq`, except a
 *    segment of 2+ bytes starting at `nextseq - 1`):
 *    a fast retransmission if the peer sent 2+ duplicate ACKs for exactly
 *    `seq`, the last of them less than 20 ms ago; else out-of-order if the
 *    direction advanced less than the handshake RTT ago (3 ms if there is
 *    none) and the segment does not end exactly at `nextseq`; else a
 *    (plain) retransmission.
 *
 * Retransmissions, fast retransmissions and spurious retransmissions all
 * count in {@link TcpAnalyzer.retransmissions}; out-of-order segments in
 * {@link TcpAnalyzer.outOfOrder}. Sequence comparisons are modulo 2^32
 * (`(a - b) | 0`), so data crossing sequence number 0 is handled. Known
 * deviations from Wireshark, all corner cases: a `nextseq` of exactly 0 is
 * a value here (Wireshark treats 0 as "unknown"); the "ACKed lost packet"
 * rule that rewinds a peer's duplicate-ACK count after capture loss is not
 * kept; the time of a direction's last ACK is stored as a 32-bit float
 * offset, so the 20 ms fast-retransmission window may be off by the
 * float's rounding when that direction sent no data for a very long time;
 * a negative handshake RTT (timestamps stepping back) is kept, as tshark
 * does, but makes no segment out-of-order (tshark's unsigned comparison
 * makes every early one out-of-order). Times are the pipeline's
 * capture-relative float seconds: exact to the nanosecond near the
 * capture's start, to the microsecond up to ~10^8 s into it.
 *
 * A pure SYN whose sequence number differs from the one known for its
 * direction (its earlier SYN, or the first segment's `seq - 1`, or the
 * peer's first `ack - 1`) starts a new connection on the same addresses and
 * ports, as Wireshark's "TCP port numbers reused": the sequence analysis,
 * state and handshake start over; counters and RTT samples accumulate.
 *
 * ## Connection state
 *
 * - A pure SYN on a fresh flow: `syn_sent`, its sender is the client. A
 *   SYN from the other side before any SYN+ACK (simultaneous open) keeps
 *   the first sender as client. A retransmitted SYN changes nothing.
 * - SYN+ACK: `syn_ack`; when no SYN was seen, its receiver is the client.
 * - The first ACK-bearing segment without SYN after `syn_sent`/`syn_ack`:
 *   `established` (the handshake completed, even if its middle packet was
 *   not captured).
 * - A flow picked up mid-stream (first packet neither SYN nor SYN+ACK):
 *   `established` (or `fin_wait`/`reset` after FIN/RST), client guessed from
 *   the ports: the side with the lower port is the server when that port
 *   is below 1024 and the other is not, or when it is below 32768 and the
 *   other is not (32768 and up holds the ephemeral ranges of Linux,
 *   32768-60999, and IANA/Windows, 49152-65535); otherwise (both
 *   well-known, both registered, both ephemeral, equal) the client stays
 *   unknown. A later SYN or SYN+ACK does not override the guess unless it
 *   opens a new connection.
 * - FIN from one side: `fin_wait`; FIN seen from both sides: `closed` (the
 *   last ACK is not waited for: it may never be captured).
 * - RST from either side: `reset`, from any state.
 *
 * ## RTT
 *
 * Handshake RTT is tshark's `tcp.analysis.initial_rtt`: from the most
 * recent pure SYN to the first segment with ACK and without SYN after it,
 * from either side (the client's handshake ACK normally; for a refused
 * connection the RST+ACK). A value of exactly 0 is not kept (as tshark).
 *
 * RTT samples (last, min, EWMA with alpha 1/8, count) come from one timed
 * segment per direction: the first new segment (data, SYN or FIN) sent
 * while no other is timed; the first ACK from the other side covering its
 * end gives `t_ack - t_send`. SYN and SYN+ACK are segments too, so a
 * handshake gives two samples (SYN to SYN+ACK: capture point to server and
 * back; SYN+ACK to ACK: capture point to client and back). Karn's rule: a
 * retransmitted or out-of-order segment starting below the timed
 * segment's end cancels the timing, and retransmitted segments are never
 * timed. Delayed ACKs inflate samples, as in any passive measurement.
 *
 * ## Memory
 *
 * One 128-byte record per slot (array-of-structs in one buffer), whatever
 * the options: its first cache line holds everything an ordinary segment
 * reads and writes (next sequence numbers and their times, last ACKs,
 * windows, flags, state, handshake time), the second the base sequence
 * numbers, RTT timing and the counters (107 of the 128 bytes are used; a
 * 112-byte stride would save 16 B per flow but put most records' hot half
 * across two lines). A packet of a flow the cache has lost costs one or two
 * misses, where one array per field cost one per field (see
 * docs/performance.md).
 *
 * @module
 */

import type { PacketRecord } from "../protocol/packet.ts";
import { growBuffer, reserveBuffer } from "./growable_buffer.ts";

/** Default slot limit: the flow table's (`MAX_FLOW_SLOTS`). */
const MAX_SLOTS = (1 << 25) - 1;

// ---- states ----
export const TCP_STATE_UNKNOWN = 0;
export const TCP_STATE_SYN_SENT = 1;
export const TCP_STATE_SYN_ACK = 2;
export const TCP_STATE_ESTABLISHED = 3;
export const TCP_STATE_FIN_WAIT = 4;
export const TCP_STATE_CLOSED = 5;
export const TCP_STATE_RESET = 6;

/** Printable state names, indexed by TCP_STATE_*. */
export const TCP_STATE_NAMES: readonly string[] = [
  "unknown",
  "syn_sent",
  "syn_ack",
  "established",
  "fin_wait",
  "closed",
  "reset",
];

// ---- per-packet events ({@link TcpAnalyzer.lastEvents}) ----
/** The segment is a retransmission (Wireshark `tcp.analysis.retransmission` only). */
export const TCP_EV_RETRANSMISSION = 0x01;
/** The segment is a fast retransmission (`tcp.analysis.fast_retransmission`). */
export const TCP_EV_FAST_RETRANSMISSION = 0x02;
/** The segment is a spurious retransmission (`tcp.analysis.spurious_retransmission`). */
export const TCP_EV_SPURIOUS_RETRANSMISSION = 0x04;
/** The segment is out of order (`tcp.analysis.out_of_order`). */
export const TCP_EV_OUT_OF_ORDER = 0x08;
/** The segment is a keep-alive (`tcp.analysis.keep_alive`). */
export const TCP_EV_KEEP_ALIVE = 0x10;
/** The packet's ACK produced an RTT sample. */
export const TCP_EV_RTT_SAMPLE = 0x20;
/** The packet (a SYN) started a new connection on a flow already in use. */
export const TCP_EV_NEW_CONNECTION = 0x40;
/** The packet completed the handshake RTT. */
export const TCP_EV_HANDSHAKE_RTT = 0x80;
/** Any of the three retransmission kinds. */
export const TCP_EV_ANY_RETRANSMISSION = 0x07;

/** What {@link TcpAnalyzer} computes; off skips the work and the storage. */
export interface TcpAnalyzerOptions {
  /** RTT samples (last, min, EWMA, count) and the handshake RTT. */
  rtt: boolean;
  /** Retransmission counting. */
  retrans: boolean;
  /** Out-of-order counting. */
  outOfOrder: boolean;
  /**
   * Most slots it will ever hold (address space is reserved for them so
   * that growth is in place; default 33,554,431, the flow table's limit).
   */
  maxSlots?: number;
}

/** A flow's TCP analysis as exported (field names of the flow record). */
export interface TcpSnapshot {
  tcp_state: string;
  client: "a" | "b" | null;
  retransmissions: number | null;
  out_of_order: number | null;
  rtt_last_ms: number | null;
  rtt_min_ms: number | null;
  rtt_ewma_ms: number | null;
  rtt_samples: number | null;
  handshake_rtt_ms: number | null;
}

const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const ACK = 0x10;

// Per-direction flag bits.
/** A base sequence number is known (Wireshark's TCP_S_BASE_SEQ_SET). */
const D_BASE = 0x01;
/** `nextseq` is known. */
const D_NS = 0x02;
/** A window value was seen. */
const D_WIN = 0x04;
/** A segment is being timed for an RTT sample. */
const D_TRK = 0x08;
/** A FIN was sent. */
const D_FIN = 0x10;
/** The last segment was a keep-alive. */
const D_LAST_KA = 0x20;
/** The last segment was a zero-window probe. */
const D_LAST_ZWP = 0x40;

// Per-flow flag bits.
/** `hs` holds the time of the most recent pure SYN. */
const F_HS_PENDING = 0x01;
/** `hs` holds the handshake RTT. */
const F_HS_DONE = 0x02;
/** A SYN+ACK was seen on the flow (its opening SYN was answered). */
const F_SYN_ACK = 0x04;

// Classification of one segment.
const T_KA = 1;
const T_ZWP = 2;

/** Default out-of-order window when the handshake RTT is unknown (Wireshark: 3 ms). */
const OOO_DEFAULT_SECS = 0.003;
/** Fast retransmission: at most this long after the peer's last duplicate ACK (20 ms). */
const FAST_RETRANS_SECS = 0.02;
/**
 * Half a nanosecond: capture times are whole nanoseconds, so `dt < limit`
 * on exact values equals `dt < limit - EPS` on the float ones (their
 * rounding stays far below this), and ties fall on the same side as
 * tshark's integer comparison.
 */
const EPS = 5e-10;
/** EWMA weight of a new sample (RFC 6298 alpha). */
const EWMA_ALPHA = 0.125;

// ---- the per-slot record: 128 bytes, read through six views of one buffer ----
// Bytes 0-63 (one cache line: records are line-aligned) hold what every
// packet reads or writes; bytes 64-111 what SYN/FIN/RST, RTT timing and the
// counters need; 112-127 are padding. Offsets are in units of
// each view's element size from the slot's start; `+ dir` for per-direction
// pairs (0 = A→B, 1 = B→A).
const REC_BYTES = 128;
/** Record size in units of each view's element. */
const REC_F64 = REC_BYTES / 8;
const REC_U32 = REC_BYTES / 4;
const REC_U16 = REC_BYTES / 2;
// Float64 view (slot * REC_F64)
const D_NEXT_SEQ_TIME = 0; // + dir: capture time nextSeq last advanced
const D_HS = 2; // most recent SYN time (F_HS_PENDING) or handshake RTT (F_HS_DONE)
// Uint32 / Float32 views (slot * REC_U32)
const W_NEXT_SEQ = 6; // + dir: next expected sequence number
const W_LAST_ACK = 8; // + dir: last acknowledgment number (0 = none, as Wireshark)
const W_LAST_ACK_AGE = 10; // + dir, f32: last packet time minus nextSeqTime
const W_BASE = 16; // + dir: Wireshark's base sequence number (new-connection test)
const W_TRK_END = 18; // + dir: sequence number just past the timed segment
const W_TRK_OFF = 20; // + dir, f32: nextSeqTime minus the timed segment's send time
const W_RTT_LAST = 22; // f32
const W_RTT_MIN = 23; // f32
const W_RTT_EWMA = 24; // f32
const W_RTT_COUNT = 25;
const W_RETRANS = 26;
const W_OOO = 27;
/** Words 0-21 are the connection (cleared by #restart); 22-27 accumulate across connections. */
const W_CONN_END = 22;
const W_END = 28;
// Uint16 view (slot * REC_U16)
const H_WINDOW = 24; // + dir: last window field (unscaled)
// Uint8 / Int8 views (slot * REC_BYTES)
const B_DIR_FLAGS = 52; // + dir: D_* bits
const B_STATE = 54;
/** 0 unknown, 1 = A is the client, 2 = B is the client. */
const B_CLIENT = 55;
const B_FLOW_FLAGS = 56; // F_* bits
const B_DUP_ACKS = 57; // + dir, Int8: duplicate ACKs in a row (saturates at 127)

/** Per-flow TCP state machine, RTT, retransmission and out-of-order analysis. */
export class TcpAnalyzer {
  /** Bytes per slot (one 128-byte record, whatever the options). */
  readonly bytesPerFlow = REC_BYTES;
  /**
   * TCP_EV_* bits of the last packet given to {@link observe} (0 when it
   * carried nothing notable). Lets a caller label the packet without
   * reading counters before and after.
   */
  lastEvents = 0;

  readonly #rtt: boolean;
  readonly #retrans: boolean;
  readonly #ooo: boolean;
  /** Sequence tracking (`nextseq` and its time): on when any option is. */
  readonly #seq: boolean;
  /** Retransmission/out-of-order classification state: retrans or outOfOrder. */
  readonly #cls: boolean;
  #capacity = 0;
  #buf: ArrayBuffer;
  #f64: Float64Array = new Float64Array(0);
  #u32: Uint32Array = new Uint32Array(0);
  #f32: Float32Array = new Float32Array(0);
  #u16: Uint16Array = new Uint16Array(0);
  #u8: Uint8Array = new Uint8Array(0);
  #i8: Int8Array = new Int8Array(0);

  /**
   * @param capacity number of slots (grown later with {@link grow})
   * @param opts what to compute
   */
  constructor(capacity: number, opts: TcpAnalyzerOptions) {
    this.#rtt = opts.rtt;
    this.#retrans = opts.retrans;
    this.#ooo = opts.outOfOrder;
    this.#seq = opts.rtt || opts.retrans || opts.outOfOrder;
    this.#cls = opts.retrans || opts.outOfOrder;
    this.#buf = reserveBuffer(0, (opts.maxSlots ?? MAX_SLOTS) * REC_BYTES);
    this.grow(capacity);
  }

  /** Number of slots. */
  get capacity(): number {
    return this.#capacity;
  }

  /** Grows to `newCapacity` slots, keeping every existing slot's state. */
  grow(newCapacity: number): void {
    const n = newCapacity | 0;
    if (n <= this.#capacity) return;
    const buf = growBuffer(this.#buf, n * REC_BYTES);
    this.#buf = buf;
    this.#u8 = new Uint8Array(buf);
    this.#i8 = new Int8Array(buf);
    this.#u16 = new Uint16Array(buf);
    this.#u32 = new Uint32Array(buf);
    this.#f32 = new Float32Array(buf);
    this.#f64 = new Float64Array(buf);
    this.#capacity = n;
  }

  /** Forgets everything about `slot` (the table freed or reuses it). */
  clear(slot: number): void {
    const u32 = this.#u32, w = slot * REC_U32;
    for (let i = 0; i < W_END; i++) u32[w + i] = 0;
  }

  /**
   * Analyses one TCP packet of the flow in `slot`.
   * @param slot the flow's slot
   * @param dir 0 = endpoint A to B, 1 = B to A
   * @param isNew true for the flow's first packet (the slot is cleared first)
   * @param rec the decoded packet (TCP fields, `payloadWireLen`)
   * @param t capture-relative time in seconds
   */
  observe(slot: number, dir: number, isNew: boolean, rec: PacketRecord, t: number): void {
    if (isNew) this.clear(slot);
    const l4 = rec.l4CapLen;
    const hl = rec.tcpHdrLen;
    // Without the first 14 bytes the flags are unknown: nothing to learn.
    if (l4 < 14 || hl === 0) {
      this.lastEvents = 0;
      return;
    }
    const flags = rec.tcpFlags;
    const seq = rec.tcpSeq;
    dir &= 1;
    const rdir = dir ^ 1;
    const u8 = this.#u8, u32 = this.#u32;
    const b = slot * REC_BYTES, w = slot * REC_U32;
    let ev = 0;
    // The state machine has nothing to do for a plain segment of an
    // established connection whose base sequence numbers are known.
    if (
      (flags & (SYN | FIN | RST)) !== 0 || u8[b + B_STATE] !== TCP_STATE_ESTABLISHED ||
      (u8[b + B_DIR_FLAGS]! & u8[b + B_DIR_FLAGS + 1]! & D_BASE) === 0
    ) {
      // A SYN whose sequence number is not the one known for this direction
      // opens a new connection (Wireshark: "TCP port numbers reused").
      if (
        (flags & (SYN | ACK)) === SYN && (u8[b + B_DIR_FLAGS + dir]! & D_BASE) !== 0 &&
        u32[w + W_BASE + dir] !== seq
      ) {
        this.#restart(slot);
        ev = TCP_EV_NEW_CONNECTION;
      }
      this.#step(slot, dir, flags, rec);
    }
    // The segment length needs the whole fixed header and a sane data offset
    // (tshark analyses nothing else either).
    if (!this.#seq || l4 < 20 || hl < 20 || hl > rec.l4Len) {
      this.lastEvents = ev;
      return;
    }

    // ---- sequence analysis (Wireshark's tcp_analyze_sequence_number) ----
    const f64 = this.#f64, f32 = this.#f32, q = slot * REC_F64;
    const ack = rec.tcpAck;
    const len = rec.payloadWireLen;
    const dff = u8[b + B_DIR_FLAGS + dir]!;
    const nsSet = (dff & D_NS) !== 0;
    const nxt = u32[w + W_NEXT_SEQ + dir]!;
    const synFin = (flags & (SYN | FIN)) !== 0 ? 1 : 0;
    const occupies = len > 0 || synFin !== 0;
    const notAdvanced = nsSet && ((seq - nxt) | 0) < 0;
    let ta = 0;
    if (this.#cls) {
      const u16 = this.#u16, i8 = this.#i8, h = slot * REC_U16;
      const win = rec.tcpWindow;
      const dfr = u8[b + B_DIR_FLAGS + rdir]!;
      const lastAck = u32[w + W_LAST_ACK + dir]!;
      if (nsSet && len <= 1) {
        const noSfr = (flags & (SYN | FIN | RST)) === 0;
        if (seq === nxt) {
          if (len === 1) {
            // A zero-window probe: 1 byte at nextseq while the peer's window is 0.
            if ((dfr & D_WIN) !== 0 && u16[h + H_WINDOW + rdir] === 0) ta = T_ZWP;
          } else if (
            noSfr && win !== 0 && (dff & D_WIN) !== 0 && win === u16[h + H_WINDOW + dir] &&
            ack === lastAck && (dfr & D_LAST_KA) === 0
          ) {
            // A duplicate ACK (an ACK of a keep-alive is not one).
            const d = i8[b + B_DUP_ACKS + dir]!;
            if (d < 127) i8[b + B_DUP_ACKS + dir] = d + 1;
          }
        } else if (noSfr && seq === ((nxt - 1) >>> 0)) {
          // A keep-alive: 0 or 1 byte one before nextseq.
          ta = T_KA;
          ev |= TCP_EV_KEEP_ALIVE;
        }
      }
      if (ack !== lastAck) i8[b + B_DUP_ACKS + dir] = 0;
      if (occupies && ta !== T_KA) {
        const peerAck = u32[w + W_LAST_ACK + rdir]!;
        if (
          notAdvanced || (len > 0 && peerAck !== 0 && ((seq + len - peerAck) | 0) <= 0)
        ) {
          ev |= this.#classify(slot, dir, flags, seq, len, nxt, notAdvanced, t);
        }
      }
      u16[h + H_WINDOW + dir] = win;
      u32[w + W_LAST_ACK + dir] = ack;
    }

    // Advance nextseq (a zero-window probe does not).
    const end = (seq + len + synFin) >>> 0;
    let nf = dff;
    if ((!nsSet || ((end - nxt) | 0) > 0) && ta !== T_ZWP) {
      if (this.#rtt && (nf & D_TRK) !== 0) {
        f32[w + W_TRK_OFF + dir] = f32[w + W_TRK_OFF + dir]! +
          (t - f64[q + D_NEXT_SEQ_TIME + dir]!);
      }
      u32[w + W_NEXT_SEQ + dir] = end;
      f64[q + D_NEXT_SEQ_TIME + dir] = t;
      nf |= D_NS;
    }
    if (this.#cls) {
      f32[w + W_LAST_ACK_AGE + dir] = t - f64[q + D_NEXT_SEQ_TIME + dir]!;
      nf = (nf & ~(D_LAST_KA | D_LAST_ZWP)) | D_WIN |
        (ta === T_KA ? D_LAST_KA : ta === T_ZWP ? D_LAST_ZWP : 0);
    }

    if (this.#rtt) {
      // An ACK covering the peer's timed segment gives a sample.
      const dfr = u8[b + B_DIR_FLAGS + rdir]!;
      if (
        (flags & ACK) !== 0 && (dfr & D_TRK) !== 0 &&
        ((ack - u32[w + W_TRK_END + rdir]!) | 0) >= 0
      ) {
        u8[b + B_DIR_FLAGS + rdir] = dfr & ~D_TRK;
        const sample = t -
          (f64[q + D_NEXT_SEQ_TIME + rdir]! - f32[w + W_TRK_OFF + rdir]!);
        if (sample >= 0) {
          this.#addSample(slot, sample);
          ev |= TCP_EV_RTT_SAMPLE;
        }
      }
      if (occupies && ta !== T_ZWP) {
        if (notAdvanced || (ev & TCP_EV_SPURIOUS_RETRANSMISSION) !== 0) {
          // Karn: resent (or late) data below the timed segment's end makes
          // the coming ACK ambiguous.
          if ((nf & D_TRK) !== 0 && ((seq - u32[w + W_TRK_END + dir]!) | 0) < 0) nf &= ~D_TRK;
        } else if ((nf & D_TRK) === 0 && ta === 0) {
          u32[w + W_TRK_END + dir] = end;
          f32[w + W_TRK_OFF + dir] = 0;
          nf |= D_TRK;
        }
      }
    }
    u8[b + B_DIR_FLAGS + dir] = nf;

    // Handshake RTT (tshark's initial_rtt): most recent pure SYN to the first
    // ACK without SYN after it; computed after the classification above,
    // which uses the value from before this packet (as tshark does).
    const ff = u8[b + B_FLOW_FLAGS]!;
    if ((ff & F_HS_DONE) === 0) {
      const sa = flags & (SYN | ACK);
      if (sa === SYN) {
        f64[q + D_HS] = t;
        u8[b + B_FLOW_FLAGS] = ff | F_HS_PENDING;
      } else if (sa === ACK && (ff & F_HS_PENDING) !== 0) {
        const d = t - f64[q + D_HS]!;
        if (d !== 0) {
          f64[q + D_HS] = d;
          u8[b + B_FLOW_FLAGS] = (ff & ~F_HS_PENDING) | F_HS_DONE;
          ev |= TCP_EV_HANDSHAKE_RTT;
        }
      }
    }
    this.lastEvents = ev;
  }

  /** Reads the slot's hot cache line (a prefetch); returns a value to keep the read alive. */
  warm(slot: number): number {
    const u32 = this.#u32, w = slot * REC_U32;
    return u32[w]! ^ u32[w + (REC_U32 >> 1)]!;
  }

  /** True when the connection is closed or reset (the table expires these sooner). */
  isClosed(slot: number): boolean {
    const s = this.#u8[(slot * REC_BYTES) + B_STATE]!;
    return s === TCP_STATE_CLOSED || s === TCP_STATE_RESET;
  }
  /**
   * Whether a SYN+ACK was seen on the flow, i.e. its opening SYN was
   * answered (the port-scan rule counts only unanswered contacts).
   */
  sawSynAck(slot: number): boolean {
    return (this.#u8[(slot * REC_BYTES) + B_FLOW_FLAGS]! & F_SYN_ACK) !== 0;
  }

  /** TCP_STATE_* of `slot`. */
  state(slot: number): number {
    return this.#u8[(slot * REC_BYTES) + B_STATE]!;
  }

  /** -1 unknown, 0 = endpoint A is the client, 1 = endpoint B is the client. */
  client(slot: number): number {
    return this.#u8[(slot * REC_BYTES) + B_CLIENT]! - 1;
  }

  /** Last RTT sample in seconds, NaN if none (or RTT is off). */
  rttLast(slot: number): number {
    return this.rttSamples(slot) > 0 ? this.#f32[(slot * REC_U32) + W_RTT_LAST]! : NaN;
  }

  /** Smallest RTT sample in seconds, NaN if none. */
  rttMin(slot: number): number {
    return this.rttSamples(slot) > 0 ? this.#f32[(slot * REC_U32) + W_RTT_MIN]! : NaN;
  }

  /** Smoothed RTT (EWMA, alpha 1/8) in seconds, NaN if none. */
  rttEwma(slot: number): number {
    return this.rttSamples(slot) > 0 ? this.#f32[(slot * REC_U32) + W_RTT_EWMA]! : NaN;
  }

  /** Number of RTT samples (0 when RTT is off). */
  rttSamples(slot: number): number {
    return this.#rtt ? this.#u32[(slot * REC_U32) + W_RTT_COUNT]! : 0;
  }

  /** Handshake RTT (tshark's initial_rtt) in seconds, NaN if none. */
  handshakeRtt(slot: number): number {
    return this.#seq && (this.#u8[(slot * REC_BYTES) + B_FLOW_FLAGS]! & F_HS_DONE) !== 0
      ? this.#f64[(slot * REC_F64) + D_HS]!
      : NaN;
  }

  /** Retransmissions (plain, fast and spurious); 0 when the option is off. */
  retransmissions(slot: number): number {
    return this.#retrans ? this.#u32[(slot * REC_U32) + W_RETRANS]! : 0;
  }

  /** Out-of-order segments; 0 when the option is off. */
  outOfOrder(slot: number): number {
    return this.#ooo ? this.#u32[(slot * REC_U32) + W_OOO]! : 0;
  }

  /** The slot's analysis in export form: times in ms rounded to the microsecond, null where absent. */
  snapshot(slot: number): TcpSnapshot {
    const c = this.client(slot);
    const n = this.rttSamples(slot);
    return {
      tcp_state: TCP_STATE_NAMES[this.state(slot)]!,
      client: c === 0 ? "a" : c === 1 ? "b" : null,
      retransmissions: this.#retrans ? this.retransmissions(slot) : null,
      out_of_order: this.#ooo ? this.outOfOrder(slot) : null,
      rtt_last_ms: msOrNull(this.rttLast(slot)),
      rtt_min_ms: msOrNull(this.rttMin(slot)),
      rtt_ewma_ms: msOrNull(this.rttEwma(slot)),
      rtt_samples: this.#rtt ? n : null,
      handshake_rtt_ms: this.#rtt ? msOrNull(this.handshakeRtt(slot)) : null,
    };
  }

  // ---- internals ----

  /** Resets the connection (state, sequence analysis, handshake); keeps counters and RTT stats. */
  #restart(slot: number): void {
    const u32 = this.#u32, w = slot * REC_U32;
    for (let i = 0; i < W_CONN_END; i++) u32[w + i] = 0;
  }

  /** The state machine and base sequence numbers. */
  #step(slot: number, dir: number, flags: number, rec: PacketRecord): void {
    const u8 = this.#u8, u32 = this.#u32;
    const b = slot * REC_BYTES, w = slot * REC_U32;
    const rdir = dir ^ 1;
    // Base sequence numbers as Wireshark keeps them: the first segment's
    // (SYN: seq, else seq - 1), or for the peer the first ACK's ack - 1.
    const df = u8[b + B_DIR_FLAGS + dir]!;
    if ((df & D_BASE) === 0) {
      u32[w + W_BASE + dir] = (flags & SYN) !== 0 ? rec.tcpSeq : (rec.tcpSeq - 1) >>> 0;
      u8[b + B_DIR_FLAGS + dir] = df | D_BASE;
    }
    const dr = u8[b + B_DIR_FLAGS + rdir]!;
    if ((dr & D_BASE) === 0 && (flags & ACK) !== 0) {
      u32[w + W_BASE + rdir] = (rec.tcpAck - 1) >>> 0;
      u8[b + B_DIR_FLAGS + rdir] = dr | D_BASE;
    }
    const st = u8[b + B_STATE]!;
    let next = st;
    if ((flags & RST) !== 0) {
      if (st === TCP_STATE_UNKNOWN) u8[b + B_CLIENT] = guessClient(dir, rec);
      next = TCP_STATE_RESET;
    } else if ((flags & SYN) !== 0) {
      if ((flags & ACK) === 0) {
        if (st === TCP_STATE_UNKNOWN) {
          next = TCP_STATE_SYN_SENT;
          u8[b + B_CLIENT] = dir + 1;
        }
        // Otherwise a retransmitted SYN or the peer's SYN of a simultaneous
        // open: the first SYN's sender stays the client.
      } else if (st === TCP_STATE_UNKNOWN || st === TCP_STATE_SYN_SENT) {
        u8[b + B_FLOW_FLAGS] = u8[b + B_FLOW_FLAGS]! | F_SYN_ACK;
        next = TCP_STATE_SYN_ACK;
        if (st === TCP_STATE_UNKNOWN) u8[b + B_CLIENT] = rdir + 1;
      }
    } else {
      if (st === TCP_STATE_UNKNOWN) {
        u8[b + B_CLIENT] = guessClient(dir, rec);
        next = TCP_STATE_ESTABLISHED;
      } else if ((st === TCP_STATE_SYN_SENT || st === TCP_STATE_SYN_ACK) && (flags & ACK) !== 0) {
        next = TCP_STATE_ESTABLISHED;
      }
      if ((flags & FIN) !== 0) {
        u8[b + B_DIR_FLAGS + dir] = u8[b + B_DIR_FLAGS + dir]! | D_FIN;
        if (next !== TCP_STATE_RESET) {
          next = (u8[b + B_DIR_FLAGS + rdir]! & D_FIN) !== 0
            ? TCP_STATE_CLOSED
            : TCP_STATE_FIN_WAIT;
        }
      }
    }
    u8[b + B_STATE] = next;
  }

  /**
   * Classifies a segment that does not advance or whose data the peer has
   * already acknowledged (rules 2 and 3 of the module doc), counts it and
   * returns its TCP_EV_* bit. Called only for such segments.
   */
  #classify(
    slot: number,
    dir: number,
    flags: number,
    seq: number,
    len: number,
    nxt: number,
    notAdvanced: boolean,
    t: number,
  ): number {
    const u32 = this.#u32, f64 = this.#f64;
    const w = slot * REC_U32, q = slot * REC_F64, b = slot * REC_BYTES;
    const rdir = dir ^ 1;
    const peerAck = u32[w + W_LAST_ACK + rdir]!;
    let ev: number;
    if (len > 0 && peerAck !== 0 && ((seq + len - peerAck) | 0) <= 0) {
      ev = TCP_EV_SPURIOUS_RETRANSMISSION;
    } else if (!notAdvanced || (len > 1 && ((nxt - 1) >>> 0) === seq)) {
      // 2+ bytes starting one before nextseq (after a zero-window probe) add data.
      return 0;
    } else {
      const synFin = (flags & (SYN | FIN)) !== 0 ? 1 : 0;
      const sinceAck = t -
        (f64[q + D_NEXT_SEQ_TIME + rdir]! + this.#f32[w + W_LAST_ACK_AGE + rdir]!);
      const sinceAdvance = t - f64[q + D_NEXT_SEQ_TIME + dir]!;
      const hs = f64[q + D_HS]!;
      const oooWindow = (this.#u8[b + B_FLOW_FLAGS]! & F_HS_DONE) !== 0 && hs !== 0
        ? hs
        : OOO_DEFAULT_SECS;
      if (
        this.#i8[b + B_DUP_ACKS + rdir]! >= 2 && peerAck === seq && sinceAck > -EPS &&
        sinceAck < FAST_RETRANS_SECS - EPS
      ) {
        ev = TCP_EV_FAST_RETRANSMISSION;
      } else if (
        sinceAdvance > -EPS && sinceAdvance < oooWindow - EPS &&
        nxt !== ((seq + len + synFin) >>> 0)
      ) {
        if (this.#ooo) u32[w + W_OOO] = u32[w + W_OOO]! + 1;
        return TCP_EV_OUT_OF_ORDER;
      } else {
        ev = TCP_EV_RETRANSMISSION;
      }
    }
    if (this.#retrans) u32[w + W_RETRANS] = u32[w + W_RETRANS]! + 1;
    return ev;
  }

  #addSample(slot: number, s: number): void {
    const u32 = this.#u32, f32 = this.#f32, w = slot * REC_U32;
    const n = u32[w + W_RTT_COUNT]!;
    f32[w + W_RTT_LAST] = s;
    if (n === 0) {
      f32[w + W_RTT_MIN] = s;
      f32[w + W_RTT_EWMA] = s;
    } else {
      if (s < f32[w + W_RTT_MIN]!) f32[w + W_RTT_MIN] = s;
      const e = f32[w + W_RTT_EWMA]!;
      f32[w + W_RTT_EWMA] = e + (s - e) * EWMA_ALPHA;
    }
    if (n < 0xffffffff) u32[w + W_RTT_COUNT] = n + 1;
  }
}

/**
 * Client side of a flow picked up mid-stream, from the ports: 1 = A,
 * 2 = B, 0 = unknown. The lower port is the server's when it is below
 * 1024 and the other is not, or below 32768 while the other is in the
 * ephemeral range.
 */
function guessClient(dir: number, rec: PacketRecord): number {
  const pa = dir === 0 ? rec.srcPort : rec.dstPort;
  const pb = dir === 0 ? rec.dstPort : rec.srcPort;
  const lo = pa < pb ? pa : pb, hi = pa < pb ? pb : pa;
  if (lo < 0 || lo === hi) return 0;
  if ((lo < 1024 && hi >= 1024) || (lo < 32768 && hi >= 32768)) return hi === pa ? 1 : 2;
  return 0;
}

function msOrNull(secs: number): number | null {
  return Number.isNaN(secs) ? null : Math.round(secs * 1e6) / 1e3;
}
