/**
 * The canonical bidirectional flow key of a decoded packet, and the
 * symmetric flow hash used to find its slot (and, later, its shard).
 *
 * A key is (IP version, IP protocol, outer VLAN id, endpoint A, endpoint B).
 * An endpoint is an address (IPv4 as one u32, IPv6 as four u32 words, both
 * in network order) and a port: the TCP/UDP/SCTP port, 0 for every other
 * protocol (ICMP, ICMPv6, GRE, ESP... are address-pair flows). The two
 * endpoints are ordered: A is the smaller one, comparing the address words
 * as unsigned numbers first and the port second, so both directions of a
 * conversation give the same key. `FlowKey.dir` says which way the packet
 * went: 0 = A→B, 1 = B→A.
 *
 * Only the outermost VLAN id counts (inner tags, MPLS labels and tunnel
 * contents do not): tunnelled traffic (GRE, VXLAN) is accounted in the
 * outer packet's flow. The IPv6 protocol is the one after the extension
 * header chain (if the chain is cut short, the last next-header reached).
 *
 * Packets without an IP header (ARP, other ethertypes, frames the decoder
 * could not take as far as the IP addresses) have no key
 * (`KEY_NO_IP`). Non-initial IPv4/IPv6 fragments have none either
 * (`KEY_FRAGMENT`): they carry no transport header, so their ports are
 * unknown. This is how tshark counts conversations with IP reassembly off
 * and how the reference tool treats fragments (README: "IPv4 non-initial
 * fragments are skipped for flow tracking").
 *
 * The hash combines one hash per endpoint by addition (commutative, so
 * A→B and B→A hash alike before any ordering) and mixes in the protocol,
 * VLAN and IP version with the MurmurHash3 finaliser. Nothing here
 * allocates: the key is written into a reused `FlowKey`.
 *
 * @module
 */

import {
  IPPROTO_TCP,
  IPPROTO_UDP,
  NET_IPV4,
  NET_IPV6,
  type PacketRecord,
} from "../protocol/packet.ts";
import { fmix32, mixWord } from "./murmur3.ts";

/** IP protocol number of SCTP (RFC 9260), whose ports are part of the key. */
export const IPPROTO_SCTP = 132;

/** `extractFlowKey` status: the key is valid. */
export const KEY_OK = 0;
/** `extractFlowKey` status: no IP header with both addresses (ARP, other ethertypes, damaged). */
export const KEY_NO_IP = 1;
/** `extractFlowKey` status: a non-initial IPv4/IPv6 fragment (no transport header). */
export const KEY_FRAGMENT = 2;

/** Address family of a key: IPv4. */
export const FAMILY_V4 = 0;
/** Address family of a key: IPv6. */
export const FAMILY_V6 = 1;

/** A flow key, filled in place by `extractFlowKey` (one reused instance per user). */
export class FlowKey {
  /** FAMILY_V4 or FAMILY_V6. */
  family = FAMILY_V4;
  /** IP protocol number (after the IPv6 extension-header chain). */
  proto = 0;
  /** Outermost VLAN id (12 bits), 0 when the frame is untagged. */
  vlan = 0;
  /**
   * Endpoint A's address words (IPv4: a0 only, a1..a3 = 0) as signed 32-bit
   * integers (`| 0`: small integers for V8, no boxed doubles); `>>> 0` gives
   * the unsigned value.
   */
  a0 = 0;
  a1 = 0;
  a2 = 0;
  a3 = 0;
  /** Endpoint B's address words. */
  b0 = 0;
  b1 = 0;
  b2 = 0;
  b3 = 0;
  /** Endpoint A's port (0 when the protocol has none or it was not captured). */
  portA = 0;
  /** Endpoint B's port. */
  portB = 0;
  /** Direction of the packet: 0 = A→B (its source is A), 1 = B→A. */
  dir = 0;
  /** Symmetric hash of the key, a signed 32-bit integer. */
  hash = 0;
}

/** Hash of one IPv4 endpoint. */
export function endpointHashV4(addr: number, port: number): number {
  return fmix32((addr + Math.imul(port + 1, 0x9e3779b1)) | 0);
}

/** Hash of one IPv6 endpoint (address as four words, network order). */
export function endpointHashV6(
  w0: number,
  w1: number,
  w2: number,
  w3: number,
  port: number,
): number {
  const h = mixWord(mixWord(mixWord(mixWord(0x2545f491, w0), w1), w2), w3);
  return fmix32((h + Math.imul(port + 1, 0x9e3779b1)) | 0);
}

/**
 * Combines two endpoint hashes with the rest of the key. Addition makes
 * the result independent of the endpoints' order.
 */
export function combineFlowHash(
  h1: number,
  h2: number,
  proto: number,
  vlan: number,
  family: number,
): number {
  const rest = Math.imul(proto | (vlan << 8) | (family << 20), 0x27d4eb2f);
  return fmix32(((h1 + h2) | 0) ^ rest);
}

