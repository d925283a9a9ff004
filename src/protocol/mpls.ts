/**
 * MPLS label stacks (RFC 3032 §2.1): 4-byte entries (label 20 bits, TC 3,
 * bottom-of-stack 1, TTL 8) until the S bit is set. MPLS does not say what
 * it carries; as tcpdump and Wireshark do, the first nibble after the stack
 * picks IPv4 (4) or IPv6 (6). Anything else (a pseudowire control word,
 * RFC 4385, or an Ethernet pseudowire) is left undecoded as a network layer
 * of unknown kind, like an unknown ethertype.
 *
 * @module
 */

import { L_MPLS, type PacketRecord, R_MPLS_SHORT, ST_TRUNCATED } from "./packet.ts";
import { markProblem } from "./status.ts";

/** Ethertypes of MPLS unicast and multicast. */
export function isMplsType(type: number): boolean {
  return type === 0x8847 || type === 0x8848;
}

/**
 * Walks the label stack at `off`. Returns the payload offset with
 * `rec.etherType` set to 0x0800/0x86dd when an IP packet follows (left as
 * the MPLS ethertype otherwise), or -1 when the stack or the first payload
 * byte is cut short. `rec.mplsCount` counts the labels; the first label is
 * kept in `rec.mplsLabel`.
 */
export function walkMpls(rec: PacketRecord, off: number, end: number): number {
  const b = rec.buf;
  rec.topLayer = L_MPLS;
  for (;;) {
    if (off + 4 > end) {
      markProblem(rec, ST_TRUNCATED, L_MPLS, R_MPLS_SHORT);
      return -1;
    }
    if (rec.mplsCount === 0) {
      rec.mplsOff = off;
      rec.mplsLabel = ((b[off]! << 12) | (b[off + 1]! << 4) | (b[off + 2]! >>> 4)) >>> 0;
    }
    rec.mplsCount++;
    const bottom = b[off + 2]! & 1;
    off += 4;
    if (bottom) break;
  }
  if (off >= end) {
    markProblem(rec, ST_TRUNCATED, L_MPLS, R_MPLS_SHORT);
    return -1;
  }
  const v = b[off]! >>> 4;
  if (v === 4) rec.etherType = 0x0800;
  else if (v === 6) rec.etherType = 0x86dd;
  return off;
}
