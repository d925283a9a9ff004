/**
 * Port scan detection per source address.
 *
 * Rule (reference "Anomaly Detection"): alert when one source contacts MORE
 * THAN `unique_ports_threshold` distinct destination ports OR MORE THAN
 * `unique_hosts_threshold` distinct destination hosts within `window_secs`;
 * then no new alert for that source for `cooldown_secs` (a new one is
 * allowed once `now − last alert ≥ cooldown_secs`, if the window still
 * qualifies).
 *
 * What counts as a contact: `observe()` / `observeContact()` implement the
 * reference rule: a TCP segment with SYN set and ACK clear ("SYN-only",
 * RFC 9293 §3.1), or any UDP datagram (RFC 768), over IPv4 or IPv6, whose
 * header was captured far enough to hold the destination port (and, for
 * TCP, the flags). Every other packet is ignored. `countContact()` counts
 * one contact given by its fields (family, address words, port key), for a
 * caller that decides itself what a contact is: `AnomalyDetector` with an
 * `answered` callback (NetScope's default in the pipeline) feeds it only
 * FAILED contacts, the first SYN or UDP datagram of a flow that got no
 * answer within a grace period, at the contact's original capture time
 * (see `anomaly_detector.ts`). Ports are counted per protocol: TCP 53 and
 * UDP 53 are two ports. Hosts are destination addresses, compared in full.
 *
 * Note that the reference rule counts UDP packets in both directions of a
 * UDP exchange: a busy UDP server (a DNS resolver answering from port 53 to
 * its clients' random source ports) "contacts" many ports, and a browser
 * opening connections to 11 web servers within the window is a "host
 * sweep" (tests/fixtures/example.pcap and DnsPackets.pcap alert under it).
 * The failed-contact rule avoids both.
 *
 * The window is the bucketed one of `window_clock.ts`: 8 buckets of
 * `window_secs / 8`; at time t the window is the current bucket and the 7
 * before it (at least 7/8 and less than all of `window_secs`).
 *
 * State, bounded:
 * - Sources: at most `maxSources` (default 65,536) in an LRU table; a new
 *   source when full evicts the least recently seen one, counted in
 *   `droppedSources` if it still had contacts in its window. A scanning
 *   source is always among the most recently seen.
 * - Per source, two LRU sets: the most recent distinct ports (at most
 *   `unique_ports_threshold + 1`) and hosts (at most
 *   `unique_hosts_threshold + 1`) contacted in the window; entries whose
 *   last contact left the window are dropped. "More than the threshold" is
 *   thus decided exactly; the counts reported stop at threshold + 1. A new
 *   key at the cap replaces the least recent one (`forgottenKeys`).
 * - All port/host entries share one pool of `maxEntries` (default 262,144);
 *   when it is full the least recently seen source is evicted.
 *
 * Nothing is allocated per packet; an alert allocates its record.
 *
 * @module
 */

import type { PortScanSettings } from "../cli/config.ts";
import {
  IPPROTO_TCP,
  IPPROTO_UDP,
  NET_IPV4,
  NET_IPV6,
  type PacketRecord,
  TCP_ACK,
  TCP_SYN,
} from "../protocol/packet.ts";
import { alertTime, makePortScanAlert, type PortScanAlert } from "./alert.ts";
import { addressText, loadAddress } from "./ip_key.ts";
import { LruKeyTable } from "./lru_key_table.ts";
import { WindowClock } from "./window_clock.ts";

/** Default cap on tracked sources. */
export const DEFAULT_MAX_SOURCES = 65536;
/** Default size of the shared pool of per-source port/host entries. */
export const DEFAULT_MAX_SCAN_ENTRIES = 262144;

/** Capacity limits of a {@link PortScanDetector}. */
export interface PortScanLimits {
  /** Maximum sources tracked at once (default 65,536). */
  maxSources?: number;
  /**
   * Size of the pool of port and host entries shared by all sources
   * (default 262,144; raised to 2 × the per-source caps if smaller).
   */
  maxEntries?: number;
  /** Hash seed (tests); random when absent. */
  seed?: number;
}

/**
 * True for the packets the port scan rule counts: a TCP segment with SYN
 * set and ACK clear, or a UDP datagram whose destination port was captured.
 */
export function isContact(rec: PacketRecord): boolean {
  const p = rec.ipProto;
  if (p === IPPROTO_TCP) return (rec.tcpFlags & (TCP_SYN | TCP_ACK)) === TCP_SYN;
  return p === IPPROTO_UDP && rec.dstPort >= 0;
}

/** Bit 16 of a port key: set for a UDP port (TCP 53 and UDP 53 are two ports). */
export const UDP_PORT_BIT = 0x10000;

/**
 * The port key of a contact: its destination port, with {@link UDP_PORT_BIT}
 * set for UDP. Only meaningful for a TCP or UDP packet whose destination
 * port was captured.
 */
