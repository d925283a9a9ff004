/**
 * Test-only helpers for the anomaly detectors: a packet record filled
 * directly (no frame bytes to build or decode, so a million packets take
 * milliseconds), settings with the reference defaults, a stand-in for the
 * flow table's answer bookkeeping (`FlowOracle`), and a naive model of the
 * detection rules (plain arrays and Sets, no caps, no eviction) that the
 * detectors are compared with.
 *
 * Not part of the detectors; allocation is fine here.
 *
 * @module
 */

import type { AnomalySettings, PortScanSettings, SynFloodSettings } from "../cli/config.ts";
import { ipText } from "../display/addresses.ts";
import {
  IPPROTO_TCP,
  IPPROTO_UDP,
  NET_IPV4,
  NET_IPV6,
  PacketRecord,
  TCP_ACK,
  TCP_SYN,
} from "../protocol/packet.ts";
import { ip4, ip6 } from "../protocol/_test_frames.ts";
import { WINDOW_BUCKETS } from "./window_clock.ts";

export const SYN = TCP_SYN;
export const SYN_ACK = TCP_SYN | TCP_ACK;
export const ACK = TCP_ACK;
export const RST = 0x04;

/** The reference defaults of `[analysis.anomalies]`, enabled. */
export function defaultAnomalySettings(): AnomalySettings {
  return {
    enabled: true,
    syn_flood: defaultSynFlood(),
    port_scan: defaultPortScan(),
  };
}

/** `[analysis.anomalies.syn_flood]` defaults (reference config table). */
export function defaultSynFlood(): SynFloodSettings {
  return {
    enabled: true,
    window_secs: 5,
    syn_threshold: 200,
    unique_src_threshold: 50,
    cooldown_secs: 10,
  };
}

/** `[analysis.anomalies.port_scan]` defaults (reference config table). */
export function defaultPortScan(): PortScanSettings {
  return {
    enabled: true,
    window_secs: 10,
    unique_ports_threshold: 25,
    unique_hosts_threshold: 10,
    cooldown_secs: 30,
  };
}

/** IPv4 text as a u32. */
export function v4(text: string): number {
  const b = ip4(text);
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}

/**
 * One reused {@link PacketRecord} filled field by field, as the decoder
 * would for an IPv4/IPv6 TCP or UDP packet. IPv6 addresses live in the
 * record's own buffer (source at 8, destination at 24).
 */
export class SynthPacket {
  readonly rec: PacketRecord = new PacketRecord();

  constructor() {
    this.rec.buf = new Uint8Array(64);
  }

  /** IPv4 TCP segment: addresses as u32, flags as TCP_* bits. */
  tcp4(src: number, dst: number, dport: number, flags: number, sport = 40000): PacketRecord {
    const r = this.#v4(src, dst, IPPROTO_TCP, sport, dport);
    r.tcpFlags = flags;
    return r;
  }

  /** IPv4 UDP datagram. */
  udp4(src: number, dst: number, dport: number, sport = 40000): PacketRecord {
    return this.#v4(src, dst, IPPROTO_UDP, sport, dport);
  }

  /** IPv6 TCP segment: addresses as text. */
  tcp6(src: string, dst: string, dport: number, flags: number, sport = 40000): PacketRecord {
    const r = this.#v6(src, dst, IPPROTO_TCP, sport, dport);
    r.tcpFlags = flags;
    return r;
  }

  /** IPv6 UDP datagram. */
  udp6(src: string, dst: string, dport: number, sport = 40000): PacketRecord {
    return this.#v6(src, dst, IPPROTO_UDP, sport, dport);
  }

  #v4(src: number, dst: number, proto: number, sport: number, dport: number): PacketRecord {
    const r = this.rec;
    r.net = NET_IPV4;
    r.ipProto = proto;
    r.srcAddrOff = 8;
    r.dstAddrOff = 12;
    r.srcV4 = src >>> 0;
    r.dstV4 = dst >>> 0;
    const b = r.buf;
    for (let i = 0; i < 4; i++) {
      b[8 + i] = (src >>> (24 - 8 * i)) & 255;
      b[12 + i] = (dst >>> (24 - 8 * i)) & 255;
    }
    r.srcPort = sport;
    r.dstPort = dport;
    r.tcpFlags = 0;
    return r;
  }

  #v6(src: string, dst: string, proto: number, sport: number, dport: number): PacketRecord {
    const r = this.rec;
    r.net = NET_IPV6;
    r.ipProto = proto;
    r.srcAddrOff = 8;
    r.dstAddrOff = 24;
    r.srcV4 = 0;
    r.dstV4 = 0;
    r.buf.set(ip6(src), 8);
    r.buf.set(ip6(dst), 24);
    r.srcPort = sport;
    r.dstPort = dport;
    r.tcpFlags = 0;
    return r;
  }
}

