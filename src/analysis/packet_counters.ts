/**
 * Whole-run packet counters for the end-of-run summary: packets and bytes,
 * time span, packets per protocol, and problems by kind and reason. One
 * `observe()` per decoded packet; typed arrays, nothing allocated.
 *
 * @module
 */

import {
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
  type PacketRecord,
  REASON_TEXT,
  ST_MALFORMED,
  ST_OK,
  ST_TRUNCATED,
  ST_UNSUPPORTED,
} from "../protocol/packet.ts";

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
  /** Packets containing each layer, indexed by L_*. */
  readonly perLayer: Float64Array = new Float64Array(LAYER_COUNT);
  /** Problem packets by R_* reason. */
  readonly perReason: Float64Array = new Float64Array(REASON_TEXT.length);
  /** Frames per unsupported link type. */
  readonly unsupportedLinkTypes: Map<number, number> = new Map();

  /** Counts one decoded packet. */
  observe(rec: PacketRecord): void {
    const f = rec.frame;
    this.packets++;
    this.wireBytes += f.wireLen;
    this.capturedBytes += f.capLen;
    const s = f.tsSec, ns = f.tsNsec;
    if (s < this.firstSec || (s === this.firstSec && ns < this.firstNsec)) {
      this.firstSec = s;
      this.firstNsec = ns;
    }
    if (s > this.lastSec || (s === this.lastSec && ns > this.lastNsec)) {
      this.lastSec = s;
      this.lastNsec = ns;
    }
    const pl = this.perLayer;
    if (rec.macDstOff >= 0) pl[L_ETHERNET]!++;
    else if (rec.sllPacketType >= 0) pl[L_SLL]!++;
    else if (rec.nullFamily >= 0) pl[L_NULL]!++;
    if (rec.vlanCount > 0) pl[L_VLAN]!++;
    if (rec.mplsCount > 0) pl[L_MPLS]!++;
    const net = rec.net;
    if (net === NET_IPV4 || net === NET_IPV6) {
      pl[net === NET_IPV4 ? L_IPV4 : L_IPV6]!++;
      const top = rec.topLayer;
      if (rec.ipProto === IPPROTO_TCP && rec.srcPort >= 0) pl[L_TCP]!++;
      else if (rec.ipProto === IPPROTO_UDP && rec.srcPort >= 0) pl[L_UDP]!++;
      else if (top === L_ICMP) pl[L_ICMP]!++;
      else if (top === L_ICMPV6) pl[L_ICMPV6]!++;
      else pl[L_OTHER_IP]!++;
      if (rec.app === L_DNS) pl[L_DNS]!++;
      else if (rec.app === L_TLS) pl[L_TLS]!++;
      if (rec.ipChecksumOk === 0) this.badIpv4Checksums++;
      if (rec.isFragment) this.fragments++;
    } else if (rec.topLayer === L_ARP) pl[L_ARP]!++;
    else if (net === NET_OTHER) pl[L_OTHER_L2]!++;
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
}
