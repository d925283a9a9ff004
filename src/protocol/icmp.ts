/**
 * ICMP (RFC 792) and ICMPv6 (RFC 4443 §2.1): type (0), code (1), checksum
 * (2..4). Echo request/reply (ICMP 8/0, ICMPv6 128/129) carry an
 * identifier (4..6) and sequence number (6..8); so do ICMP timestamp
 * (13/14) and address mask (17/18) messages. Neighbor Solicitation (135),
 * Neighbor Advertisement (136) and Redirect (137) carry a target address at
 * 8..24 (RFC 4861 §4.3–4.5).
 *
 * @module
 */

import { L_ICMP, L_ICMPV6, type PacketRecord, R_ICMP_SHORT, ST_TRUNCATED } from "./packet.ts";
import { markProblem } from "./status.ts";

/** Decodes an ICMP header at `off`. */
export function decodeIcmp(rec: PacketRecord, off: number, end: number): void {
  rec.topLayer = L_ICMP;
  if (!decodeCommon(rec, off, end, L_ICMP)) return;
  const t = rec.icmpType;
  if (t === 0 || t === 8 || t === 13 || t === 14 || t === 17 || t === 18 || t === 15 || t === 16) {
    decodeIdSeq(rec, off, end, L_ICMP);
  }
}

/** Decodes an ICMPv6 header at `off`. */
export function decodeIcmpv6(rec: PacketRecord, off: number, end: number): void {
  rec.topLayer = L_ICMPV6;
  if (!decodeCommon(rec, off, end, L_ICMPV6)) return;
  const t = rec.icmpType;
  if (t === 128 || t === 129) decodeIdSeq(rec, off, end, L_ICMPV6);
  else if (t === 135 || t === 136 || t === 137) {
    if (off + 24 <= end) rec.icmpTargetOff = off + 8;
    else markProblem(rec, ST_TRUNCATED, L_ICMPV6, R_ICMP_SHORT);
  }
}

function decodeCommon(rec: PacketRecord, off: number, end: number, layer: number): boolean {
  const b = rec.buf;
  if (off + 4 > end) {
    if (off + 2 <= end) {
      rec.icmpType = b[off]!;
      rec.icmpCode = b[off + 1]!;
    }
    markProblem(rec, ST_TRUNCATED, layer, R_ICMP_SHORT);
    return false;
  }
  rec.icmpType = b[off]!;
  rec.icmpCode = b[off + 1]!;
  rec.icmpChecksum = (b[off + 2]! << 8) | b[off + 3]!;
  rec.payloadOff = off + 4;
  rec.payloadLen = end - off - 4;
  return true;
}

function decodeIdSeq(rec: PacketRecord, off: number, end: number, layer: number): void {
  const b = rec.buf;
  if (off + 8 > end) {
    markProblem(rec, ST_TRUNCATED, layer, R_ICMP_SHORT);
    return;
  }
  rec.icmpId = (b[off + 4]! << 8) | b[off + 5]!;
  rec.icmpSeq = (b[off + 6]! << 8) | b[off + 7]!;
}
