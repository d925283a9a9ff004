/**
 * The one-line packet summary, in the style of `tcpdump -n -S` (absolute
 * sequence numbers, since relative ones need per-flow state): time (UTC),
 * VLAN/MPLS tags, addresses and ports, then the protocol's own words.
 *
 * @module
 */

import { formatDnsSummary } from "../protocol/dns.ts";
import {
  L_DNS,
  L_FRAME,
  L_TLS,
  LAYER_NAMES,
  NET_ARP,
  NET_IPV4,
  NET_IPV6,
  NET_OTHER,
  type PacketRecord,
  REASON_TEXT,
  ST_MALFORMED,
  ST_OK,
  ST_TRUNCATED,
  ST_UNSUPPORTED,
  TCP_ACK,
  TCP_FIN,
  TCP_RST,
  TCP_SYN,
  TCP_URG,
} from "../protocol/packet.ts";
import { tlsAlpn, tlsSni } from "../protocol/tls.ts";
import { ipText, macText } from "./addresses.ts";
import {
  etherTypeName,
  hex16,
  icmpCodeName,
  icmpTypeName,
  icmpv6TypeName,
  ipProtoName,
} from "./names.ts";
import { tcpFlagsText, tcpOptionsText } from "./tcp_text.ts";
import { clockText } from "./timestamp.ts";

/** Formats the record as one line (no trailing newline). */
export function formatPacketLine(rec: PacketRecord): string {
  const f = rec.frame;
  let s = clockText(f.tsSec, f.tsNsec) + " ";
  if (rec.vlanCount > 0) {
    s += "vlan ";
    const n = rec.vlanCount < rec.vlanIds.length ? rec.vlanCount : rec.vlanIds.length;
    for (let i = 0; i < n; i++) s += (i > 0 ? "," : "") + rec.vlanIds[i];
    if (rec.vlanCount > n) s += ",...";
    s += " ";
  }
  if (rec.mplsCount > 0) s += mplsText(rec) + " ";
  s += body(rec);
  return s + statusSuffix(rec);
}

/** The label stack as tcpdump prints it: "MPLS (label 29, tc 6, [S], ttl 255)". */
function mplsText(rec: PacketRecord): string {
  const b = rec.buf;
  const end = rec.frame.offset + rec.frame.capLen;
  let s = "MPLS";
  for (let i = 0, p = rec.mplsOff; i < rec.mplsCount && p + 4 <= end; i++, p += 4) {
    const label = ((b[p]! << 12) | (b[p + 1]! << 4) | (b[p + 2]! >>> 4)) >>> 0;
    const tc = (b[p + 2]! >>> 1) & 7;
    s += " (label " + label + (tc ? ", tc " + tc : "") + (b[p + 2]! & 1 ? ", [S]" : "") +
      ", ttl " + b[p + 3]! + ")";
  }
  return s;
}

function body(rec: PacketRecord): string {
  const f = rec.frame;
  if (rec.status === ST_UNSUPPORTED && rec.statusLayer === L_FRAME) {
    return "unsupported link type " + f.linkType + ", length " + f.wireLen;
  }
  switch (rec.net) {
    case NET_IPV4:
    case NET_IPV6:
      return ipBody(rec);
    case NET_ARP:
      return arpBody(rec);
    case NET_OTHER: {
      const t = rec.etherType;
      if (t < 0x0600 && rec.macDstOff >= 0) return "802.3, length " + t;
      const name = etherTypeName(t);
      return "ethertype " + hex16(t) + (name ? " (" + name + ")" : "") + ", length " + f.wireLen;
    }
  }
  if (rec.nullFamily >= 0 && rec.etherType === 0) {
    return "AF Unknown (" + rec.nullFamily + "), length " + f.wireLen;
  }
  return "length " + f.wireLen;
}

function ipBody(rec: PacketRecord): string {
  const b = rec.buf;
  const v4 = rec.net === NET_IPV4;
  let s = v4 ? "IP " : "IP6 ";
  if (rec.srcAddrOff < 0) return s + "[|ip]";
  const alen = v4 ? 4 : 16;
  const src = ipText(b, rec.srcAddrOff, alen);
  const dst = ipText(b, rec.dstAddrOff, alen);
  const proto = rec.ipProto;
  const hasPorts = rec.srcPort >= 0 && (proto === 6 || proto === 17);
  if (rec.isFragment && rec.fragOffset > 0) {
    return s + src + " > " + dst + ": " + ipProtoName(proto) + " fragment (id " + rec.ipId +
      ", offset " + rec.fragOffset + (rec.moreFragments ? ", more" : "") + "), length " +
      rec.l4Len;
  }
  if (hasPorts) {
    s += src + "." + rec.srcPort + " > " + dst + "." + rec.dstPort + ": ";
  } else {
    s += src + " > " + dst + ": ";
  }
  if (rec.l4Off < 0) return s + ipProtoName(proto);
  switch (proto) {
    case 6:
      s += tcpBody(rec);
      break;
    case 17:
      // LLMNR (5355) is decoded as DNS but printed as tcpdump does: plain UDP.
      if (rec.app === L_DNS && rec.srcPort !== 5355 && rec.dstPort !== 5355) {
        s += formatDnsSummary(b, rec.dns);
      } else if (rec.srcPort >= 0) {
        s += "UDP, length " + (rec.udpLen >= 8 ? rec.udpLen - 8 : rec.l4Len - 8);
      } else s += "UDP";
      break;
    case 1:
      s += icmpBody(rec);
      break;
    case 58:
      s += icmpv6Body(rec);
      break;
    default:
      s += ipProtoName(proto) + ", length " + rec.l4Len;
  }
  if (rec.isFragment && rec.fragOffset === 0 && rec.moreFragments) {
    s += " (first fragment, id " + rec.ipId + ")";
  }
  return s;
}

