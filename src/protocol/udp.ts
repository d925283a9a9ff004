/**
 * UDP (RFC 768): source port (0..2), destination port (2..4), length
 * (4..6), checksum (6..8). The payload is trimmed to the UDP length, to
 * the IP-declared length and to what was captured, whichever is least;
 * a UDP length below 8 is malformed (a 0 length under IPv6 is a jumbogram,
 * RFC 2675 §4: the IP length is used), and so is one beyond the IP payload
 * unless the packet is a first fragment (the ports and the IP-bounded
 * payload are still reported).
 *
 * @module
 */

import type { PacketRecord } from "./packet.ts";
import * as packet from "./packet.ts";
import { markProblem } from "./status.ts";

// Module-level copies of the imported constants (see decode.ts: an imported
// binding costs a chain of dependent loads at every use in optimised code).
const { L_UDP, NET_IPV6, R_UDP_LENGTH, R_UDP_SHORT, ST_MALFORMED, ST_TRUNCATED } = packet;

export const UDP_HEADER_LEN = 8;

/** Decodes the UDP header at `off`; returns the payload offset or -1. */
export function decodeUdp(rec: PacketRecord, off: number, end: number): number {
  rec.topLayer = L_UDP;
  const b = rec.buf;
  if (off + UDP_HEADER_LEN > end) {
    if (off + 4 <= end) {
      rec.srcPort = (b[off]! << 8) | b[off + 1]!;
      rec.dstPort = (b[off + 2]! << 8) | b[off + 3]!;
    }
    markProblem(rec, ST_TRUNCATED, L_UDP, R_UDP_SHORT);
    return -1;
  }
  const v = rec.view;
  const ports = v.getInt32(off);
  const lenSum = v.getInt32(off + 4); // length, checksum
  rec.srcPort = ports >>> 16;
  rec.dstPort = ports & 0xffff;
  let ulen = lenSum >>> 16;
  rec.udpChecksum = lenSum & 0xffff;
  rec.udpLen = ulen;
  if (ulen === 0 && rec.net === NET_IPV6) ulen = rec.l4Len;
  if (ulen < UDP_HEADER_LEN) {
    markProblem(rec, ST_MALFORMED, L_UDP, R_UDP_LENGTH);
    return -1;
  }
  let plen = ulen - UDP_HEADER_LEN;
  const ipAvail = rec.l4Len - UDP_HEADER_LEN;
  if (plen > ipAvail) {
    // A UDP length beyond the IP payload is invalid (tcpdump: "bad length"),
    // except in a first fragment, where it covers the whole datagram. The
    // payload is what the IP header declares.
    if (rec.isFragment === 0) markProblem(rec, ST_MALFORMED, L_UDP, R_UDP_LENGTH);
    plen = ipAvail < 0 ? 0 : ipAvail;
  }
  rec.payloadWireLen = plen;
  const capAvail = end - off - UDP_HEADER_LEN;
  rec.payloadOff = off + UDP_HEADER_LEN;
  rec.payloadLen = plen < capAvail ? plen : capAvail;
  return rec.payloadOff;
}
