/**
 * Anomaly detection facade: runs the SYN flood and port scan detectors on
 * every decoded packet and queues the alerts they raise for the pipeline to
 * print (`alertLine`) and write (`alertJsonLine`, `--alerts-jsonl`).
 *
 * Usage (inline pipeline, after the flow table has seen the packet):
 *
 * ```ts
 * const anomalies = new AnomalyDetector(settings.analysis.anomalies, {
 *   answered: (slot, firstSeen) => flowWasAnswered(slot, firstSeen),
 * });
 * // first packet: anomalies.baseSec = frame.tsSec;
 * const slot = flows.observe(rec, t);
 * anomalies.observe(rec, t, slot, flows.lastIsNew);
 * for (const a of anomalies.takeAlerts()) out.line(alertLine(a));
 * // end of capture:
 * anomalies.flush(tLast);
 * ```
 *
 * ## Which contacts count toward a port scan
 *
 * NetScope's default (with an `answered` callback) deliberately differs
 * from the reference rule, which counts every SYN-only TCP segment and
 * every UDP datagram as a "contact". That rule alerts on ordinary traffic:
 * a browser opening connections to 11 web servers within 10 s is a "host
 * sweep", and a DNS resolver whose answers go to 26 random client ports is
 * a "port scan" (both happen in tests/fixtures/example.pcap). Like Snort's
 * sfPortscan and Zeek's scan detection, NetScope counts only FAILED
 * contacts:
 *
 * - A contact is the packet that creates a flow in the flow table
 *   (`flowIsNew`): a TCP segment with SYN set and ACK clear, or a UDP
 *   datagram. A retransmitted SYN of the same flow is not a new contact,
 *   and packets of an existing UDP flow (a server's replies, a stream's
 *   later datagrams) never are.
 * - A contact waits `answerGraceSecs` (default 2 s) of capture time. It is
 *   then judged: answered if `answered(slot, firstSeen)` holds for its flow
 *   at that moment (a TCP contact if the responder sent a SYN-ACK, a UDP
 *   contact if the responder sent anything back; a flow removed from the
 *   flow table meanwhile is not answered). Only an unanswered contact is
 *   counted by the port scan rule, at its ORIGINAL capture time (window and
 *   cooldown as in `port_scan.ts`); its alert, stamped with that time, is
 *   raised when the contact is judged, i.e. up to `answerGraceSecs` later.
 * - When is "then": at the first `observe()` whose time is later than
 *   contact time + `answerGraceSecs` (the packet that moves time past it;
 *   the pipeline has already given it to the flow table, so if it is the
 *   answer itself it counts as one), or at {@link AnomalyDetector.flush} /
 *   {@link AnomalyDetector.advance}. An answer that arrives within the grace
 *   is always seen; a later one only if no packet moved time past the grace
 *   before it.
 * - Waiting contacts are held in a bounded FIFO (`pending_contacts.ts`,
 *   `maxPendingContacts`, default 65,536 ≈ 4.2 MB). When it is full, the
 *   oldest contact is judged early (counted in `pendingOverflow`): memory
 *   stays bounded; an answer that has not arrived by then is missed.
 * - The SYN flood rule is unchanged: every SYN-only segment counts at once.
 *
 * With `answered` null (the default when the option is absent) the port
 * scan rule is the reference's: every SYN-only segment and every UDP
 * datagram counts at once; the flow arguments of `observe()` are ignored.
 *
 * ## Hot path
 *
 * Rules, window semantics and memory bounds: see `syn_flood.ts`,
 * `port_scan.ts` and `window_clock.ts` (the SYN flood module doc explains
 * its record layout). Per packet:
 *
 * - A packet that is neither a TCP SYN without ACK nor UDP costs a couple
 *   of field reads and one comparison of its time with the oldest pending
 *   contact's deadline (`#due`, kept in a field: the queue is not read).
 * - A packet of an existing flow (a UDP reply, a retransmitted SYN) is no
 *   contact: it leaves after the same tests plus `flowIsNew`.
 * - A contact is written once into the FIFO's rings (`pending_contacts.ts`),
 *   sequentially: 16 bytes of time, slot and port (four per cache line)
 *   plus 8 bytes of IPv4 addresses (32 of IPv6) beside; it is judged from
 *   there 2 s later, again sequentially, from the 16 bytes alone; the
 *   addresses are read only for an unanswered contact. The queue's time
 *   clamp is replayed when reading times back instead of being stored.
 * - `answered` runs once per contact, when it is judged; its cost is the
 *   flow table's (the flow's state has left the CPU caches by then).
 * - Times reach private methods through a Float64Array scratch, not as
 *   arguments (V8 boxes a float argument of a call it does not inline: 16
 *   bytes each). `flowFirstSeen` need not be passed: for the packet that
 *   creates a flow, the flow's first-seen time is the packet's.
 *
 * Nothing is allocated per packet except when an alert is raised.
 *
 * @module
 */

