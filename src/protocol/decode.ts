/**
 * The packet decoder: one frame in, one filled `PacketRecord` out. It walks
 * the layers in order (link → VLAN/MPLS → network → transport → DNS/TLS),
 * each layer module returning where the next header starts or -1. Nothing
 * is allocated and nothing throws: problems are recorded as a status, a
 * layer and a reason on the record.
 *
 * @module
 */

import {
  type Frame,
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
  LINKTYPE_RAW_12,
  LINKTYPE_RAW_14,
} from "../capture/frame.ts";
import { decodeArp } from "./arp.ts";
import { decodeDns, DNS_MALFORMED } from "./dns.ts";
import { decodeEthernet } from "./ethernet.ts";
import { decodeIcmp, decodeIcmpv6 } from "./icmp.ts";
import { decodeIpv4 } from "./ipv4.ts";
import { decodeIpv6 } from "./ipv6.ts";
import { decodeSll, decodeSll2 } from "./linux_sll.ts";
import { isMplsType, walkMpls } from "./mpls.ts";
import { decodeNullLoop } from "./null_loop.ts";
import {
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  L_DNS,
  L_ETHERNET,
  L_FRAME,
  L_NULL,
  L_OTHER_IP,
  L_OTHER_L2,
  L_SLL,
  L_TLS,
  NET_ARP,
  NET_IPV4,
  NET_IPV6,
  NET_OTHER,
  type PacketRecord,
  R_DNS,
  R_LINK_UNSUPPORTED,
  R_RAW_VERSION,
  R_TLS,
  ST_MALFORMED,
  ST_TRUNCATED,
  ST_UNSUPPORTED,
} from "./packet.ts";
import { markProblem } from "./status.ts";
import { decodeTcp } from "./tcp.ts";
import { decodeTlsClientHello, TLS_MALFORMED, TLS_NONE } from "./tls.ts";
import { decodeUdp } from "./udp.ts";

/** Link types the decoder understands. */
export function isSupportedLinkType(linkType: number): boolean {
  switch (linkType) {
    case LINKTYPE_ETHERNET:
    case LINKTYPE_LINUX_SLL:
    case LINKTYPE_LINUX_SLL2:
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP:
    case LINKTYPE_RAW:
    case LINKTYPE_RAW_12:
    case LINKTYPE_RAW_14:
    case LINKTYPE_IPV4:
    case LINKTYPE_IPV6:
      return true;
  }
  return false;
}

/** Decodes `frame` into `rec` (which is reset first). */
export function decodeFrame(frame: Frame, rec: PacketRecord): void {
  rec.reset();
  rec.frame = frame;
  rec.buf = frame.buf;
  rec.topLayer = L_FRAME;
  const start = frame.offset;
  const end = start + frame.capLen;
  let net = -1;
  switch (frame.linkType) {
    case LINKTYPE_ETHERNET:
      rec.topLayer = L_ETHERNET;
      net = decodeEthernet(rec, start, end);
      break;
    case LINKTYPE_LINUX_SLL:
      rec.topLayer = L_SLL;
      net = decodeSll(rec, start, end);
      break;
    case LINKTYPE_LINUX_SLL2:
      rec.topLayer = L_SLL;
      net = decodeSll2(rec, start, end);
      break;
    case LINKTYPE_NULL:
      rec.topLayer = L_NULL;
      net = decodeNullLoop(rec, start, end, false);
      break;
    case LINKTYPE_LOOP:
      rec.topLayer = L_NULL;
      net = decodeNullLoop(rec, start, end, true);
      break;
    case LINKTYPE_RAW:
    case LINKTYPE_RAW_12:
    case LINKTYPE_RAW_14:
      net = rawIpType(rec, start, end);
      break;
    case LINKTYPE_IPV4:
      rec.etherType = 0x0800;
      net = start;
      break;
    case LINKTYPE_IPV6:
      rec.etherType = 0x86dd;
      net = start;
      break;
    default:
      markProblem(rec, ST_UNSUPPORTED, L_FRAME, R_LINK_UNSUPPORTED);
      return;
  }
  if (net < 0) return;
  if (isMplsType(rec.etherType)) {
    net = walkMpls(rec, net, end);
    if (net < 0) return;
  }
  decodeNetwork(rec, net, end);
}

function rawIpType(rec: PacketRecord, off: number, end: number): number {
  if (off >= end) {
    markProblem(rec, ST_TRUNCATED, L_FRAME, R_RAW_VERSION);
    return -1;
  }
  const v = rec.buf[off]! >>> 4;
  if (v === 4) rec.etherType = 0x0800;
  else if (v === 6) rec.etherType = 0x86dd;
  else {
    markProblem(rec, ST_MALFORMED, L_FRAME, R_RAW_VERSION);
    return -1;
  }
  return off;
}

