/**
 * The decode record: every field NetScope decodes from one packet, held in
 * one reused object with a fixed shape. The decoder (`decode.ts`) resets and
 * refills it per packet; display, JSON output and (later) flow tracking read
 * it. Addresses, DNS names and the TLS SNI stay in the frame buffer as
 * offsets; strings are made only when something prints them.
 *
 * Numeric conventions: -1 means "absent" for offsets; 0 for counters.
 *
 * @module
 */

import { Frame } from "../capture/frame.ts";
import { DnsInfo } from "./dns.ts";
import { TlsInfo } from "./tls.ts";

// ---- layer ids (also used for per-protocol counters and malformed layer) ----
export const L_NONE = 0;
export const L_FRAME = 1;
export const L_ETHERNET = 2;
export const L_VLAN = 3;
export const L_SLL = 4;
export const L_NULL = 5;
export const L_ARP = 6;
export const L_IPV4 = 7;
export const L_IPV6 = 8;
export const L_TCP = 9;
export const L_UDP = 10;
export const L_ICMP = 11;
export const L_ICMPV6 = 12;
export const L_DNS = 13;
export const L_TLS = 14;
export const L_OTHER_IP = 15;
export const L_OTHER_L2 = 16;
export const L_MPLS = 17;
export const LAYER_COUNT = 18;

/** Printable layer names, indexed by layer id. */
export const LAYER_NAMES: readonly string[] = [
  "none",
  "frame",
  "ethernet",
  "vlan",
  "sll",
  "null",
  "arp",
  "ipv4",
  "ipv6",
  "tcp",
  "udp",
  "icmp",
  "icmpv6",
  "dns",
  "tls",
  "ip-other",
  "l2-other",
  "mpls",
];

// ---- network-layer kinds ----
export const NET_NONE = 0;
export const NET_IPV4 = 4;
export const NET_IPV6 = 6;
export const NET_ARP = 1;
export const NET_OTHER = 2;

// ---- IP protocol numbers used by the decoder ----
export const IPPROTO_HOPOPTS = 0;
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_IPV6_ROUTE = 43;
export const IPPROTO_IPV6_FRAG = 44;
export const IPPROTO_GRE = 47;
export const IPPROTO_ESP = 50;
export const IPPROTO_AH = 51;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_NONE = 59;
export const IPPROTO_DSTOPTS = 60;
export const IPPROTO_MH = 135;

// ---- TCP flag bits (RFC 9293 §3.1, RFC 3168 for ECE/CWR, RFC 3540 NS) ----
export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;
export const TCP_NS = 0x100;

/** Maximum VLAN tags whose ids are kept (more are counted and skipped). */
export const MAX_VLAN_TAGS = 8;
/** Maximum SACK blocks kept (RFC 2018: at most 4 fit in the option space). */
export const MAX_SACK_BLOCKS = 4;

// ---- status ----
export const ST_OK = 0;
/** A layer's header is cut short by the capture length (snaplen). */
export const ST_TRUNCATED = 1;
/** A layer's fields contradict each other or the standard. */
export const ST_MALFORMED = 2;
/** The link type or a next-layer id is one NetScope does not decode. */
export const ST_UNSUPPORTED = 3;

// ---- reasons (why a packet is truncated/malformed/unsupported) ----
export const R_NONE = 0;
export const R_LINK_UNSUPPORTED = 1;
export const R_ETH_SHORT = 2;
export const R_VLAN_SHORT = 3;
export const R_SLL_SHORT = 4;
export const R_NULL_SHORT = 5;
export const R_NULL_FAMILY = 6;
export const R_ARP_SHORT = 7;
export const R_IPV4_SHORT = 8;
export const R_IPV4_VERSION = 9;
export const R_IPV4_IHL = 10;
export const R_IPV4_TOTAL_LEN = 11;
export const R_IPV6_SHORT = 12;
export const R_IPV6_VERSION = 13;
export const R_IPV6_EXT_SHORT = 14;
export const R_TCP_SHORT = 15;
export const R_TCP_OFFSET = 16;
export const R_TCP_OPTION = 17;
export const R_UDP_SHORT = 18;
export const R_UDP_LENGTH = 19;
export const R_ICMP_SHORT = 20;
export const R_DNS = 21;
export const R_TLS = 22;
export const R_RAW_VERSION = 23;
export const R_IPV4_CHECKSUM = 24;
export const R_IPV6_EXT_LIMIT = 25;
export const R_ETHERTYPE_UNSUPPORTED = 26;
export const R_MPLS_SHORT = 27;
export const R_IPV4_TRUNC = 28;
export const R_IPV6_TRUNC = 29;