function tcpBody(rec: PacketRecord): string {
  if (rec.tcpHdrLen === 0 && rec.tcpSeq === 0 && rec.tcpFlags === 0) return "tcp";
  const fl = rec.tcpFlags;
  let s = "Flags [" + tcpFlagsText(fl) + "]";
  const len = rec.payloadWireLen > 0 ? rec.payloadWireLen : 0;
  if (len > 0 || (fl & (TCP_SYN | TCP_FIN | TCP_RST)) !== 0) {
    s += ", seq " + rec.tcpSeq;
    if (len > 0) s += ":" + ((rec.tcpSeq + len) >>> 0);
  }
  if (fl & TCP_ACK) s += ", ack " + rec.tcpAck;
  s += ", win " + rec.tcpWindow;
  if (fl & TCP_URG) s += ", urg " + rec.tcpUrgent;
  const opts = rec.tcpHdrLen > 20 ? tcpOptionsText(rec) : "";
  if (opts !== "") s += ", options [" + opts + "]";
  s += ", length " + len;
  if (rec.app === L_DNS) s += " " + formatDnsSummary(rec.buf, rec.dns); // tcpdump: no colon
  else if (rec.app === L_TLS) s += ": " + tlsText(rec);
  return s;
}

function tlsText(rec: PacketRecord): string {
  const sni = tlsSni(rec.buf, rec.tls);
  const alpn = tlsAlpn(rec.buf, rec.tls);
  let s = "TLS ClientHello";
  if (sni !== "") s += ", SNI " + sni;
  if (alpn.length > 0) s += ", ALPN " + alpn.join(",");
  return s;
}

function icmpBody(rec: PacketRecord): string {
  if (rec.icmpType < 0) return "ICMP";
  const t = rec.icmpType;
  if (t === 5 && rec.l4CapLen >= 28) return icmpRedirect(rec);
  let s = "ICMP " + icmpTypeName(t);
  const code = icmpCodeName(t, rec.icmpCode);
  if (code !== "") s += " " + code;
  if (rec.icmpId >= 0) s += ", id " + rec.icmpId + ", seq " + rec.icmpSeq;
  return s + ", length " + rec.l4Len;
}

/** "ICMP redirect <dst> to <net|host> <gateway>" (RFC 792: gateway at 4..8, quoted IP header at 8). */
function icmpRedirect(rec: PacketRecord): string {
  const b = rec.buf, off = rec.l4Off;
  const kind = rec.icmpCode === 0 || rec.icmpCode === 2 ? "net" : "host";
  return "ICMP redirect " + ipText(b, off + 24, 4) + " to " + kind + " " + ipText(b, off + 4, 4) +
    ", length " + rec.l4Len;
}

function icmpv6Body(rec: PacketRecord): string {
  if (rec.icmpType < 0) return "ICMP6";
  const t = rec.icmpType;
  let s = "ICMP6, " + icmpv6TypeName(t);
  if (rec.icmpTargetOff >= 0) {
    const tgt = ipText(rec.buf, rec.icmpTargetOff, 16);
    s += t === 135 ? ", who has " + tgt : t === 136 ? ", tgt is " + tgt : " to " + tgt;
  }
  if (rec.icmpId >= 0) s += ", id " + rec.icmpId + ", seq " + rec.icmpSeq;
  return s + ", length " + rec.l4Len;
}

function arpBody(rec: PacketRecord): string {
  const b = rec.buf;
  const len = rec.frame.wireLen - (rec.netOff - rec.frame.offset);
  if (rec.arpSpa < 0) return "ARP, length " + len;
  const ipv4 = rec.arpProtoType === 0x0800 && rec.arpPln === 4;
  const spa = ipv4 ? ipText(b, rec.arpSpa, 4) : macText(b, rec.arpSpa, rec.arpPln);
  const tpa = ipv4 ? ipText(b, rec.arpTpa, 4) : macText(b, rec.arpTpa, rec.arpPln);
  const sha = macText(b, rec.arpSha, rec.arpHln);
  switch (rec.arpOp) {
    case 1:
      return "ARP, Request who-has " + tpa + " tell " + spa + ", length " + len;
    case 2:
      return "ARP, Reply " + spa + " is-at " + sha + ", length " + len;
    case 3:
      return "RARP, Request who-is " + macText(b, rec.arpTha, rec.arpHln) + " tell " + sha +
        ", length " + len;
    case 4:
      return "RARP, Reply " + macText(b, rec.arpTha, rec.arpHln) + " at " + tpa + ", length " +
        len;
  }
  return "ARP, op " + rec.arpOp + ", length " + len;
}

function statusSuffix(rec: PacketRecord): string {
  switch (rec.status) {
    case ST_OK:
      return "";
    case ST_TRUNCATED:
      return " [|" + LAYER_NAMES[rec.statusLayer] + "]";
    case ST_MALFORMED:
      return " [malformed " + LAYER_NAMES[rec.statusLayer] + ": " + REASON_TEXT[rec.reason] + "]";
    case ST_UNSUPPORTED:
      return rec.statusLayer === L_FRAME ? "" : " [unsupported: " + REASON_TEXT[rec.reason] + "]";
  }
  return "";
}
