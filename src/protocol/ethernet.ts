/**
 * Ethernet II / IEEE 802.3 frames (IEEE 802.3-2018 §3.1.1): destination MAC
 * (0..6), source MAC (6..12), type/length (12..14). A type/length value
 * below 0x0600 is an 802.3 length (LLC follows), not an ethertype.
 *
 * @module
 */

import { L_ETHERNET, type PacketRecord, R_ETH_SHORT, ST_TRUNCATED } from "./packet.ts";
import { markProblem } from "./status.ts";
import { walkVlanTags } from "./vlan.ts";

/** Length of the fixed Ethernet header. */
export const ETHERNET_HEADER_LEN = 14;

/**
 * Decodes the Ethernet header and any VLAN tags at `off`. Sets MAC offsets,
 * VLAN fields and `rec.etherType`; returns the offset of the network-layer
 * header, or -1 if the header or a tag is cut short.
 */
export function decodeEthernet(rec: PacketRecord, off: number, end: number): number {
  if (off + ETHERNET_HEADER_LEN > end) {
    markProblem(rec, ST_TRUNCATED, L_ETHERNET, R_ETH_SHORT);
    return -1;
  }
  const b = rec.buf;
  rec.linkOff = off;
  rec.macDstOff = off;
  rec.macSrcOff = off + 6;
  const type = (b[off + 12]! << 8) | b[off + 13]!;
  return walkVlanTags(rec, type, off + ETHERNET_HEADER_LEN, end);
}