/** Human-readable reasons, indexed by R_* code. */
export const REASON_TEXT: readonly string[] = [
  "",
  "unsupported link type",
  "ethernet header cut short",
  "802.1Q/802.1ad tag cut short",
  "Linux cooked header cut short",
  "null/loopback header cut short",
  "unknown null/loopback address family",
  "ARP packet cut short",
  "IPv4 header cut short",
  "IP version is not 4",
  "IPv4 header length below 20 bytes",
  "IPv4 total length smaller than its header",
  "IPv6 header cut short",
  "IP version is not 6",
  "IPv6 extension header cut short",
  "TCP header cut short",
  "TCP data offset below 5 or beyond the segment",
  "TCP option with a bad length",
  "UDP header cut short",
  "UDP length field below 8 or beyond the IP payload",
  "ICMP header cut short",
  "DNS message malformed",
  "TLS record malformed",
  "raw IP packet with unknown version",
  "IPv4 header checksum mismatch",
  "IPv6 extension header chain too long",
  "unsupported ethertype",
  "MPLS label stack cut short",
  "IPv4 packet shorter than its total length",
  "IPv6 packet shorter than its payload length",
];

/** Name of a status code. */
export const STATUS_NAMES: readonly string[] = ["ok", "truncated", "malformed", "unsupported"];

// Private copies of the constants the per-packet reset methods use: in
// optimised code an exported binding is read through its export cell at
// every use, even inside its own module; a private constant is one context
// load.
const K_ST_OK = ST_OK;
const K_L_NONE = L_NONE;
const K_R_NONE = R_NONE;
const K_NET_NONE = NET_NONE;
const K_NET_ARP = NET_ARP;
const K_L_DNS = L_DNS;
const K_L_TLS = L_TLS;

/** The reused per-packet decode record. */
export class PacketRecord {
  // ---- frame ----
  /** The frame this record was decoded from (the source's reused Frame). */
  frame: Frame = new Frame();
  /** Shortcut to `frame.buf`. */
  buf: Uint8Array = new Uint8Array(0);
  /** The buffer `#view` was made for, and the view (see {@link view}). */
  #viewBuf: Uint8Array = this.buf;
  #view: DataView = new DataView(this.buf.buffer);

  // ---- overall status ----
  /** ST_* of the first problem met (ST_OK if none). */
  status = ST_OK;
  /** Layer (L_*) at which the problem was met. */
  statusLayer = L_NONE;
  /** R_* reason. */
  reason = R_NONE;
  /** Deepest layer decoded (L_*): the packet's "protocol" for counters. */
  topLayer = L_NONE;

  // ---- link layer ----
  /** Offset of the Ethernet/SLL header, -1 if none. */
  linkOff = -1;
  /** Offset of the destination MAC (Ethernet) or -1. */
  macDstOff = -1;
  /** Offset of the source MAC (Ethernet/SLL with 6-byte address) or -1. */
  macSrcOff = -1;
  /** Ethertype of the network layer after all VLAN tags (or SLL protocol). */
  etherType = 0;
  /** Number of VLAN tags walked (may exceed MAX_VLAN_TAGS). */
  vlanCount = 0;
  /** VLAN ids, outermost first. */
  readonly vlanIds: Uint16Array = new Uint16Array(MAX_VLAN_TAGS);
  /** VLAN TPIDs (0x8100, 0x88a8, ...), outermost first. */
  readonly vlanTpids: Uint16Array = new Uint16Array(MAX_VLAN_TAGS);
  /** VLAN PCP (priority) values, outermost first. */
  readonly vlanPcps: Uint8Array = new Uint8Array(MAX_VLAN_TAGS);
  /** SLL/SLL2 packet type (0 = to us, 4 = outgoing, ...), -1 if not SLL. */
  sllPacketType = -1;
  /** NULL/LOOP address family, -1 if not NULL/LOOP. */
  nullFamily = -1;
  /** Number of MPLS labels walked. */
  mplsCount = 0;
  /** Outermost MPLS label (valid when mplsCount > 0). */
  mplsLabel = 0;
  /** Offset of the first MPLS label stack entry, -1 if none. */
  mplsOff = -1;

