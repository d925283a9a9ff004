/**
 * 802.1Q / 802.1ad VLAN tag stacks (IEEE 802.1Q-2018 §9.6): each tag is a
 * 2-byte TCI (PCP 3 bits, DEI 1 bit, VID 12 bits) followed by the next
 * 2-byte type. Tags stack to any depth (QinQ, QinQinQ); each consumes 4
 * bytes, so the walk is bounded by the captured length.
 *
 * @module
 */

import { L_VLAN, MAX_VLAN_TAGS, type PacketRecord, R_VLAN_SHORT, ST_TRUNCATED } from "./packet.ts";
import { markProblem } from "./status.ts";

/** TPIDs treated as VLAN tags: 802.1Q, 802.1ad, and the legacy QinQ 0x9100/0x9200. */
export function isVlanTpid(type: number): boolean {
  return type === 0x8100 || type === 0x88a8 || type === 0x9100 || type === 0x9200;
}

/**
 * Walks VLAN tags starting at `off`, where `type` is the type field that
 * preceded them. Sets `rec.etherType` to the inner type and returns the
 * offset of the inner payload, or -1 if a tag is cut short.
 */
export function walkVlanTags(rec: PacketRecord, type: number, off: number, end: number): number {
  const b = rec.buf;
  while (isVlanTpid(type)) {
    rec.topLayer = L_VLAN;
    if (off + 4 > end) {
      markProblem(rec, ST_TRUNCATED, L_VLAN, R_VLAN_SHORT);
      rec.etherType = type;
      return -1;
    }
    const tci = (b[off]! << 8) | b[off + 1]!;
    const n = rec.vlanCount;
    if (n < MAX_VLAN_TAGS) {
      rec.vlanTpids[n] = type;
      rec.vlanIds[n] = tci & 0x0fff;
      rec.vlanPcps[n] = tci >>> 13;
    }
    rec.vlanCount = n + 1;
    type = (b[off + 2]! << 8) | b[off + 3]!;
    off += 4;
  }
  rec.etherType = type;
  return off;
}
