/**
 * Whole-run packet counters for the end-of-run summary: packets and bytes,
 * time span, packets per protocol, and problems by kind and reason. One
 * `observe()` per decoded packet; typed arrays, nothing allocated.
 *
 * Which layers a packet contains is not counted layer by layer: `observe()`
 * packs the few facts that decide it (link kind, VLAN, MPLS, network kind,
 * TCP/UDP with ports, ICMP/ARP, application) into a 13-bit key with table
 * lookups instead of branches, and counts the key. A capture mixes TCP, UDP,
 * DNS and IPv6 packets at random, so branches on those facts mispredict
 * often; one increment does not. {@link PacketCounters.perLayer} folds the
 * key counts into per-layer counts when it is read.
 *
 * @module
 */

import type { PacketRecord } from "../protocol/packet.ts";
import * as packet from "../protocol/packet.ts";

// Module-level copies of the imported constants (see decode.ts: an imported
// binding costs a chain of dependent loads at every use in optimised code).
const {
  IPPROTO_TCP,
  IPPROTO_UDP,
  L_ARP,
  L_DNS,
  L_ETHERNET,
  L_ICMP,
  L_ICMPV6,
  L_IPV4,
  L_IPV6,
  L_MPLS,
  L_NULL,
  L_OTHER_IP,
  L_OTHER_L2,
  L_SLL,
  L_TCP,
  L_TLS,
  L_UDP,
  L_VLAN,
  LAYER_COUNT,
  NET_IPV4,
  NET_IPV6,
  NET_OTHER,
  REASON_TEXT,
  ST_MALFORMED,
  ST_OK,
  ST_TRUNCATED,
  ST_UNSUPPORTED,
} = packet;

// ---- the layer key: bit fields ----
// bits 0-1  network: 0 none (or ARP), 1 IPv4, 2 IPv6, 3 other ethertype
// bits 2-3  IP protocol: 0 other, 1 TCP, 2 UDP
// bit  4    ports decoded (srcPort >= 0)
// bits 5-6  top layer: 0 other, 1 ICMP, 2 ICMPv6, 3 ARP
// bits 7-8  application: 0 none, 1 DNS, 2 TLS (L_DNS & 3, L_TLS & 3)
// bits 9-10 link: 0 none, 1 Ethernet, 2 Linux cooked, 3 null/loopback
// bit  11   VLAN tags
// bit  12   MPLS labels
const KEY_COUNT = 1 << 13;

/** Network kind by `PacketRecord.net` (NET_* values are below 8). */
const NET_BITS = new Uint8Array(8);
NET_BITS[NET_IPV4] = 1;
NET_BITS[NET_IPV6] = 2;
NET_BITS[NET_OTHER] = 3;

/** IP protocol class by `PacketRecord.ipProto & 255` (-1, none, maps to 255). */
const PROTO_BITS = new Uint8Array(256);
PROTO_BITS[IPPROTO_TCP] = 1 << 2;
PROTO_BITS[IPPROTO_UDP] = 2 << 2;

/** Top-layer class by `PacketRecord.topLayer` (L_* values are below 32). */
const TOP_BITS = new Uint8Array(32);
TOP_BITS[L_ICMP] = 1 << 5;
TOP_BITS[L_ICMPV6] = 2 << 5;
TOP_BITS[L_ARP] = 3 << 5;

/** Counters over every packet of a run. */
export class PacketCounters {
  packets = 0;
  wireBytes = 0;
  capturedBytes = 0;
  /** Earliest and latest timestamps seen (capture order may step backwards). */
  firstSec = Infinity;
  firstNsec = 0;
  lastSec = -Infinity;
  lastNsec = 0;
  truncated = 0;
  malformed = 0;
  unsupported = 0;
  badIpv4Checksums = 0;
  fragments = 0;
  /** Problem packets by R_* reason. */
  readonly perReason: Float64Array = new Float64Array(REASON_TEXT.length);
  /** Frames per unsupported link type. */
  readonly unsupportedLinkTypes: Map<number, number> = new Map();

  /** Packets per layer key (see the module doc). */
  readonly #perKey = new Float64Array(KEY_COUNT);
  readonly #perLayer = new Float64Array(LAYER_COUNT);
  /** `packets` when #perLayer was last folded, -1 if never. */
  #foldedAt = -1;

