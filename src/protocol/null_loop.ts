/**
 * BSD loopback encapsulations. LINKTYPE_NULL (0): a 4-byte address family
 * in the capturing host's byte order. LINKTYPE_LOOP (108): the same, always
 * big-endian (OpenBSD). AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD,
 * OpenBSD), 28 (FreeBSD) or 30 (macOS), and 10 on Linux.
 * (tcpdump.org/linktypes/LINKTYPE_NULL.html)
 *
 * Some writers put an Ethertype (0x0800/0x86dd) in the header instead of an
 * address family; Wireshark accepts that, and so do we.
 *
 * @module
 */

import {
  L_NULL,
  type PacketRecord,
  R_NULL_FAMILY,
  R_NULL_SHORT,
  ST_TRUNCATED,
  ST_UNSUPPORTED,
} from "./packet.ts";
import { markProblem } from "./status.ts";

export const NULL_HEADER_LEN = 4;

function familyToEtherType(af: number): number {
  if (af === 2) return 0x0800;
  if (af === 24 || af === 28 || af === 30 || af === 10) return 0x86dd;
  return -1;
}

/**
 * Decodes a NULL (bigEndianOnly = false) or LOOP (true) header; sets
 * `rec.etherType` and returns the network offset, or -1.
 */
export function decodeNullLoop(
  rec: PacketRecord,
  off: number,
  end: number,
  bigEndianOnly: boolean,
): number {
  if (off + NULL_HEADER_LEN > end) {
    markProblem(rec, ST_TRUNCATED, L_NULL, R_NULL_SHORT);
    return -1;
  }
  const b = rec.buf;
  rec.linkOff = off;
  const be = ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
  const le = ((b[off + 3]! << 24) | (b[off + 2]! << 16) | (b[off + 1]! << 8) | b[off]!) >>> 0;
  let family = be;
  let type = familyToEtherType(be);
  if (type < 0 && !bigEndianOnly) {
    family = le;
    type = familyToEtherType(le);
  }
  if (type < 0) {
    // An Ethertype in place of the family, in either half of the word.
    const hi = be >>> 16, lo = be & 0xffff;
    if (hi === 0x0800 || hi === 0x86dd) type = hi;
    else if (lo === 0x0800 || lo === 0x86dd) type = lo;
  }
  rec.nullFamily = family;
  if (type < 0) {
    rec.etherType = 0;
    markProblem(rec, ST_UNSUPPORTED, L_NULL, R_NULL_FAMILY);
    return -1;
  }
  rec.etherType = type;
  return off + NULL_HEADER_LEN;
}