import type { AnomalySettings } from "../cli/config.ts";
import {
  IPPROTO_TCP,
  IPPROTO_UDP,
  NET_IPV4,
  NET_IPV6,
  type PacketRecord,
  TCP_ACK,
  TCP_SYN,
} from "../protocol/packet.ts";
import type { Alert } from "./alert.ts";
import { loadAddress } from "./ip_key.ts";
import {
  DEFAULT_PENDING_CONTACTS,
  P_KEY,
  P_OWN_FIRST_SEEN,
  P_PORT_KEY_MASK,
  P_SLOT,
  P_STRIDE,
  P_V6,
  PendingContacts,
  PF_TIME,
} from "./pending_contacts.ts";
import { PortScanDetector, type PortScanLimits, UDP_PORT_BIT } from "./port_scan.ts";
import { SynFloodDetector, type SynFloodLimits } from "./syn_flood.ts";

/**
 * Whether the flow created at capture time `firstSeen` in flow table slot
 * `slot` was answered: TCP, the responder sent a SYN-ACK; UDP, the
 * responder sent any packet. Must return false when the slot no longer
 * holds that flow (it is free, or its flow has another first-seen time:
 * the slot was reused). Called once per contact, when it is judged, in
 * contact-time order.
 */
export type AnsweredCallback = (slot: number, firstSeen: number) => boolean;

/** Default grace for an answer to a contact (seconds of capture time). */
export const DEFAULT_ANSWER_GRACE_SECS = 2;

/** Options of an {@link AnomalyDetector}. */
export interface AnomalyDetectorOptions {
  /** Whole seconds of the run's first packet, for absolute alert times (default 0). */
  baseSec?: number;
  /** Maximum destinations the SYN flood detector tracks (default 65,536). */
  maxTargets?: number;
  /** Maximum sources the port scan detector tracks (default 65,536). */
  maxSources?: number;
  /** Size of the SYN flood detector's (destination, source) pool (default 262,144). */
  maxFloodEntries?: number;
  /** Size of the port scan detector's port/host pool (default 262,144). */
  maxScanEntries?: number;
  /**
   * The flow table's answer to "was this contact answered?" (see
   * {@link AnsweredCallback}). When set, only unanswered contacts count
   * toward a port scan (NetScope's default, see the module doc); null or
   * absent: the reference rule (every SYN-only segment and UDP datagram
   * counts at once).
   */
  answered?: AnsweredCallback | null;
  /** How long a contact waits for its answer, in seconds of capture time (default 2, ≥ 0). */
  answerGraceSecs?: number;
  /** Contacts that can wait for their answer at once (default 65,536). */
  maxPendingContacts?: number;
  /**
   * Called with each alert as it is raised. When set, alerts go only here
   * and {@link AnomalyDetector.takeAlerts} returns nothing.
   */
  onAlert?: (alert: Alert) => void;
  /** Hash seed (tests); random when absent. */
  seed?: number;
}

const NO_ALERTS: readonly Alert[] = Object.freeze([]);

/** Both detectors behind one `observe()`, with an alert queue and counters. */
export class AnomalyDetector {
  /** The SYN flood detector, null when disabled. */
  readonly synFlood: SynFloodDetector | null;
  /** The port scan detector, null when disabled. */
  readonly portScan: PortScanDetector | null;
  /** Seconds a contact waits for its answer (failed-contact rule only). */
  readonly answerGraceSecs: number;
  /** Alerts raised, all kinds. */
  alertsRaised = 0;
  /** SYN flood alerts raised. */
  synFloodAlerts = 0;
  /** Port scan alerts raised. */
  portScanAlerts = 0;
  /** Contacts judged answered (failed-contact rule). */
  contactsAnswered = 0;
  /** Contacts judged unanswered and counted by the port scan rule (failed-contact rule). */
  contactsFailed = 0;
  /** Contacts judged before their grace ended because the FIFO was full. */
  pendingOverflow = 0;

