/**
 * IPv6 (RFC 8200 §3): version/traffic class/flow label (0..4), payload
 * length (4..6), next header (6), hop limit (7), source (8..24),
 * destination (24..40); then extension headers (§4) until a transport
 * header: Hop-by-Hop (0), Routing (43), Destination Options (60) and
 * Mobility (135) carry their length in 8-octet units not counting the first
 * 8; Fragment (44) is always 8 bytes; AH (51, RFC 4302 §2.2) counts 4-octet
 * units minus 2. Each header consumes at least 8 bytes, so the walk is
 * bounded by the captured length. A header that runs past the payload
 * length is malformed; one that runs past the captured bytes only is
 * truncated.
 *
 * A payload length of 0 means a jumbogram (RFC 2675) or a TSO capture: the
 * packet's length on the wire is used. A Fragment header with offset 0 and
 * M 0 is an atomic fragment (RFC 6946): the packet is not a fragment.
 *
 * @module
 */

import {
  IPPROTO_AH,
  IPPROTO_DSTOPTS,
  IPPROTO_HOPOPTS,
  IPPROTO_IPV6_FRAG,
  IPPROTO_IPV6_ROUTE,
  IPPROTO_MH,
  L_IPV6,
  type PacketRecord,
  R_IPV6_EXT_SHORT,
  R_IPV6_SHORT,
  R_IPV6_TRUNC,
  R_IPV6_VERSION,
  ST_MALFORMED,
  ST_TRUNCATED,
} from "./packet.ts";
import { markProblem } from "./status.ts";

export const IPV6_HEADER_LEN = 40;

/**
 * Decodes the IPv6 header and extension chain at `off`. Returns the
 * transport header offset (setting `rec.ipProto` to the header after the
 * chain), or -1 when none follows.
 */
export function decodeIpv6(rec: PacketRecord, off: number, end: number): number {
  rec.topLayer = L_IPV6;
  rec.netOff = off;
  const b = rec.buf;
  if (off + 1 > end) {
    markProblem(rec, ST_TRUNCATED, L_IPV6, R_IPV6_SHORT);
    return -1;
  }
  if (b[off]! >>> 4 !== 6) {
    markProblem(rec, ST_MALFORMED, L_IPV6, R_IPV6_VERSION);
    return -1;
  }
  if (off + IPV6_HEADER_LEN > end) {
    markProblem(rec, ST_TRUNCATED, L_IPV6, R_IPV6_SHORT);
    return -1;
  }
  rec.tos = ((b[off]! & 0x0f) << 4) | (b[off + 1]! >>> 4);
  rec.flowLabel = ((b[off + 1]! & 0x0f) << 16) | (b[off + 2]! << 8) | b[off + 3]!;
  let plen = (b[off + 4]! << 8) | b[off + 5]!;
  let next = b[off + 6]!;
  rec.ttl = b[off + 7]!;
  rec.srcAddrOff = off + 8;
  rec.dstAddrOff = off + 24;
  // Bytes of this packet on the wire, counted from the IPv6 header.
  const wireAvail = rec.frame.wireLen - (off - rec.frame.offset);
  if (plen === 0) {
    plen = wireAvail - IPV6_HEADER_LEN;
    if (plen < 0) plen = 0; // a frame whose wire length is below its captured length
  }
  rec.ipTotalLen = IPV6_HEADER_LEN + plen;
  if (wireAvail < rec.ipTotalLen) {
    markProblem(rec, ST_MALFORMED, L_IPV6, R_IPV6_TRUNC);
  }
  // Transport data ends at the payload length or the capture, whichever is first.
  const declEnd = off + IPV6_HEADER_LEN + plen;
  const dataEnd = declEnd < end ? declEnd : end;
  let p = off + IPV6_HEADER_LEN;
  let nonInitial = false;
  for (;;) {
    if (
      next === IPPROTO_HOPOPTS || next === IPPROTO_IPV6_ROUTE || next === IPPROTO_DSTOPTS ||
      next === IPPROTO_MH
    ) {
      if (p + 8 > dataEnd) return extShort(rec, p, next, p + 8 > declEnd);
      const len = (b[p + 1]! + 1) << 3;
      if (p + len > dataEnd) return extShort(rec, p, next, p + len > declEnd);
      next = b[p]!;
      p += len;
    } else if (next === IPPROTO_AH) {
      if (p + 8 > dataEnd) return extShort(rec, p, next, p + 8 > declEnd);
      const len = (b[p + 1]! + 2) << 2;
      if (p + len > dataEnd) return extShort(rec, p, next, p + len > declEnd);
      next = b[p]!;
      p += len;
    } else if (next === IPPROTO_IPV6_FRAG) {
      if (p + 8 > dataEnd) return extShort(rec, p, next, p + 8 > declEnd);
      const fo = (b[p + 2]! << 8) | b[p + 3]!;
      rec.fragOffset = fo & 0xfff8;
      rec.moreFragments = fo & 1;
      rec.ipId = ((b[p + 4]! << 24) | (b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!) >>> 0;
      // An atomic fragment (offset 0, M 0) is not a fragment (RFC 6946 §4).
      rec.isFragment = rec.fragOffset > 0 || rec.moreFragments ? 1 : 0;
      next = b[p]!;
      p += 8;
      if (rec.fragOffset > 0) nonInitial = true;
    } else {
      break;
    }
    rec.ipv6ExtCount++;
    if (nonInitial) break;
  }
  rec.ipProto = next;
  rec.netHdrLen = p - off;
  rec.l4Off = p;
  rec.l4Len = declEnd - p;
  rec.l4CapLen = dataEnd - p;
  if (rec.l4Len < 0) rec.l4Len = 0;
  return nonInitial ? -1 : p;
}

/**
 * An extension header at `p` does not fit: beyond the payload length it is
 * malformed (`pastDeclared`), otherwise the capture was cut (truncated).
 */
function extShort(rec: PacketRecord, p: number, next: number, pastDeclared: boolean): number {
  rec.ipProto = next;
  rec.netHdrLen = p - rec.netOff;
  markProblem(rec, pastDeclared ? ST_MALFORMED : ST_TRUNCATED, L_IPV6, R_IPV6_EXT_SHORT);
  return -1;
}