export function portKeyOf(rec: PacketRecord): number {
  return rec.ipProto === IPPROTO_UDP ? rec.dstPort | UDP_PORT_BIT : rec.dstPort;
}

/** Port scan detector (see the module doc for the rule, window and bounds). */
export class PortScanDetector {
  readonly settings: PortScanSettings;
  /** Distinct ports kept per source (threshold + 1). */
  readonly portCap: number;
  /** Distinct hosts kept per source (threshold + 1). */
  readonly hostCap: number;
  /** The detector's capture clock. */
  readonly clock: WindowClock;
  /** Whole seconds of the run's first packet (for alert times). */
  baseSec: number;
  /** Alerts raised. */
  alertsRaised = 0;
  /** Contacts (SYN-only TCP and UDP packets) counted. */
  contactsSeen = 0;
  /** Sources evicted while they still had contacts in their window. */
  droppedSources = 0;
  /** Port/host entries replaced at their cap while still in the window. */
  forgottenKeys = 0;

  private readonly sources: LruKeyTable;
  /** List 2·s holds source s's ports, list 2·s + 1 its hosts. */
  private readonly keys: LruKeyTable;
  private readonly lastAlert: Float64Array;
  /** Scratch for a decoded packet's addresses: source 0..3, destination 4..7. */
  private readonly words = new Int32Array(8);
  /** The previous contact's source (0..3), destination (4..7), port word (8), family (9). */
  private readonly last = new Int32Array(10);
  /** The previous contact's source entry and bucket (-1: none yet). */
  private lastSource = -1;
  private lastEpoch = -1;

  constructor(settings: PortScanSettings, baseSec = 0, limits: PortScanLimits = {}) {
    this.settings = settings;
    this.baseSec = baseSec;
    this.clock = new WindowClock(settings.window_secs);
    if (settings.unique_ports_threshold > 1 << 20 || settings.unique_hosts_threshold > 1 << 24) {
      throw new RangeError(
        `Cannot create port scan detector: thresholds ${settings.unique_ports_threshold} ports / ${settings.unique_hosts_threshold} hosts are too large to track`,
      );
    }
    // More than 2 × 65,536 (protocol, port) pairs cannot exist.
    this.portCap = Math.min(settings.unique_ports_threshold, 2 * 65536) + 1;
    this.hostCap = settings.unique_hosts_threshold + 1;
    const maxSources = limits.maxSources ?? DEFAULT_MAX_SOURCES;
    const maxEntries = Math.max(
      limits.maxEntries ?? DEFAULT_MAX_SCAN_ENTRIES,
      2 * (this.portCap + this.hostCap),
    );
    this.sources = new LruKeyTable(maxSources, 1, limits.seed);
    this.keys = new LruKeyTable(maxEntries, 2 * maxSources, limits.seed);
    this.lastAlert = new Float64Array(maxSources);
  }

  /** Sources tracked now (≤ `maxSources`). */
  get trackedSources(): number {
    return this.sources.size;
  }

  /** Maximum sources tracked. */
  get maxSources(): number {
    return this.sources.capacity;
  }

  /** Port and host entries held now (≤ `maxEntries`). */
  get trackedEntries(): number {
    return this.keys.size;
  }

  /** Size of the shared port/host entry pool. */
  get maxEntries(): number {
    return this.keys.capacity;
  }

  /**
   * Counts `rec` if it is a contact (SYN-only TCP or UDP); returns an alert
   * when this packet makes its source cross a threshold outside its
   * cooldown, else null. `t` is capture time in seconds relative to the
   * run's first packet.
   */
  observe(rec: PacketRecord, t: number): PortScanAlert | null {
    if (!isContact(rec)) return null;
    this.clock.advance(t);
    return this.observeContact(rec);
  }

  /**
   * {@link observe} for a caller that has already checked `isContact(rec)`
   * and moved `clock` to the packet's time (see `SynFloodDetector.observeSyn`).
   */
  observeContact(rec: PacketRecord): PortScanAlert | null {
    const net = rec.net;
    if ((net !== NET_IPV4 && net !== NET_IPV6) || rec.dstPort < 0) return null;
    const words = this.words;
    if (!loadAddress(rec, false, words, 0) || !loadAddress(rec, true, words, 4)) {
      return null;
    }
    return this.countContact(net === NET_IPV4 ? 4 : 6, words, 0, 4, portKeyOf(rec));
  }