/** An alert as the model reports it (capture-relative time, counts). */
export interface ModelAlert {
  kind: "syn_flood" | "port_scan";
  /** Clamped capture time of the packet that raised it. */
  t: number;
  /** "ip:port" / "[ip6]:port" for floods, "ip" for scans. */
  key: string;
  /** syn_count / unique_ports. */
  a: number;
  /** unique_sources / unique_hosts. */
  b: number;
}

interface FloodEvent {
  bucket: number;
  src: string;
}

interface ScanEvent {
  bucket: number;
  port: string;
  host: string;
}

/** Canonical flow key text: protocol, outer VLAN and the two endpoints in sorted order. */
function flowKeyText(proto: number, vlan: number, a: string, b: string): string {
  return proto + "/" + vlan + "/" + (a < b ? a + "=" + b : b + "=" + a);
}

/**
 * A test stand-in for the flow table, reduced to what the failed-contact
 * rule asks: which flow a TCP or UDP packet belongs to (canonical key:
 * protocol, outer VLAN, both endpoints; IPv4 and IPv6), whether the packet
 * created it, and whether the flow has been answered so far: TCP, a
 * segment with SYN and ACK from the side that did not send the flow's
 * first packet; UDP, any datagram from that side. Slots are handed out in
 * order of creation and never reused. Feed it every packet BEFORE the
 * detector, as the pipeline feeds its flow table; `answered` is the
 * detector's callback.
 */
export class FlowOracle {
  /** First-seen time of each slot's flow. */
  readonly firstSeen: number[] = [];
  /** Capture time of each slot's first answer, NaN until answered. */
  readonly answeredAt: number[] = [];
  /** Slot of the last packet observed (-1: none). */
  lastSlot = -1;
  /** Whether the last packet observed created its flow. */
  lastIsNew = false;
  /** Times `answered` was called. */
  asked = 0;
  readonly #slots = new Map<string, number>();
  readonly #initiator: string[] = [];
  readonly #proto: number[] = [];

  /** The detector's callback (see `AnsweredCallback`). */
  readonly answered = (slot: number, firstSeen: number): boolean => {
    this.asked++;
    return slot >= 0 && slot < this.firstSeen.length && this.firstSeen[slot] === firstSeen &&
      !Number.isNaN(this.answeredAt[slot]!);
  };

  /** Feeds a decoded packet; returns its flow's slot, -1 if it has none (not TCP/UDP, fragment). */
  observe(rec: PacketRecord, t: number): number {
    if (
      (rec.net !== NET_IPV4 && rec.net !== NET_IPV6) || rec.fragOffset > 0 ||
      (rec.ipProto !== IPPROTO_TCP && rec.ipProto !== IPPROTO_UDP)
    ) {
      this.lastSlot = -1;
      this.lastIsNew = false;
      return -1;
    }
    const len = rec.net === NET_IPV4 ? 4 : 16;
    const sport = rec.srcPort >= 0 ? rec.srcPort : 0;
    const dport = rec.srcPort >= 0 ? rec.dstPort : 0;
    return this.observeFields(
      t,
      rec.vlanCount > 0 ? rec.vlanIds[0]! & 0xfff : 0,
      rec.ipProto,
      ipText(rec.buf, rec.srcAddrOff, len) + "|" + sport,
      ipText(rec.buf, rec.dstAddrOff, len) + "|" + dport,
      rec.tcpFlags,
    );
  }