function decodeNetwork(rec: PacketRecord, off: number, end: number): void {
  const type = rec.etherType;
  let l4 = -1;
  if (type === 0x0800) {
    rec.net = NET_IPV4;
    l4 = decodeIpv4(rec, off, end);
  } else if (type === 0x86dd) {
    rec.net = NET_IPV6;
    l4 = decodeIpv6(rec, off, end);
  } else if (type === 0x0806 || type === 0x8035) {
    // ARP, and RARP (RFC 903), which uses the same packet format.
    rec.net = NET_ARP;
    rec.netOff = off;
    decodeArp(rec, off, end);
    return;
  } else {
    rec.net = NET_OTHER;
    rec.netOff = off;
    rec.topLayer = L_OTHER_L2;
    return;
  }
  if (l4 < 0) return;
  const l4End = l4 + rec.l4CapLen;
  switch (rec.ipProto) {
    case IPPROTO_TCP: {
      const p = decodeTcp(rec, l4, l4End);
      if (p >= 0 && rec.payloadLen > 0) decodeTcpApp(rec);
      return;
    }
    case IPPROTO_UDP: {
      const p = decodeUdp(rec, l4, l4End);
      if (p >= 0 && rec.payloadLen > 0) decodeUdpApp(rec);
      return;
    }
    case IPPROTO_ICMP:
      if (rec.net === NET_IPV4) decodeIcmp(rec, l4, l4End);
      else rec.topLayer = L_OTHER_IP;
      return;
    case IPPROTO_ICMPV6:
      if (rec.net === NET_IPV6) decodeIcmpv6(rec, l4, l4End);
      else rec.topLayer = L_OTHER_IP;
      return;
    default:
      rec.topLayer = L_OTHER_IP;
  }
}

/** DNS over UDP: port 53 (RFC 1035), 5353 (mDNS, RFC 6762), 5355 (LLMNR, RFC 4795). */
function isDnsPort(port: number): boolean {
  return port === 53 || port === 5353 || port === 5355;
}

function decodeUdpApp(rec: PacketRecord): void {
  const sp = rec.srcPort, dp = rec.dstPort;
  if (isDnsPort(sp) || isDnsPort(dp)) {
    // mDNS when either port is 5353, unless the other is 53 (as tcpdump decides).
    const mdns = (sp === 5353 || dp === 5353) && sp !== 53 && dp !== 53;
    decodeDnsAt(rec, rec.payloadOff, rec.payloadLen, rec.payloadWireLen, mdns);
  }
}

function decodeTcpApp(rec: PacketRecord): void {
  const b = rec.buf;
  const off = rec.payloadOff;
  const len = rec.payloadLen;
  if (rec.srcPort === 53 || rec.dstPort === 53) {
    // DNS over TCP (RFC 1035 §4.2.2): a 2-byte length prefix. Only a segment
    // that starts a message with its whole length present is decoded.
    if (len >= 14) {
      const mlen = (b[off]! << 8) | b[off + 1]!;
      if (mlen >= 12 && mlen <= len - 2) decodeDnsAt(rec, off + 2, mlen, mlen, false);
    }
    return;
  }
  // TLS handshake record (content type 22) carrying a ClientHello (type 1).
  if (len >= 6 && b[off] === 22 && b[off + 5] === 1) {
    const st = decodeTlsClientHello(b, off, len, rec.tls);
    if (st === TLS_NONE) {
      rec.tls.reset(); // keep `tls` clean while `app` is L_NONE (see PacketRecord.reset)
      return;
    }
    rec.app = L_TLS;
    rec.topLayer = L_TLS;
    if (st === TLS_MALFORMED) markProblem(rec, ST_MALFORMED, L_TLS, R_TLS);
  }
}

/**
 * Decodes the DNS message at `off` (`len` bytes captured, `wireLen` on the
 * wire). A message cut by the snaplen (DNS_TRUNCATED) is not a problem, as
 * for any payload cut by the snaplen; a malformed one is.
 */
function decodeDnsAt(
  rec: PacketRecord,
  off: number,
  len: number,
  wireLen: number,
  mdns: boolean,
): void {
  rec.app = L_DNS;
  rec.topLayer = L_DNS;
  const st = decodeDns(rec.buf, off, len, rec.dns, wireLen, mdns);
  if (st === DNS_MALFORMED) markProblem(rec, ST_MALFORMED, L_DNS, R_DNS);
}