  /**
   * Counts one contact given by its fields: `family` 4 or 6, the source
   * address in `words[srcOff .. srcOff+4)` and the destination address in
   * `words[dstOff .. dstOff+4)` (as {@link loadAddress} stores them), and
   * `portKey` from {@link portKeyOf}. The caller has moved `clock` to the
   * contact's capture time (`clock.advance(t)`). Returns an alert when this
   * contact makes its source cross a threshold outside its cooldown, else
   * null. Allocates nothing unless it alerts.
   */
  countContact(
    family: number,
    words: Int32Array,
    srcOff: number,
    dstOff: number,
    portKey: number,
  ): PortScanAlert | null {
    this.contactsSeen++;
    const clock = this.clock;
    const epoch = clock.epoch;
    const keys = this.keys;
    const s0 = words[srcOff]!, s1 = words[srcOff + 1]!, s2 = words[srcOff + 2]!;
    const s3 = words[srcOff + 3]!;
    const d0 = words[dstOff]!, d1 = words[dstOff + 1]!, d2 = words[dstOff + 2]!;
    const d3 = words[dstOff + 3]!;

    // ---- count it ----
    let sc: number;
    const last = this.last;
    if (
      epoch === this.lastEpoch && portKey === last[8] && family === last[9] &&
      s0 === last[0] && s1 === last[1] && s2 === last[2] && s3 === last[3] &&
      d0 === last[4] && d1 === last[5] && d2 === last[6] && d3 === last[7]
    ) {
      // The same source, destination and port as the previous contact, in
      // the same bucket (a flow's packets): its entries are already the most
      // recent, stamped with this bucket, and nothing has expired since.
      sc = this.lastSource;
    } else {
      last[0] = s0;
      last[1] = s1;
      last[2] = s2;
      last[3] = s3;
      last[4] = d0;
      last[5] = d1;
      last[6] = d2;
      last[7] = d3;
      last[8] = portKey;
      last[9] = family;
      sc = this.count(last, family, portKey, epoch);
      this.lastSource = sc;
      this.lastEpoch = epoch;
    }
    const portList = 2 * sc, hostList = portList + 1;

    // ---- the rule ----
    const s = this.settings;
    const ports = keys.count(portList), hosts = keys.count(hostList);
    if (
      (ports > s.unique_ports_threshold || hosts > s.unique_hosts_threshold) &&
      clock.now - this.lastAlert[sc]! >= s.cooldown_secs
    ) {
      this.lastAlert[sc] = clock.now;
      this.alertsRaised++;
      return makePortScanAlert(
        alertTime(this.baseSec, clock.now),
        addressText(family, s0, s1, s2, s3),
        ports,
        hosts,
        s.window_secs,
        s.unique_ports_threshold,
        s.unique_hosts_threshold,
      );
    }
    return null;
  }

  /**
   * Counts a contact not just seen (source in `k[0..4)`, destination in
   * `k[4..8)`); returns the source entry.
   */
  private count(k: Int32Array, family: number, portKey: number, epoch: number): number {
    const sources = this.sources, keys = this.keys;
    // ---- the source ----
    let sc = sources.find(0, k[0]!, k[1]!, k[2]!, k[3]!, family);
    if (sc < 0) {
      if (sources.size >= sources.capacity) this.evictSource(sources.tail(0));
      sc = sources.insertAfterMiss(0, k[0]!, k[1]!, k[2]!, k[3]!, family, epoch);
      this.lastAlert[sc] = -Infinity;
    } else {
      sources.touch(sc, epoch);
    }
    const portList = 2 * sc, hostList = portList + 1;
    const oldest = this.clock.oldestLive;
    keys.trimOlderThan(portList, oldest);
    keys.trimOlderThan(hostList, oldest);

    // ---- its ports and hosts ----
    this.note(sc, portList, portKey, 0, 0, 0, this.portCap, epoch);
    this.note(sc, hostList, k[4]!, k[5]!, k[6]!, k[7]!, this.hostCap, epoch);

    return sc;
  }

  /** Touches or adds one key to a source's list, keeping the list ≤ cap. */
  private note(
    sc: number,
    list: number,
    k0: number,
    k1: number,
    k2: number,
    k3: number,
    cap: number,
    epoch: number,
  ): void {
    const keys = this.keys;
    const e = keys.find(list, k0, k1, k2, k3, 0);
    if (e >= 0) {
      keys.touch(e, epoch);
      return;
    }
    if (keys.count(list) >= cap) {
      keys.remove(keys.tail(list));
      this.forgottenKeys++;
    }
    const sources = this.sources;
    while (keys.size >= keys.capacity) {
      const victim = sources.tail(0);
      if (victim === sc) break; // cannot happen: pool ≥ 2 × per-source caps
      this.evictSource(victim);
    }
    keys.insertAfterMiss(list, k0, k1, k2, k3, 0, epoch);
  }

  private evictSource(sc: number): void {
    // Its last contact is still in the window: evidence is lost.
    if (this.sources.stamps[sc]! >= this.clock.oldestLive) this.droppedSources++;
    this.keys.clearList(2 * sc);
    this.keys.clearList(2 * sc + 1);
    this.sources.remove(sc);
  }
}