/** Reads the big-endian 32-bit word at `buf[o..o+4)` as a signed integer. */
function be32(b: Uint8Array, o: number): number {
  return (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
}

/**
 * XOR with this flips the sign bit, so that signed comparison of the
 * results orders the inputs as unsigned 32-bit numbers.
 */
const BIAS = -0x80000000;

/**
 * Fills `key` from the decoded packet `rec`. Returns KEY_OK, KEY_NO_IP or
 * KEY_FRAGMENT; on anything but KEY_OK the key's fields are stale.
 *
 * Kept small (the work is in `keyV4` / `keyV6`) so that V8 can inline it
 * and the IPv4 half into the flow table's `observe`.
 */
export function extractFlowKey(rec: PacketRecord, key: FlowKey): number {
  const net = rec.net;
  if ((net !== NET_IPV4 && net !== NET_IPV6) || rec.srcAddrOff < 0 || rec.ipProto < 0) {
    return KEY_NO_IP;
  }
  if (rec.fragOffset > 0) return KEY_FRAGMENT;
  if (net === NET_IPV4) keyV4(rec, key);
  else keyV6(rec, key);
  return KEY_OK;
}

/**
 * The key's ports, packed as (source << 16) | destination: TCP/UDP ports
 * when the decoder read them, SCTP's from its common header (RFC 9260
 * §3.1), else 0.
 */
function packedPorts(rec: PacketRecord): number {
  const proto = rec.ipProto;
  if (proto === IPPROTO_TCP || proto === IPPROTO_UDP) {
    return rec.srcPort >= 0 ? (rec.srcPort << 16) | rec.dstPort : 0;
  }
  if (proto === IPPROTO_SCTP && rec.l4Off >= 0 && rec.l4CapLen >= 4) {
    const b = rec.buf, o = rec.l4Off;
    return (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
  }
  return 0;
}

/** The outermost VLAN id, 0 when untagged. */
function outerVlan(rec: PacketRecord): number {
  return rec.vlanCount > 0 ? rec.vlanIds[0]! & 0xfff : 0;
}

/** The IPv4 half of extractFlowKey. */
function keyV4(rec: PacketRecord, key: FlowKey): void {
  const proto = rec.ipProto;
  const pp = packedPorts(rec);
  const sp = pp >>> 16, dp = pp & 0xffff;
  const vlan = rec.vlanCount > 0 ? outerVlan(rec) : 0;
  const s = rec.srcV4 | 0, d = rec.dstV4 | 0;
  key.family = FAMILY_V4;
  key.proto = proto;
  key.vlan = vlan;
  key.hash = combineFlowHash(endpointHashV4(s, sp), endpointHashV4(d, dp), proto, vlan, 0);
  key.a1 = 0;
  key.a2 = 0;
  key.a3 = 0;
  key.b1 = 0;
  key.b2 = 0;
  key.b3 = 0;
  const sb = s ^ BIAS, db = d ^ BIAS;
  if (sb < db || (sb === db && sp <= dp)) {
    key.a0 = s;
    key.b0 = d;
    key.portA = sp;
    key.portB = dp;
    key.dir = 0;
  } else {
    key.a0 = d;
    key.b0 = s;
    key.portA = dp;
    key.portB = sp;
    key.dir = 1;
  }
}

/**
 * The IPv6 half of extractFlowKey. Both 16-byte addresses lie inside the
 * captured fixed header (the decoder sets `srcAddrOff` only then).
 */
function keyV6(rec: PacketRecord, key: FlowKey): void {
  const proto = rec.ipProto;
  const pp = packedPorts(rec);
  const sp = pp >>> 16, dp = pp & 0xffff;
  const vlan = outerVlan(rec);
  const b = rec.buf, so = rec.srcAddrOff, d0 = rec.dstAddrOff;
  const s0 = be32(b, so), s1 = be32(b, so + 4), s2 = be32(b, so + 8), s3 = be32(b, so + 12);
  const t0 = be32(b, d0), t1 = be32(b, d0 + 4), t2 = be32(b, d0 + 8), t3 = be32(b, d0 + 12);
  key.family = FAMILY_V6;
  key.proto = proto;
  key.vlan = vlan;
  key.hash = combineFlowHash(
    endpointHashV6(s0, s1, s2, s3, sp),
    endpointHashV6(t0, t1, t2, t3, dp),
    proto,
    vlan,
    1,
  );
  // Unsigned word-by-word comparison, then ports: c <= 0 when source <= destination.
  let c = s0 !== t0
    ? (s0 ^ BIAS) - (t0 ^ BIAS)
    : s1 !== t1
    ? (s1 ^ BIAS) - (t1 ^ BIAS)
    : s2 !== t2
    ? (s2 ^ BIAS) - (t2 ^ BIAS)
    : (s3 ^ BIAS) - (t3 ^ BIAS);
  if (c === 0) c = sp - dp;
  if (c <= 0) {
    key.a0 = s0;
    key.a1 = s1;
    key.a2 = s2;
    key.a3 = s3;
    key.b0 = t0;
    key.b1 = t1;
    key.b2 = t2;
    key.b3 = t3;
    key.portA = sp;
    key.portB = dp;
    key.dir = 0;
  } else {
    key.a0 = t0;
    key.a1 = t1;
    key.a2 = t2;
    key.a3 = t3;
    key.b0 = s0;
    key.b1 = s1;
    key.b2 = s2;
    key.b3 = s3;
    key.portA = dp;
    key.portB = sp;
    key.dir = 1;
  }
}

const hashScratch = new FlowKey();

/**
 * The symmetric flow hash of a decoded packet (equal for both directions
 * of a flow), as an unsigned 32-bit number; 0 for a packet without a flow
 * key. Meant for routing packets to shards; the flow table uses the same
 * value to place the flow.
 */
export function flowHash(rec: PacketRecord): number {
  return extractFlowKey(rec, hashScratch) === KEY_OK ? hashScratch.hash >>> 0 : 0;
}