  /**
   * Packets containing each layer, indexed by L_*: a link layer (Ethernet,
   * Linux cooked or null/loopback), VLAN and MPLS, IPv4/IPv6 with TCP, UDP,
   * ICMP, ICMPv6 or another protocol and DNS/TLS above them, ARP, or another
   * ethertype. The same array is returned (refreshed) on every read.
   */
  get perLayer(): Float64Array {
    if (this.#foldedAt !== this.packets) this.#fold();
    return this.#perLayer;
  }

  /** Counts one decoded packet. */
  observe(rec: PacketRecord): void {
    const f = rec.frame;
    this.packets++;
    this.wireBytes += f.wireLen;
    this.capturedBytes += f.capLen;
    const s = f.tsSec, ns = f.tsNsec;
    // Timestamps mostly increase: a new latest one cannot also be a new
    // earliest one, except for the first packet.
    if (s > this.lastSec || (s === this.lastSec && ns > this.lastNsec)) {
      this.lastSec = s;
      this.lastNsec = ns;
      if (this.firstSec === Infinity) {
        this.firstSec = s;
        this.firstNsec = ns;
      }
    } else if (s < this.firstSec || (s === this.firstSec && ns < this.firstNsec)) {
      this.firstSec = s;
      this.firstNsec = ns;
    }
    const link = rec.macDstOff >= 0 ? 1 : rec.sllPacketType >= 0 ? 2 : rec.nullFamily >= 0 ? 3 : 0;
    // Without a branch, for a port n >= -1: (~n >>> 31) is 1 when n >= 0;
    // for a count n >= 0: (-n >>> 31) is 1 when n > 0.
    const key = NET_BITS[rec.net & 7]! | PROTO_BITS[rec.ipProto & 255]! |
      ((~rec.srcPort >>> 31) << 4) | TOP_BITS[rec.topLayer & 31]! | ((rec.app & 3) << 7) |
      (link << 9) | ((-rec.vlanCount >>> 31) << 11) | ((-rec.mplsCount >>> 31) << 12);
    this.#perKey[key]!++;
    if (rec.ipChecksumOk === 0) this.badIpv4Checksums++;
    if (rec.isFragment !== 0) this.fragments++;
    const st = rec.status;
    if (st !== ST_OK) {
      if (st === ST_TRUNCATED) this.truncated++;
      else if (st === ST_MALFORMED) this.malformed++;
      else if (st === ST_UNSUPPORTED) {
        this.unsupported++;
        if (rec.reason === 1) {
          const lt = f.linkType;
          this.unsupportedLinkTypes.set(lt, (this.unsupportedLinkTypes.get(lt) ?? 0) + 1);
        }
      }
      this.perReason[rec.reason]!++;
    }
  }

  /** Per-layer counts from the key counts. */
  #fold(): void {
    const pl = this.#perLayer;
    pl.fill(0);
    const perKey = this.#perKey;
    for (let key = 0; key < KEY_COUNT; key++) {
      const n = perKey[key]!;
      if (n === 0) continue;
      const link = (key >>> 9) & 3;
      if (link === 1) pl[L_ETHERNET]! += n;
      else if (link === 2) pl[L_SLL]! += n;
      else if (link === 3) pl[L_NULL]! += n;
      if (key & (1 << 11)) pl[L_VLAN]! += n;
      if (key & (1 << 12)) pl[L_MPLS]! += n;
      const net = key & 3;
      const top = (key >>> 5) & 3;
      if (net === 1 || net === 2) {
        pl[net === 1 ? L_IPV4 : L_IPV6]! += n;
        const proto = (key >>> 2) & 3;
        const ports = (key >>> 4) & 1;
        if (proto === 1 && ports) pl[L_TCP]! += n;
        else if (proto === 2 && ports) pl[L_UDP]! += n;
        else if (top === 1) pl[L_ICMP]! += n;
        else if (top === 2) pl[L_ICMPV6]! += n;
        else pl[L_OTHER_IP]! += n;
        const app = (key >>> 7) & 3;
        if (app === (L_DNS & 3)) pl[L_DNS]! += n;
        else if (app === (L_TLS & 3)) pl[L_TLS]! += n;
      } else if (top === 3) pl[L_ARP]! += n;
      else if (net === 3) pl[L_OTHER_L2]! += n;
    }
    this.#foldedAt = this.packets;
  }
}