  /**
   * Feeds one TCP or UDP packet by its fields: endpoints as "address|port"
   * text. Returns the flow's slot.
   */
  observeFields(
    t: number,
    vlan: number,
    proto: number,
    src: string,
    dst: string,
    flags: number,
  ): number {
    const key = flowKeyText(proto, vlan, src, dst);
    let slot = this.#slots.get(key);
    this.lastIsNew = slot === undefined;
    if (slot === undefined) {
      slot = this.firstSeen.length;
      this.#slots.set(key, slot);
      this.firstSeen.push(t);
      this.answeredAt.push(NaN);
      this.#initiator.push(src);
      this.#proto.push(proto);
    } else if (
      Number.isNaN(this.answeredAt[slot]!) && src !== this.#initiator[slot] &&
      (proto !== IPPROTO_TCP || (flags & SYN_ACK) === SYN_ACK)
    ) {
      this.answeredAt[slot] = t;
    }
    this.lastSlot = slot;
    return slot;
  }
}

interface PendingModelContact {
  t: number;
  slot: number;
  src: string;
  dst: string;
  port: string;
}

/** Options of an {@link AnomalyModel}. */
export interface AnomalyModelOptions {
  /**
   * Grace of the failed-contact rule (seconds); absent or null: the
   * reference rule (every SYN-only segment and UDP datagram counts at once).
   */
  answerGraceSecs?: number | null;
}

/**
 * The documented rules computed the slow, obvious way: every counted packet
 * is remembered with its bucket; at each packet the window's packets are
 * filtered and counted with Sets. Reported distinct counts are capped like
 * the detectors' (`floodSourceCap`, threshold + 1 for scans).
 *
 * With `answerGraceSecs` set, port scans follow the failed-contact rule of
 * `anomaly_detector.ts`: the model keeps its own {@link FlowOracle}; the
 * first packet of a flow (SYN-only TCP or UDP) waits in a plain array until
 * a packet later than its time + grace arrives (or {@link flush}); then, if
 * its flow has not been answered, it is counted at its own time.
 */
export class AnomalyModel {
  readonly settings: AnomalySettings;
  readonly floodSourceCap: number;
  /** The model's own flow bookkeeping (failed-contact rule). */
  readonly flows: FlowOracle = new FlowOracle();
  readonly #grace: number | null;
  #floodNow = 0;
  #scanNow = 0;
  #lastQueued = 0;
  readonly #pending: PendingModelContact[] = [];
  readonly #flood = new Map<string, FloodEvent[]>();
  readonly #floodAlert = new Map<string, number>();
  readonly #scan = new Map<string, ScanEvent[]>();
  readonly #scanAlert = new Map<string, number>();

  constructor(settings: AnomalySettings, floodSourceCap: number, opts: AnomalyModelOptions = {}) {
    this.settings = settings;
    this.floodSourceCap = floodSourceCap;
    this.#grace = opts.answerGraceSecs ?? null;
  }

  /** Feeds a decoded record; returns the alerts it raises (in the detector's order). */
  observe(rec: PacketRecord, t: number): ModelAlert[] {
    if (rec.net !== NET_IPV4 && rec.net !== NET_IPV6) return this.#tick(t);
    const len = rec.net === NET_IPV4 ? 4 : 16;
    const sport = rec.srcPort >= 0 ? rec.srcPort : 0;
    return this.observeEvent(
      t,
      len === 4 ? 4 : 6,
      ipText(rec.buf, rec.srcAddrOff, len),
      ipText(rec.buf, rec.dstAddrOff, len),
      rec.ipProto,
      rec.tcpFlags,
      rec.dstPort,
      rec.fragOffset > 0 ? -1 : sport,
      rec.vlanCount > 0 ? rec.vlanIds[0]! & 0xfff : 0,
    );
  }

