/**
 * The packet decoder: one frame in, one filled `PacketRecord` out. It walks
 * the layers in order (link → VLAN/MPLS → network → transport → DNS/TLS),
 * each layer module returning where the next header starts or -1; the
 * common Ethernet/IP/TCP|UDP frame takes a flat path that gives the same
 * record with fewer stores (see {@link decodeFrame}). Nothing is allocated
 * and nothing throws: problems are recorded as a status, a layer and a
 * reason on the record.
 *
 * @module
 */

import type { Frame } from "../capture/frame.ts";
import * as frameModule from "../capture/frame.ts";
import { decodeArp } from "./arp.ts";
import * as dnsModule from "./dns.ts";
import * as ethernetModule from "./ethernet.ts";
import { decodeIcmp, decodeIcmpv6 } from "./icmp.ts";
import * as ipv4Module from "./ipv4.ts";
import * as ipv6Module from "./ipv6.ts";
import { decodeSll, decodeSll2 } from "./linux_sll.ts";
import { isMplsType, walkMpls } from "./mpls.ts";
import { decodeNullLoop } from "./null_loop.ts";
import type { PacketRecord } from "./packet.ts";
import * as packet from "./packet.ts";
import { markProblem } from "./status.ts";
import * as tcpModule from "./tcp.ts";
import * as tlsModule from "./tls.ts";
import * as udpModule from "./udp.ts";

// Module-level copies of the imports the per-packet code uses. In optimised
// code an imported binding is read at every use through a chain of
// dependent loads (module, export cell, value) and a TDZ check; a constant
// of this module costs one context load. Measured on the benchmark
// traffic: about 8 ns per packet over the reader, decoder and counters.
const {
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
} = frameModule;
const { decodeDnsMessage, DNS_MALFORMED } = dnsModule;
const { decodeEthernet, ETHERNET_HEADER_LEN } = ethernetModule;
const { decodeIpv4, IPV4_MIN_HEADER_LEN } = ipv4Module;
const { decodeIpv6, IPV6_HEADER_LEN } = ipv6Module;
const { decodeTcp } = tcpModule;
const { decodeTlsClientHello, TLS_MALFORMED, TLS_NONE } = tlsModule;
const { decodeUdp } = udpModule;
const {
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  L_DNS,
  L_ETHERNET,
  L_FRAME,
  L_IPV4,
  L_IPV6,
  L_NONE,
  L_NULL,
  L_OTHER_IP,
  L_OTHER_L2,
  L_SLL,
  L_TLS,
  NET_ARP,
  NET_IPV4,
  NET_IPV6,
  NET_OTHER,
  R_DNS,
  R_LINK_UNSUPPORTED,
  R_NONE,
  R_RAW_VERSION,
  R_TLS,
  ST_MALFORMED,
  ST_OK,
  ST_TRUNCATED,
  ST_UNSUPPORTED,
} = packet;

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

/**
 * Decodes `frame` into `rec`, replacing everything the previous decode left
 * there (the result equals decoding into a fresh record).
 *
 * The common frame, Ethernet with at most one 802.1Q tag carrying an
 * unfragmented option-less IPv4 header (or an IPv6 header without extension
 * headers) followed by TCP or UDP, whose lengths are all consistent, takes a
 * flat path ({@link decodeFastEthernet}) that checks those conditions first,
 * then writes each link and network field once instead of resetting it and
 * writing it again. Anything else takes the layer-by-layer path
 * ({@link decodeFrameLayered}); both give the same record.
 */
export function decodeFrame(frame: Frame, rec: PacketRecord): void {
  const prevApp = rec.app;
  const b = frame.buf;
  // Pointer stores cost a write barrier: skip them when nothing changed.
  if (rec.frame !== frame) rec.frame = frame;
  if (rec.buf !== b) rec.buf = b;
  rec.resetPayload();
  if (frame.linkType !== LINKTYPE_ETHERNET || !decodeFastEthernet(frame, rec)) {
    rec.resetHeaders();
    decodeLayers(frame, rec);
  }
  // The previous packet's DNS / TLS data is cleared only if this packet
  // did not overwrite it (decodeDns and decodeTlsClientHello write every
  // field of theirs).
  if (prevApp !== L_NONE && rec.app !== prevApp) {
    if (prevApp === L_DNS) rec.dns.reset();
    else rec.tls.reset();
  }
}

