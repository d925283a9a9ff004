/**
 * ARP (RFC 826): hardware type (0..2), protocol type (2..4), hardware
 * address length (4), protocol address length (5), opcode (6..8), then
 * sender hw, sender proto, target hw, target proto addresses.
 *
 * @module
 */

import { L_ARP, type PacketRecord, R_ARP_SHORT, ST_TRUNCATED } from "./packet.ts";
import { markProblem } from "./status.ts";

export const ARP_FIXED_LEN = 8;

/** Decodes an ARP packet at `off`. */
export function decodeArp(rec: PacketRecord, off: number, end: number): void {
  rec.topLayer = L_ARP;
  if (off + ARP_FIXED_LEN > end) {
    markProblem(rec, ST_TRUNCATED, L_ARP, R_ARP_SHORT);
    return;
  }
  const b = rec.buf;
  rec.arpHwType = (b[off]! << 8) | b[off + 1]!;
  rec.arpProtoType = (b[off + 2]! << 8) | b[off + 3]!;
  const hln = b[off + 4]!, pln = b[off + 5]!;
  rec.arpHln = hln;
  rec.arpPln = pln;
  rec.arpOp = (b[off + 6]! << 8) | b[off + 7]!;
  const need = ARP_FIXED_LEN + 2 * (hln + pln);
  if (off + need > end) {
    markProblem(rec, ST_TRUNCATED, L_ARP, R_ARP_SHORT);
    return;
  }
  rec.arpSha = off + 8;
  rec.arpSpa = off + 8 + hln;
  rec.arpTha = off + 8 + hln + pln;
  rec.arpTpa = off + 8 + 2 * hln + pln;
}
