/**
 * IPv4 (RFC 791 §3.1): version/IHL (0), TOS (1), total length (2..4),
 * identification (4..6), flags/fragment offset (6..8), TTL (8), protocol
 * (9), header checksum (10..12), source (12..16), destination (16..20),
 * options up to IHL*4.
 *
 * The transport data is trimmed to the total length (Ethernet padding is
 * not payload) and to what was captured. A total length of 0 is the TSO
 * quirk (the NIC fills it in after capture, as Wireshark notes): the
 * packet's length on the wire is used instead. An impossible header length
 * (IHL < 5) or total length (< header) makes the header untrustworthy: the
 * packet is malformed and, as in Wireshark, no addresses are reported. The header checksum (RFC 1071) is
 * verified when the whole header is captured; a mismatch is flagged, the
 * packet is still decoded.
 *
 * @module
 */

import {
  L_IPV4,
  type PacketRecord,
  R_IPV4_IHL,
  R_IPV4_SHORT,
  R_IPV4_TOTAL_LEN,
  R_IPV4_TRUNC,
  R_IPV4_VERSION,
  ST_MALFORMED,
  ST_TRUNCATED,
} from "./packet.ts";
import { markProblem } from "./status.ts";

export const IPV4_MIN_HEADER_LEN = 20;

/** RFC 1071 one's-complement sum over `buf[off..off+len)`; 0xffff if the header is valid. */
export function onesComplementSum(buf: Uint8Array, off: number, len: number): number {
  let sum = 0;
  const last = off + len - 1;
  let i = off;
  for (; i < last; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!;
  if (i === last) sum += buf[i]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/**
 * `onesComplementSum(b, o, 20)` unrolled for the option-less header, the
 * common case: it saves about a third of the checksum time.
 */
function sum20(b: Uint8Array, o: number): number {
  let sum = ((b[o]! << 8) | b[o + 1]!) + ((b[o + 2]! << 8) | b[o + 3]!) +
    ((b[o + 4]! << 8) | b[o + 5]!) + ((b[o + 6]! << 8) | b[o + 7]!) +
    ((b[o + 8]! << 8) | b[o + 9]!) + ((b[o + 10]! << 8) | b[o + 11]!) +
    ((b[o + 12]! << 8) | b[o + 13]!) + ((b[o + 14]! << 8) | b[o + 15]!) +
    ((b[o + 16]! << 8) | b[o + 17]!) + ((b[o + 18]! << 8) | b[o + 19]!);
  sum = (sum & 0xffff) + (sum >>> 16);
  return (sum & 0xffff) + (sum >>> 16);
}

/**
 * Decodes the IPv4 header at `off`. Returns the transport header offset
 * (and sets `rec.l4Off`, `rec.l4CapLen`, `rec.l4Len`, `rec.ipProto`), or -1
 * when no transport header follows (truncated, malformed, non-initial fragment).
 */
export function decodeIpv4(rec: PacketRecord, off: number, end: number): number {
  rec.topLayer = L_IPV4;
  rec.netOff = off;
  const b = rec.buf;
  if (off + 1 > end) {
    markProblem(rec, ST_TRUNCATED, L_IPV4, R_IPV4_SHORT);
    return -1;
  }
  const v = b[off]! >>> 4;
  if (v !== 4) {
    markProblem(rec, ST_MALFORMED, L_IPV4, R_IPV4_VERSION);
    return -1;
  }
  if (off + IPV4_MIN_HEADER_LEN > end) {
    markProblem(rec, ST_TRUNCATED, L_IPV4, R_IPV4_SHORT);
    return -1;
  }
  const hl = (b[off]! & 0x0f) << 2;
  rec.netHdrLen = hl;
  if (hl < IPV4_MIN_HEADER_LEN) {
    markProblem(rec, ST_MALFORMED, L_IPV4, R_IPV4_IHL);
    return -1;
  }
  // Bytes of this packet on the wire, counted from the IPv4 header.
  const wireAvail = rec.frame.wireLen - (off - rec.frame.offset);
  let total = (b[off + 2]! << 8) | b[off + 3]!;
  if (total === 0) total = wireAvail; // TSO: length not filled in yet
  rec.ipTotalLen = total;
  if (total < hl) {
    markProblem(rec, ST_MALFORMED, L_IPV4, R_IPV4_TOTAL_LEN);
    return -1;
  }
  // The header is valid from here on (as in Wireshark, an impossible header
  // or total length yields no addresses: they are not trustworthy).
  rec.tos = b[off + 1]!;
  rec.ipId = (b[off + 4]! << 8) | b[off + 5]!;
  const ff = (b[off + 6]! << 8) | b[off + 7]!;
  rec.ipFlags = ff >>> 13;
  rec.moreFragments = (ff >>> 13) & 1;
  rec.fragOffset = (ff & 0x1fff) << 3;
  rec.isFragment = rec.moreFragments | (rec.fragOffset > 0 ? 1 : 0);
  rec.ttl = b[off + 8]!;
  rec.ipProto = b[off + 9]!;
  rec.ipChecksum = (b[off + 10]! << 8) | b[off + 11]!;
  rec.srcAddrOff = off + 12;
  rec.dstAddrOff = off + 16;
  rec.srcV4 = ((b[off + 12]! << 24) | (b[off + 13]! << 16) | (b[off + 14]! << 8) | b[off + 15]!) >>>
    0;
  rec.dstV4 = ((b[off + 16]! << 24) | (b[off + 17]! << 16) | (b[off + 18]! << 8) | b[off + 19]!) >>>
    0;
  if (off + hl > end) {
    markProblem(rec, ST_TRUNCATED, L_IPV4, R_IPV4_SHORT);
    return -1;
  }
  const sum = hl === IPV4_MIN_HEADER_LEN ? sum20(b, off) : onesComplementSum(b, off, hl);
  rec.ipChecksumOk = sum === 0xffff ? 1 : 0;
  const l4 = off + hl;
  rec.l4Off = l4;
  rec.l4Len = total - hl;
  const avail = end - l4;
  rec.l4CapLen = avail < rec.l4Len ? avail : rec.l4Len;
  // Fewer bytes captured than the total length is normal under a snaplen;
  // fewer bytes on the wire than the total length is a lying header.
  if (wireAvail < total) {
    markProblem(rec, ST_MALFORMED, L_IPV4, R_IPV4_TRUNC);
  }
  if (rec.fragOffset > 0) return -1; // non-initial fragment: no transport header here
  return l4;
}
