/**
 * TCP flags and options as tcpdump prints them.
 *
 * @module
 */

import {
  type PacketRecord,
  TCP_ACK,
  TCP_CWR,
  TCP_ECE,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  TCP_URG,
} from "../protocol/packet.ts";

/** Flag letters in tcpdump's order: F S R P . U E W; "none" for no flags. */
export function tcpFlagsText(flags: number): string {
  let s = "";
  if (flags & TCP_FIN) s += "F";
  if (flags & TCP_SYN) s += "S";
  if (flags & TCP_RST) s += "R";
  if (flags & TCP_PSH) s += "P";
  if (flags & TCP_ACK) s += ".";
  if (flags & TCP_URG) s += "U";
  if (flags & TCP_ECE) s += "E";
  if (flags & TCP_CWR) s += "W";
  return s === "" ? "none" : s;
}

function u32(b: Uint8Array, p: number): number {
  return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
}

/**
 * The options list ("mss 1460,nop,wscale 8,sackOK,TS val 1 ecr 0,...")
 * read from the captured header bytes; "" when there are no options. An
 * option cut by the snaplen ends the list with "|".
 */
export function tcpOptionsText(rec: PacketRecord): string {
  const b = rec.buf;
  const start = rec.l4Off + 20;
  const hdrEnd = rec.l4Off + rec.tcpHdrLen;
  const capEnd = rec.l4Off + rec.l4CapLen;
  const end = hdrEnd < capEnd ? hdrEnd : capEnd;
  if (rec.tcpHdrLen <= 20 || start >= end) return hdrEnd > capEnd && start >= end ? "|" : "";
  const parts: string[] = [];
  let p = start;
  while (p < end) {
    const kind = b[p]!;
    if (kind === 0) {
      parts.push("eol"); // end of the option list (RFC 9293 §3.2): the rest is padding
      break;
    }
    if (kind === 1) {
      parts.push("nop");
      p++;
      continue;
    }
    if (p + 2 > end) {
      parts.push("|");
      break;
    }
    const len = b[p + 1]!;
    if (len < 2) {
      parts.push("bad opt");
      break;
    }
    if (p + len > end) {
      parts.push(hdrEnd > capEnd ? "|" : "bad opt");
      break;
    }
    switch (kind) {
      case 2:
        parts.push(len === 4 ? "mss " + ((b[p + 2]! << 8) | b[p + 3]!) : "mss [bad length]");
        break;
      case 3:
        parts.push(len === 3 ? "wscale " + b[p + 2]! : "wscale [bad length]");
        break;
      case 4:
        parts.push("sackOK");
        break;
      case 5: {
        const n = (len - 2) >>> 3;
        let s = "sack " + n + " ";
        for (let i = 0; i < n; i++) {
          const q = p + 2 + i * 8;
          s += "{" + u32(b, q) + ":" + u32(b, q + 4) + "}";
        }
        parts.push(s);
        break;
      }
      case 8:
        parts.push(
          len === 10 ? "TS val " + u32(b, p + 2) + " ecr " + u32(b, p + 6) : "TS [bad length]",
        );
        break;
      case 30:
        parts.push("mptcp");
        break;
      case 34:
        parts.push("tfo");
        break;
      default:
        parts.push("opt-" + kind + ":" + len);
    }
    p += len;
  }
  return parts.join(",");
}