  // ---- network layer ----
  /** NET_* kind of network layer. */
  net = NET_NONE;
  /** Offset of the network header. */
  netOff = -1;
  /** Network header length incl. IPv4 options / IPv6 extension headers. */
  netHdrLen = 0;
  /** Offset of the source address (4 or 16 bytes), -1 if none. */
  srcAddrOff = -1;
  /** Offset of the destination address, -1 if none. */
  dstAddrOff = -1;
  /** IPv4 source as an unsigned 32-bit number (0 for IPv6). */
  srcV4 = 0;
  /** IPv4 destination as an unsigned 32-bit number (0 for IPv6). */
  dstV4 = 0;
  /** IPv4 total length / IPv6 40 + payload length (declared). */
  ipTotalLen = 0;
  /** IPv4 TTL / IPv6 hop limit. */
  ttl = 0;
  /** IPv4 identification / IPv6 fragment identification. */
  ipId = 0;
  /** IPv4 TOS / IPv6 traffic class. */
  tos = 0;
  /** IPv6 flow label. */
  flowLabel = 0;
  /** IPv4 flags (3 bits: reserved, DF, MF). */
  ipFlags = 0;
  /** Fragment offset in bytes. */
  fragOffset = 0;
  /**
   * 1 if the packet is a fragment: MF set or offset > 0 (IPv4, or an IPv6
   * Fragment header; an atomic IPv6 fragment, RFC 6946, is not one).
   */
  isFragment = 0;
  /** 1 if the packet carries more fragments (MF). */
  moreFragments = 0;
  /** IPv4 header checksum: 1 good, 0 bad, -1 not verified. */
  ipChecksumOk = -1;
  /** IPv4 header checksum as on the wire. */
  ipChecksum = 0;
  /** Transport protocol number after the IPv6 extension chain / IPv4 protocol. */
  ipProto = -1;
  /** Number of IPv6 extension headers walked. */
  ipv6ExtCount = 0;
  /** Offset just past the network header (transport header), -1 if none. */
  l4Off = -1;
  /** Bytes of transport data available: min(declared by IP, captured). */
  l4CapLen = 0;
  /** Transport length declared by the IP header. */
  l4Len = 0;

  // ---- ARP ----
  arpOp = 0;
  arpHwType = 0;
  arpProtoType = 0;
  /** Offsets of sender/target hardware and protocol addresses (-1 if none). */
  arpSha = -1;
  arpSpa = -1;
  arpTha = -1;
  arpTpa = -1;
  arpHln = 0;
  arpPln = 0;

  // ---- transport ----
  srcPort = -1;
  dstPort = -1;
  tcpSeq = 0;
  tcpAck = 0;
  /** TCP flag bits (TCP_* incl. NS as bit 8). */
  tcpFlags = 0;
  tcpWindow = 0;
  tcpHdrLen = 0;
  tcpUrgent = 0;
  tcpChecksum = 0;
  /** MSS option value, -1 if absent. */
  tcpMss = -1;
  /** Window scale shift count, -1 if absent. */
  tcpWscale = -1;
  /** 1 if SACK-permitted option present. */
  tcpSackPerm = 0;
  /** Number of SACK blocks. */
  tcpSackCount = 0;
  /** SACK edges: left0, right0, left1, right1, ... */
  readonly tcpSack: Float64Array = new Float64Array(MAX_SACK_BLOCKS * 2);
  /** 1 if the timestamps option is present. */
  tcpHasTs = 0;
  tcpTsVal = 0;
  tcpTsEcr = 0;
  /** UDP length field. */
  udpLen = 0;
  udpChecksum = 0;
  icmpType = -1;
  icmpCode = -1;
  icmpChecksum = 0;
  /** Echo identifier / sequence (ICMP/ICMPv6 echo), -1 otherwise. */
  icmpId = -1;
  icmpSeq = -1;
  /** ICMPv6 ND target address offset (NS/NA/redirect), -1 otherwise. */
  icmpTargetOff = -1;
  /** Offset of the application payload (after TCP/UDP header), -1 if none. */
  payloadOff = -1;
  /** Application payload length present in the capture. */
  payloadLen = 0;
  /** Application payload length as declared (TCP: IP len - headers). */
  payloadWireLen = 0;

  // ---- application ----
  /**
   * L_DNS, L_TLS or L_NONE. `dns` / `tls` hold decoded data only when `app`
   * says so; the other one (both while `app` is L_NONE) is in its reset
   * state.
   */
  app = L_NONE;
  readonly dns: DnsInfo = new DnsInfo();
  readonly tls: TlsInfo = new TlsInfo();