  private queue: Alert[] = [];
  private readonly onAlert: ((alert: Alert) => void) | null;
  #baseSec: number;
  readonly #answered: AnsweredCallback | null;
  /** Contacts waiting for their answer; null unless the failed-contact rule runs. */
  readonly #pending: PendingContacts | null;
  /** `#pending !== null`, as a plain flag for the inlined fast path. */
  readonly #failedRule: boolean;
  /** Time after which the oldest pending contact is due (Infinity: none). */
  #due = Infinity;
  /** Queue time of the newest contact queued (contacts are queued in time order). */
  #lastQueued = 0;
  /** Queue time of the last contact judged (the clamp replayed, see `#drain`). */
  #lastJudged = 0;
  /**
   * The float arguments of `#enqueue` (0: the contact's time, 1: its flow's
   * first-seen time): passed as arguments of a call V8 does not inline they
   * are boxed, 16 bytes each per contact (measured).
   */
  readonly #floats = new Float64Array(2);
  /** A failed contact's addresses for the port scan rule: source 0..3, destination 4..7. */
  readonly #words = new Int32Array(8);

  /**
   * With `settings.enabled` false (or both kinds disabled) nothing is
   * tracked and `observe()` does nothing.
   */
  constructor(settings: AnomalySettings, opts: AnomalyDetectorOptions = {}) {
    this.#baseSec = opts.baseSec ?? 0;
    this.onAlert = opts.onAlert ?? null;
    const grace = opts.answerGraceSecs ?? DEFAULT_ANSWER_GRACE_SECS;
    if (!(grace >= 0 && Number.isFinite(grace))) {
      throw new RangeError(`Cannot create anomaly detector: answer grace ${grace} s is invalid`);
    }
    this.answerGraceSecs = grace;
    const floodLimits: SynFloodLimits = {
      maxTargets: opts.maxTargets,
      maxEntries: opts.maxFloodEntries,
      seed: opts.seed,
    };
    const scanLimits: PortScanLimits = {
      maxSources: opts.maxSources,
      maxEntries: opts.maxScanEntries,
      seed: opts.seed,
    };
    this.synFlood = settings.enabled && settings.syn_flood.enabled
      ? new SynFloodDetector(settings.syn_flood, this.#baseSec, floodLimits)
      : null;
    this.portScan = settings.enabled && settings.port_scan.enabled
      ? new PortScanDetector(settings.port_scan, this.#baseSec, scanLimits)
      : null;
    this.#answered = opts.answered ?? null;
    this.#pending = this.portScan !== null && this.#answered !== null
      ? new PendingContacts(opts.maxPendingContacts ?? DEFAULT_PENDING_CONTACTS)
      : null;
    this.#failedRule = this.#pending !== null;
  }

  /** Whole seconds of the run's first packet (alert times are `baseSec + t`). */
  get baseSec(): number {
    return this.#baseSec;
  }

  set baseSec(v: number) {
    this.#baseSec = v;
    if (this.synFlood !== null) this.synFlood.baseSec = v;
    if (this.portScan !== null) this.portScan.baseSec = v;
  }

  /** Whether port scans count only failed contacts (an `answered` callback was given). */
  get countsFailedContacts(): boolean {
    return this.#pending !== null;
  }

  /** Contacts waiting for their answer now. */
  get pendingContacts(): number {
    return this.#pending === null ? 0 : this.#pending.length;
  }

  /**
   * Flow slots of the (up to) `max` oldest contacts waiting for their
   * answer, the next to be judged, into `out`; returns how many. Lets the
   * caller read those flows ahead of the `answered` calls.
   */
  pendingSlots(out: Int32Array, max: number): number {
    const q = this.#pending;
    if (q === null) return 0;
    const n = Math.min(max, q.length, out.length);
    const w = q.words;
    let i = q.head;
    for (let j = 0; j < n; j++) {
      out[j] = w[i * P_STRIDE + P_SLOT]!;
      if (++i === q.capacity) i = 0;
    }
    return n;
  }

  /** Contacts that can wait at once (0 without the failed-contact rule). */
  get maxPendingContacts(): number {
    return this.#pending === null ? 0 : this.#pending.capacity;
  }

  /**
   * Feeds one decoded packet at capture time `t` (seconds relative to the
   * run's first packet, `(tsSec − baseSec) + tsNsec / 1e9`). With the
   * failed-contact rule, call it for every packet, after the flow table
   * has seen it, with the packet's flow: `flowSlot` (-1: no flow),
   * `flowIsNew` (this packet created the flow) and `flowFirstSeen` (the
   * flow's first-seen time, handed back to `answered`; only read when the
   * packet created its flow, and then it is `t`, the default). Without the
   * rule the flow arguments are ignored.
   */
  observe(
    rec: PacketRecord,
    t: number,
    flowSlot?: number,
    flowIsNew?: boolean,
    flowFirstSeen?: number,
  ): void {
    // The common case, kept small so that V8 can inline it into the caller
    // (hence literals, not the module's constants, and no default
    // parameters): nothing due, and neither a SYN (6: TCP, 0x12: SYN|ACK,
    // 0x02: SYN) nor a contact (17: UDP; under the failed-contact rule only
    // a new flow's). A NaN time goes the long way.
    const proto = rec.ipProto;
    if (
      t <= this.#due &&
      (proto === 6
        ? (rec.tcpFlags & 0x12) !== 0x02
        : proto !== 17 || (flowIsNew !== true && this.#failedRule))
    ) return;
    this.#observe(rec, t, flowSlot, flowIsNew, flowFirstSeen);
  }

  /** {@link observe} past the common case. */
  #observe(
    rec: PacketRecord,
    t: number,
    flowSlot: number | undefined,
    flowIsNew: boolean | undefined,
    flowFirstSeen: number | undefined,
  ): void {
    if (t > this.#due) this.#drain(t);
    // isSyn() and isContact() inlined: a data segment leaves after one test.
    const proto = rec.ipProto;
    if (proto === IPPROTO_TCP) {
      if ((rec.tcpFlags & (TCP_SYN | TCP_ACK)) !== TCP_SYN) return;
      const flood = this.synFlood;
      if (flood !== null) {
        flood.clock.advance(t);
        const a = flood.observeSyn(rec);
        if (a !== null) this.raise(a);
      }
    } else if (proto !== IPPROTO_UDP || rec.dstPort < 0) {
      return;
    }
    if (this.#pending !== null) {
      if (flowIsNew === true && flowSlot !== undefined && flowSlot >= 0) {
        const f = this.#floats;
        f[0] = t;
        f[1] = flowFirstSeen === undefined ? t : flowFirstSeen;
        this.#enqueue(rec, flowSlot);
      }
      return;
    }
    const scan = this.portScan;
    if (scan === null) return;
    scan.clock.advance(t);
    const a = scan.observeContact(rec);
    if (a !== null) this.raise(a);
  }

  /**
   * Judges the pending contacts whose grace has ended by capture time `t`
   * (for a live capture that goes quiet: the pipeline's ticker calls it).
   * `observe()` does this by itself.
   */
  advance(t: number): void {
    if (t > this.#due) this.#drain(t);
  }

  /**
   * End of capture: judges every pending contact now, whatever its age
   * (after first those due by capture time `t`, the capture's last time).
   * Answers that arrived by now count; alerts raised go to the queue or
   * `onAlert` as usual.
   */
  flush(t: number): void {
    this.advance(t);
    const q = this.#pending;
    if (q === null) return;
    for (let i = q.shift(); i >= 0; i = q.shift()) this.#judge(i);
    this.#due = Infinity;
  }

  /** Returns the alerts raised since the last call, oldest first, and empties the queue. */
  takeAlerts(): readonly Alert[] {
    if (this.queue.length === 0) return NO_ALERTS;
    const q = this.queue;
    this.queue = [];
    return q;
  }

  /** Flood destinations evicted while still in their window (lost evidence). */
  get droppedTargets(): number {
    return this.synFlood === null ? 0 : this.synFlood.droppedTargets;
  }

  /** Scan sources evicted while still in their window (lost evidence). */
  get droppedSources(): number {
    return this.portScan === null ? 0 : this.portScan.droppedSources;
  }

  /** Queues the contact `rec` (the first packet of its flow) to be judged later. */
  #enqueue(rec: PacketRecord, slot: number): void {
    const t = this.#floats[0]!, firstSeen = this.#floats[1]!;
    const net = rec.net;
    if (net !== NET_IPV4) {
      // IPv6 addresses are read from the buffer: both must lie inside it.
      const so = rec.srcAddrOff, d = rec.dstAddrOff, len = rec.buf.length;
      if (net !== NET_IPV6 || so < 0 || so + 16 > len || d < 0 || d + 16 > len) return;
    }
    const q = this.#pending!;
    let i = q.push();
    let full = false;
    if (i < 0) {
      // Full: the oldest is judged now, before its grace ends.
      full = true;
      this.pendingOverflow++;
      this.#judge(q.shift());
      i = q.push();
    }
    const w = q.words, o = i * P_STRIDE;
    let key = rec.ipProto === IPPROTO_UDP ? rec.dstPort | UDP_PORT_BIT : rec.dstPort;
    if (net === NET_IPV4) {
      const a = q.v4;
      a[2 * i] = rec.srcV4;
      a[2 * i + 1] = rec.dstV4;
    } else {
      loadAddress(rec, false, q.v6, 8 * i);
      loadAddress(rec, true, q.v6, 8 * i + 4);
      key |= P_V6;
    }
    if (firstSeen !== t) {
      q.firstSeen[i] = firstSeen;
      key |= P_OWN_FIRST_SEEN;
    }
    w[o + P_SLOT] = slot;
    w[o + P_KEY] = key;
    q.floats[i * (P_STRIDE / 2) + PF_TIME] = t;
    // Contacts are judged in queue order and counted at their own time, so
    // the queue keeps time order: a capture stepping back counts at the
    // latest time already queued (as the window clock would). The stored
    // time is the packet's; #drain and #judge re-apply the clamp, in order.
    if (t > this.#lastQueued) this.#lastQueued = t;
    // The due time is the head's: set when this entry is the head, or the
    // head changed (otherwise it stands, and the head is not read).
    if (q.length === 1) this.#due = this.#lastQueued + this.answerGraceSecs;
    else if (full) this.#drain(-Infinity); // judges nothing; sets #due
  }

  /**
   * Judges the pending contacts whose grace has ended by `t` and sets
   * `#due` from the next one. A contact's queue time is its capture time,
   * or the previous contact's queue time when that is later: the clamp of
   * `#enqueue`, replayed here in the same order (`#lastJudged`). (Written
   * inline, if/else: a helper returning the double would box it.)
   */
  #drain(t: number): void {
    const q = this.#pending!;
    const f = q.floats, grace = this.answerGraceSecs;
    while (q.length > 0) {
      let due = f[q.head * (P_STRIDE / 2) + PF_TIME]!;
      if (!(due > this.#lastJudged)) due = this.#lastJudged;
      due += grace;
      if (!(due < t)) {
        this.#due = due;
        return;
      }
      this.#judge(q.shift());
    }
    this.#due = Infinity;
  }

  /** Judges pending entry `i` (the oldest): counts it toward a port scan unless answered. */
  #judge(i: number): void {
    const q = this.#pending!;
    const w = q.words, o = i * P_STRIDE, key = w[o + P_KEY]!;
    const t = q.floats[i * (P_STRIDE / 2) + PF_TIME]!;
    if (t > this.#lastJudged) this.#lastJudged = t;
    const firstSeen = (key & P_OWN_FIRST_SEEN) === 0 ? t : q.firstSeen[i]!;
    if (this.#answered!(w[o + P_SLOT]!, firstSeen)) {
      this.contactsAnswered++;
      return;
    }
    this.contactsFailed++;
    const scan = this.portScan!;
    scan.clock.advance(this.#lastJudged);
    const words = this.#words;
    let family = 4;
    if ((key & P_V6) === 0) {
      words[0] = q.v4[2 * i]!;
      words[1] = 0;
      words[2] = 0;
      words[3] = 0;
      words[4] = q.v4[2 * i + 1]!;
      words[5] = 0;
      words[6] = 0;
      words[7] = 0;
    } else {
      family = 6;
      const v = q.v6;
      for (let k = 0; k < 8; k++) words[k] = v[8 * i + k]!;
    }
    const a = scan.countContact(family, words, 0, 4, key & P_PORT_KEY_MASK);
    if (a !== null) this.raise(a);
  }

  private raise(a: Alert): void {
    this.alertsRaised++;
    if (a.kind === "syn_flood") this.synFloodAlerts++;
    else this.portScanAlerts++;
    if (this.onAlert !== null) this.onAlert(a);
    else this.queue.push(a);
  }
}