/**
 * The layer-by-layer decode alone, for tests that check the fast path
 * against it: `rec` is fully reset first.
 */
export function decodeFrameLayered(frame: Frame, rec: PacketRecord): void {
  rec.reset();
  rec.frame = frame;
  rec.buf = frame.buf;
  decodeLayers(frame, rec);
}

/**
 * The flat path of {@link decodeFrame} for Ethernet frames (exported for
 * the test that holds it to the layered path). Returns false, having written
 * nothing, when the frame is not one it takes; otherwise it writes every
 * field {@link PacketRecord.resetHeaders} covers exactly as decodeEthernet /
 * walkVlanTags / decodeIpv4 / decodeIpv6 would, then decodes the transport
 * layer as the layered path does. `rec` must have `frame` and `buf` set and
 * its payload fields reset ({@link PacketRecord.resetPayload}).
 */
export function decodeFastEthernet(frame: Frame, rec: PacketRecord): boolean {
  const v = rec.view;
  const start = frame.offset;
  const end = start + frame.capLen;
  let off = start + ETHERNET_HEADER_LEN;
  if (off + IPV4_MIN_HEADER_LEN > end) return false;
  let type = v.getUint16(start + 12);
  let tci = -1;
  if (type === 0x8100) {
    // One 802.1Q tag (IEEE 802.1Q-2018 §9.6); a stack takes the layered path.
    if (off + 4 + IPV4_MIN_HEADER_LEN > end) return false;
    const tag = v.getInt32(off);
    tci = tag >>> 16;
    type = tag & 0xffff;
    off += 4;
  }
  // Bytes of this packet on the wire, counted from the network header.
  const wireAvail = frame.wireLen - (off - start);
  let l4: number;
  let proto: number;
  if (type === 0x0800) {
    // IPv4 (RFC 791 §3.1): version 4, IHL 5, 20 <= total length <= what was
    // on the wire (0, the TSO case, and a lying length take the layered
    // path), neither MF nor a fragment offset, TCP or UDP. The header is
    // read as five 32-bit words.
    const w0 = v.getInt32(off); // version/IHL, TOS, total length
    if (w0 >>> 24 !== 0x45) return false;
    const total = w0 & 0xffff;
    if (total < IPV4_MIN_HEADER_LEN || total > wireAvail) return false;
    const w1 = v.getInt32(off + 4); // identification, flags/fragment offset
    if ((w1 & 0x3fff) !== 0) return false;
    const w2 = v.getInt32(off + 8); // TTL, protocol, header checksum
    proto = (w2 >>> 16) & 0xff;
    if (proto !== IPPROTO_TCP && proto !== IPPROTO_UDP) return false;
    const src = v.getInt32(off + 12);
    const dst = v.getInt32(off + 16);
    writeEthernet(rec, start, type, tci);
    rec.topLayer = L_IPV4;
    rec.net = NET_IPV4;
    rec.netOff = off;
    rec.netHdrLen = IPV4_MIN_HEADER_LEN;
    rec.srcAddrOff = off + 12;
    rec.dstAddrOff = off + 16;
    rec.srcV4 = src >>> 0;
    rec.dstV4 = dst >>> 0;
    rec.ipTotalLen = total;
    rec.ttl = w2 >>> 24;
    rec.ipId = w1 >>> 16;
    rec.tos = (w0 >>> 16) & 0xff;
    rec.flowLabel = 0;
    rec.ipFlags = (w1 & 0xffff) >>> 13;
    rec.fragOffset = 0;
    rec.isFragment = 0;
    rec.moreFragments = 0;
    // RFC 1071 over the ten 16-bit words of the header.
    let sum = (w0 >>> 16) + (w0 & 0xffff) + (w1 >>> 16) + (w1 & 0xffff) + (w2 >>> 16) +
      (w2 & 0xffff) + (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff);
    sum = (sum & 0xffff) + (sum >>> 16);
    sum = (sum & 0xffff) + (sum >>> 16);
    rec.ipChecksumOk = sum === 0xffff ? 1 : 0;
    rec.ipChecksum = w2 & 0xffff;
    rec.ipProto = proto;
    rec.ipv6ExtCount = 0;
    l4 = off + IPV4_MIN_HEADER_LEN;
    const l4Len = total - IPV4_MIN_HEADER_LEN;
    rec.l4Off = l4;
    rec.l4Len = l4Len;
    rec.l4CapLen = end - l4 < l4Len ? end - l4 : l4Len;
  } else if (type === 0x86dd) {
    // IPv6 (RFC 8200 §3): version 6, a non-zero payload length within what
    // was on the wire, TCP or UDP straight after the fixed header.
    if (off + IPV6_HEADER_LEN > end) return false;
    const w0 = v.getInt32(off); // version, traffic class, flow label
    if (w0 >>> 28 !== 6) return false;
    const w1 = v.getInt32(off + 4); // payload length, next header, hop limit
    const plen = w1 >>> 16;
    if (plen === 0 || IPV6_HEADER_LEN + plen > wireAvail) return false;
    proto = (w1 >>> 8) & 0xff;
    if (proto !== IPPROTO_TCP && proto !== IPPROTO_UDP) return false;
    writeEthernet(rec, start, type, tci);
    rec.topLayer = L_IPV6;
    rec.net = NET_IPV6;
    rec.netOff = off;
    rec.netHdrLen = IPV6_HEADER_LEN;
    rec.srcAddrOff = off + 8;
    rec.dstAddrOff = off + 24;
    rec.srcV4 = 0;
    rec.dstV4 = 0;
    rec.ipTotalLen = IPV6_HEADER_LEN + plen;
    rec.ttl = w1 & 0xff;
    rec.ipId = 0;
    rec.tos = (w0 >>> 20) & 0xff;
    rec.flowLabel = w0 & 0xfffff;
    rec.ipFlags = 0;
    rec.fragOffset = 0;
    rec.isFragment = 0;
    rec.moreFragments = 0;
    rec.ipChecksumOk = -1;
    rec.ipChecksum = 0;
    rec.ipProto = proto;
    rec.ipv6ExtCount = 0;
    l4 = off + IPV6_HEADER_LEN;
    rec.l4Off = l4;
    rec.l4Len = plen;
    rec.l4CapLen = end - l4 < plen ? end - l4 : plen;
  } else {
    return false;
  }
  decodeTransport(rec, proto, l4);
  return true;
}

