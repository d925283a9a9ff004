/**
 * TCP (RFC 9293 §3.1): source port (0..2), destination port (2..4),
 * sequence (4..8), acknowledgment (8..12), data offset/flags (12..14),
 * window (14..16), checksum (16..18), urgent pointer (18..20), options up
 * to data offset * 4. Options (one pass, no allocation): EOL (0), NOP (1),
 * MSS (2, len 4, RFC 9293 §3.2), window scale (3, len 3, RFC 7323 §2),
 * SACK-permitted (4, len 2, RFC 2018), SACK (5, 2 + 8n, RFC 2018),
 * timestamps (8, len 10, RFC 7323 §3). Any other option is skipped by its
 * length; a length below 2 or past the header is malformed.
 *
 * A header whose options are cut by the snaplen still yields ports, flags,
 * sequence numbers, window, the declared payload length and the options
 * that were captured whole: the packet is flagged truncated.
 *
 * @module
 */

import type { PacketRecord } from "./packet.ts";
import * as packet from "./packet.ts";
import { markProblem } from "./status.ts";

// Module-level copies of the imported constants (see decode.ts: an imported
// binding costs a chain of dependent loads at every use in optimised code).
const {
  L_TCP,
  MAX_SACK_BLOCKS,
  R_TCP_OFFSET,
  R_TCP_OPTION,
  R_TCP_SHORT,
  ST_MALFORMED,
  ST_TRUNCATED,
} = packet;

export const TCP_MIN_HEADER_LEN = 20;

/**
 * Decodes the TCP header at `off` (`end` = end of captured transport data).
 * Returns the payload offset, or -1 when the header is unusable.
 */
export function decodeTcp(rec: PacketRecord, off: number, end: number): number {
  rec.topLayer = L_TCP;
  const b = rec.buf;
  const v = rec.view;
  if (off + 14 > end) {
    // Ports and sequence numbers may still be present.
    if (off + 4 <= end) {
      rec.srcPort = (b[off]! << 8) | b[off + 1]!;
      rec.dstPort = (b[off + 2]! << 8) | b[off + 3]!;
    }
    markProblem(rec, ST_TRUNCATED, L_TCP, R_TCP_SHORT);
    return -1;
  }
  const ports = v.getInt32(off);
  rec.srcPort = ports >>> 16;
  rec.dstPort = ports & 0xffff;
  rec.tcpSeq = v.getUint32(off + 4);
  rec.tcpAck = v.getUint32(off + 8);
  const offFlags = v.getUint16(off + 12);
  const hl = (offFlags >>> 12) << 2;
  rec.tcpHdrLen = hl;
  rec.tcpFlags = offFlags & 0x1ff;
  if (off + TCP_MIN_HEADER_LEN > end) {
    markProblem(rec, ST_TRUNCATED, L_TCP, R_TCP_SHORT);
    return -1;
  }
  const w = v.getInt32(off + 16); // checksum, urgent pointer
  rec.tcpWindow = v.getUint16(off + 14);
  rec.tcpChecksum = w >>> 16;
  rec.tcpUrgent = w & 0xffff;
  if (hl < TCP_MIN_HEADER_LEN || hl > rec.l4Len) {
    markProblem(rec, ST_MALFORMED, L_TCP, R_TCP_OFFSET);
    return -1;
  }
  rec.payloadWireLen = rec.l4Len - hl;
  const optEnd = off + hl;
  if (optEnd > end) {
    decodeTcpOptions(rec, off + TCP_MIN_HEADER_LEN, end, true);
    markProblem(rec, ST_TRUNCATED, L_TCP, R_TCP_SHORT);
    return -1;
  }
  if (hl > TCP_MIN_HEADER_LEN) decodeTcpOptions(rec, off + TCP_MIN_HEADER_LEN, optEnd, false);
  rec.payloadOff = optEnd;
  rec.payloadLen = end - optEnd;
  return optEnd;
}

/**
 * Walks TCP options in `[p, end)`. `cut` says the options area continues
 * past `end` (snaplen): an option running past it is then not an error.
 */
function decodeTcpOptions(rec: PacketRecord, p: number, end: number, cut: boolean): void {
  const b = rec.buf;
  while (p < end) {
    const kind = b[p]!;
    if (kind === 0) return; // end of option list
    if (kind === 1) {
      p++;
      continue;
    }
    if (p + 2 > end) {
      if (!cut) markProblem(rec, ST_MALFORMED, L_TCP, R_TCP_OPTION);
      return;
    }
    const len = b[p + 1]!;
    if (len < 2) {
      markProblem(rec, ST_MALFORMED, L_TCP, R_TCP_OPTION);
      return;
    }
    if (p + len > end) {
      if (!cut) markProblem(rec, ST_MALFORMED, L_TCP, R_TCP_OPTION);
      return;
    }
    switch (kind) {
      case 2:
        if (len === 4) rec.tcpMss = (b[p + 2]! << 8) | b[p + 3]!;
        else markProblem(rec, ST_MALFORMED, L_TCP, R_TCP_OPTION);
        break;
      case 3:
        if (len === 3) rec.tcpWscale = b[p + 2]!;
        else markProblem(rec, ST_MALFORMED, L_TCP, R_TCP_OPTION);
        break;
      case 4:
        if (len === 2) rec.tcpSackPerm = 1;
        else markProblem(rec, ST_MALFORMED, L_TCP, R_TCP_OPTION);
        break;
      case 5: {
        if ((len - 2) % 8 !== 0) {
          markProblem(rec, ST_MALFORMED, L_TCP, R_TCP_OPTION);
          break;
        }
        const n = (len - 2) >>> 3;
        for (let i = 0; i < n && i < MAX_SACK_BLOCKS; i++) {
          const q = p + 2 + i * 8;
          rec.tcpSack[i * 2] =
            ((b[q]! << 24) | (b[q + 1]! << 16) | (b[q + 2]! << 8) | b[q + 3]!) >>>
            0;
          rec.tcpSack[i * 2 + 1] =
            ((b[q + 4]! << 24) | (b[q + 5]! << 16) | (b[q + 6]! << 8) | b[q + 7]!) >>> 0;
        }
        rec.tcpSackCount = n < MAX_SACK_BLOCKS ? n : MAX_SACK_BLOCKS;
        break;
      }
      case 8:
        if (len === 10) {
          rec.tcpHasTs = 1;
          rec.tcpTsVal = ((b[p + 2]! << 24) | (b[p + 3]! << 16) | (b[p + 4]! << 8) | b[p + 5]!) >>>
            0;
          rec.tcpTsEcr = ((b[p + 6]! << 24) | (b[p + 7]! << 16) | (b[p + 8]! << 8) | b[p + 9]!) >>>
            0;
        } else markProblem(rec, ST_MALFORMED, L_TCP, R_TCP_OPTION);
        break;
    }
    p += len;
  }
}