  /**
   * Feeds one IP packet given by its fields (addresses as text, `dport` -1
   * when absent; `sport` -1 for a packet without a flow, e.g. a non-first
   * fragment); returns the alerts it raises: pending contacts judged
   * first, then a flood, then (reference rule) a scan.
   */
  observeEvent(
    t: number,
    family: 4 | 6,
    src: string,
    dst: string,
    proto: number,
    flags: number,
    dport: number,
    sport = 0,
    vlan = 0,
  ): ModelAlert[] {
    let isNew = false, slot = -1;
    const tcpUdp = proto === IPPROTO_TCP || proto === IPPROTO_UDP;
    if (this.#grace !== null && tcpUdp && sport >= 0) {
      const ports = dport >= 0;
      slot = this.flows.observeFields(
        t,
        vlan,
        proto,
        src + "|" + (ports ? sport : 0),
        dst + "|" + (ports ? dport : 0),
        flags,
      );
      isNew = this.flows.lastIsNew;
    }
    const out = this.#tick(t);
    if (!this.settings.enabled || dport < 0) return out;
    const len = family === 4 ? 4 : 16;
    const isSyn = proto === IPPROTO_TCP && (flags & SYN_ACK) === SYN;
    const isUdp = proto === IPPROTO_UDP;
    const fs = this.settings.syn_flood, ps = this.settings.port_scan;
    if (isSyn && fs.enabled) {
      if (t > this.#floodNow) this.#floodNow = t;
      const now = this.#floodNow;
      const g = fs.window_secs / WINDOW_BUCKETS;
      const bucket = Math.floor(now / g);
      const key = (len === 4 ? dst : "[" + dst + "]") + ":" + dport;
      const list = this.#flood.get(key) ?? [];
      list.push({ bucket, src });
      const live = list.filter((e) => e.bucket >= bucket - (WINDOW_BUCKETS - 1));
      this.#flood.set(key, live);
      const sources = new Set(live.map((e) => e.src)).size;
      const last = this.#floodAlert.get(key) ?? -Infinity;
      if (
        live.length > fs.syn_threshold && sources >= fs.unique_src_threshold &&
        now - last >= fs.cooldown_secs
      ) {
        this.#floodAlert.set(key, now);
        out.push({
          kind: "syn_flood",
          t: now,
          key,
          a: live.length,
          b: Math.min(sources, this.floodSourceCap),
        });
      }
    }
    if ((isSyn || isUdp) && ps.enabled) {
      const port = (isUdp ? "udp/" : "tcp/") + dport;
      if (this.#grace === null) {
        this.#count(t, src, dst, port, out);
      } else if (isNew) {
        if (t > this.#lastQueued) this.#lastQueued = t;
        this.#pending.push({ t: this.#lastQueued, slot, src, dst, port });
      }
    }
    return out;
  }

  /** End of capture: judges every pending contact; returns the alerts. */
  flush(): ModelAlert[] {
    const out: ModelAlert[] = [];
    while (this.#pending.length > 0) this.#judge(this.#pending.shift()!, out);
    return out;
  }

  /** Judges the pending contacts whose grace has ended by `t`. */
  #tick(t: number): ModelAlert[] {
    const out: ModelAlert[] = [];
    const g = this.#grace;
    if (g === null) return out;
    while (this.#pending.length > 0 && this.#pending[0]!.t + g < t) {
      this.#judge(this.#pending.shift()!, out);
    }
    return out;
  }

  #judge(c: PendingModelContact, out: ModelAlert[]): void {
    if (!Number.isNaN(this.flows.answeredAt[c.slot]!)) return;
    this.#count(c.t, c.src, c.dst, c.port, out);
  }

  /** The port scan rule: one contact at time `t`. */
  #count(t: number, src: string, dst: string, port: string, out: ModelAlert[]): void {
    const ps = this.settings.port_scan;
    if (t > this.#scanNow) this.#scanNow = t;
    const now = this.#scanNow;
    const g = ps.window_secs / WINDOW_BUCKETS;
    const bucket = Math.floor(now / g);
    const list = this.#scan.get(src) ?? [];
    list.push({ bucket, port, host: dst });
    const live = list.filter((e) => e.bucket >= bucket - (WINDOW_BUCKETS - 1));
    this.#scan.set(src, live);
    const ports = new Set(live.map((e) => e.port)).size;
    const hosts = new Set(live.map((e) => e.host)).size;
    const last = this.#scanAlert.get(src) ?? -Infinity;
    if (
      (ports > ps.unique_ports_threshold || hosts > ps.unique_hosts_threshold) &&
      now - last >= ps.cooldown_secs
    ) {
      this.#scanAlert.set(src, now);
      out.push({
        kind: "port_scan",
        t: now,
        key: src,
        a: Math.min(ports, ps.unique_ports_threshold + 1),
        b: Math.min(hosts, ps.unique_hosts_threshold + 1),
      });
    }
  }
}