/** The link-layer fields of an Ethernet frame with at most one tag (`tci` -1: none). */
function writeEthernet(rec: PacketRecord, start: number, type: number, tci: number): void {
  rec.status = ST_OK;
  rec.statusLayer = L_NONE;
  rec.reason = R_NONE;
  rec.linkOff = start;
  rec.macDstOff = start;
  rec.macSrcOff = start + 6;
  rec.etherType = type;
  if (tci < 0) {
    rec.vlanCount = 0;
  } else {
    rec.vlanTpids[0] = 0x8100;
    rec.vlanIds[0] = tci & 0x0fff;
    rec.vlanPcps[0] = tci >>> 13;
    rec.vlanCount = 1;
  }
  rec.sllPacketType = -1;
  rec.nullFamily = -1;
  rec.mplsCount = 0;
  rec.mplsLabel = 0;
  rec.mplsOff = -1;
}

/** Layer by layer from the link header; `rec` is reset, `frame` and `buf` set. */
function decodeLayers(frame: Frame, rec: PacketRecord): void {
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
  const proto = rec.ipProto;
  if (proto === IPPROTO_TCP || proto === IPPROTO_UDP) {
    decodeTransport(rec, proto, l4);
    return;
  }
  const l4End = l4 + rec.l4CapLen;
  switch (proto) {
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

/** TCP or UDP (`proto`) at `l4`, then the application layer. */
function decodeTransport(rec: PacketRecord, proto: number, l4: number): void {
  const l4End = l4 + rec.l4CapLen;
  if (proto === IPPROTO_TCP) {
    const p = decodeTcp(rec, l4, l4End);
    if (p >= 0 && rec.payloadLen > 0) decodeTcpApp(rec);
  } else {
    const p = decodeUdp(rec, l4, l4End);
    if (p >= 0 && rec.payloadLen > 0) decodeUdpApp(rec);
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
  const st = decodeDnsMessage(rec.buf, off, off + len, rec.dns, wireLen, mdns);
  if (st === DNS_MALFORMED) markProblem(rec, ST_MALFORMED, L_DNS, R_DNS);
}