  /**
   * A DataView over exactly the bytes of `buf`, for the decoders' 16/32-bit
   * big-endian reads (one bounds check and one load instead of one per
   * byte). Made again only when `buf` changed (once per input chunk); kept
   * behind a getter so that it is not one of the record's enumerable fields.
   */
  get view(): DataView {
    if (this.#viewBuf !== this.buf) {
      const b = this.buf;
      this.#viewBuf = b;
      this.#view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    }
    return this.#view;
  }

  /** Resets every field to its initial value. */
  reset(): void {
    // `dns` and `tls` are only ever filled for a packet whose `app` names
    // them (decode.ts keeps that true), so only that one needs clearing.
    if (this.app === K_L_DNS) this.dns.reset();
    else if (this.app === K_L_TLS) this.tls.reset();
    this.resetPayload();
    this.resetHeaders();
  }

  /**
   * Resets the link- and network-layer fields (`status` .. `l4Len`). With
   * {@link resetPayload} and the `dns`/`tls` clearing of {@link reset} it
   * makes a full reset; the decoder's fast path writes these fields itself.
   */
  resetHeaders(): void {
    this.status = K_ST_OK;
    this.statusLayer = K_L_NONE;
    this.reason = K_R_NONE;
    this.topLayer = K_L_NONE;
    this.linkOff = -1;
    this.macDstOff = -1;
    this.macSrcOff = -1;
    this.etherType = 0;
    this.vlanCount = 0;
    this.sllPacketType = -1;
    this.nullFamily = -1;
    this.mplsCount = 0;
    this.mplsLabel = 0;
    this.mplsOff = -1;
    this.net = K_NET_NONE;
    this.netOff = -1;
    this.netHdrLen = 0;
    this.srcAddrOff = -1;
    this.dstAddrOff = -1;
    this.srcV4 = 0;
    this.dstV4 = 0;
    this.ipTotalLen = 0;
    this.ttl = 0;
    this.ipId = 0;
    this.tos = 0;
    this.flowLabel = 0;
    this.ipFlags = 0;
    this.fragOffset = 0;
    this.isFragment = 0;
    this.moreFragments = 0;
    this.ipChecksumOk = -1;
    this.ipChecksum = 0;
    this.ipProto = -1;
    this.ipv6ExtCount = 0;
    this.l4Off = -1;
    this.l4CapLen = 0;
    this.l4Len = 0;
  }

  /**
   * Resets the ARP, transport and application fields and sets `app` to
   * L_NONE, leaving the contents of `dns` / `tls` alone (the caller clears
   * the one the previous `app` named). Call before {@link resetHeaders}:
   * whether the ARP fields need clearing is read from `net`.
   */
  resetPayload(): void {
    // Groups only some packets fill are cleared only when the previous
    // packet filled them (the decoders write them on no other path): this
    // skips about 20 stores for a plain TCP/UDP packet. The robustness test
    // compares a reused record with a fresh one after every decode.
    if (this.net === K_NET_ARP) {
      this.arpOp = 0;
      this.arpHwType = 0;
      this.arpProtoType = 0;
      this.arpSha = -1;
      this.arpSpa = -1;
      this.arpTha = -1;
      this.arpTpa = -1;
      this.arpHln = 0;
      this.arpPln = 0;
    }
    if (this.tcpHdrLen > 20) {
      this.tcpMss = -1;
      this.tcpWscale = -1;
      this.tcpSackPerm = 0;
      this.tcpSackCount = 0;
      this.tcpHasTs = 0;
      this.tcpTsVal = 0;
      this.tcpTsEcr = 0;
    }
    if (this.icmpType !== -1 || this.icmpCode !== -1) {
      this.icmpType = -1;
      this.icmpCode = -1;
      this.icmpChecksum = 0;
      this.icmpId = -1;
      this.icmpSeq = -1;
      this.icmpTargetOff = -1;
    }
    this.srcPort = -1;
    this.dstPort = -1;
    this.tcpSeq = 0;
    this.tcpAck = 0;
    this.tcpFlags = 0;
    this.tcpWindow = 0;
    this.tcpHdrLen = 0;
    this.tcpUrgent = 0;
    this.tcpChecksum = 0;
    this.udpLen = 0;
    this.udpChecksum = 0;
    this.payloadOff = -1;
    this.payloadLen = 0;
    this.payloadWireLen = 0;
    this.app = K_L_NONE;
  }
}
