/**
 * Linux "cooked" capture headers, used for captures on the "any" device.
 * SLL v1 (LINKTYPE_LINUX_SLL, 113; tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html):
 * packet type (0..2), ARPHRD type (2..4), address length (4..6), address
 * (6..14), protocol (14..16). SLL v2 (LINKTYPE_LINUX_SLL2, 276): protocol
 * (0..2), reserved (2..4), interface index (4..8), ARPHRD type (8..10),
 * packet type (10), address length (11), address (12..20).
 *
 * @module
 */

import { L_SLL, type PacketRecord, R_SLL_SHORT, ST_TRUNCATED } from "./packet.ts";
import { markProblem } from "./status.ts";
import { walkVlanTags } from "./vlan.ts";

export const SLL_HEADER_LEN = 16;
export const SLL2_HEADER_LEN = 20;

/** Decodes an SLL v1 header; returns the network-layer offset or -1. */
export function decodeSll(rec: PacketRecord, off: number, end: number): number {
  if (off + SLL_HEADER_LEN > end) {
    markProblem(rec, ST_TRUNCATED, L_SLL, R_SLL_SHORT);
    return -1;
  }
  const b = rec.buf;
  rec.linkOff = off;
  rec.sllPacketType = (b[off]! << 8) | b[off + 1]!;
  const halen = (b[off + 4]! << 8) | b[off + 5]!;
  if (halen === 6) rec.macSrcOff = off + 6;
  const proto = (b[off + 14]! << 8) | b[off + 15]!;
  return walkVlanTags(rec, proto, off + SLL_HEADER_LEN, end);
}

/** Decodes an SLL v2 header; returns the network-layer offset or -1. */
export function decodeSll2(rec: PacketRecord, off: number, end: number): number {
  if (off + SLL2_HEADER_LEN > end) {
    markProblem(rec, ST_TRUNCATED, L_SLL, R_SLL_SHORT);
    return -1;
  }
  const b = rec.buf;
  rec.linkOff = off;
  rec.sllPacketType = b[off + 10]!;
  if (b[off + 11] === 6) rec.macSrcOff = off + 12;
  const proto = (b[off]! << 8) | b[off + 1]!;
  return walkVlanTags(rec, proto, off + SLL2_HEADER_LEN, end);
}
