/**
 * Community ID v1 flow hashing (https://github.com/corelight/community-id-spec):
 * a string that names a flow the same way in NetScope, Zeek, Suricata,
 * Wireshark and others.
 *
 * The SHA-1 input is, in network byte order: the seed (2 bytes), the
 * smaller endpoint's address, the larger endpoint's address (4 or 16 bytes
 * each), the IP protocol (1 byte), a zero pad byte, then for TCP, UDP, SCTP,
 * ICMP and ICMPv6 the smaller endpoint's port and the larger one's
 * (2 bytes each). Endpoints are ordered by address, then port. The result
 * is "1:" + base64(digest).
 *
 * ICMP and ICMPv6 have no ports: the type stands in for the source port and
 * the "counterpart" type for the destination port when the message has one
 * (echo ↔ echo reply, ...), so a request and its reply hash alike. Other
 * messages are one-way: the code is the destination port and the endpoints
 * are not reordered. The tables follow the reference implementation
 * (corelight/pycommunityid `icmp.py`, `icmp6.py`), which mirrors Zeek's
 * `ICMP4_counterpart` / `ICMP6_counterpart`.
 *
 * Computed once per flow at export (it allocates and hashes), never per packet.
 *
 * @module
 */

import { sha1Base64 } from "./sha1.ts";

const IPPROTO_ICMP = 1;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const IPPROTO_ICMPV6 = 58;
const IPPROTO_SCTP = 132;

function counterpartTable(pairs: readonly (readonly [number, number])[]): Int16Array {
  const t = new Int16Array(256).fill(-1);
  for (const [a, b] of pairs) {
    t[a] = b;
    t[b] = a;
  }
  return t;
}

/** ICMPv4 type → counterpart type, -1 for one-way messages (pycommunityid icmp.py). */
const ICMP4_COUNTERPART = counterpartTable([
  [8, 0], // echo ↔ echo reply (RFC 792)
  [13, 14], // timestamp ↔ timestamp reply
  [15, 16], // information request ↔ reply
  [10, 9], // router solicitation ↔ advertisement (RFC 1256)
  [17, 18], // address mask request ↔ reply (RFC 950)
]);

/** ICMPv6 type → counterpart type, -1 for one-way messages (pycommunityid icmp6.py). */
const ICMP6_COUNTERPART = counterpartTable([
  [128, 129], // echo request ↔ reply (RFC 4443)
  [130, 131], // MLD listener query ↔ report (RFC 2710)
  [133, 134], // router solicitation ↔ advertisement (RFC 4861)
  [135, 136], // neighbor solicitation ↔ advertisement
  [139, 140], // node information query ↔ reply (RFC 4620, "who are you")
  [144, 145], // home agent address discovery request ↔ reply (RFC 6275)
]);

/** What a Community ID is computed from: one packet's (or a flow's first packet's) tuple. */
export interface CommunityIdInput {
  /** IP protocol number. */
  proto: number;
  /** Source address, 4 (IPv4) or 16 (IPv6) bytes in network order. */
  src: Uint8Array;
  /** Destination address, same length as `src`. */
  dst: Uint8Array;
  /**
   * TCP/UDP/SCTP source port, or the ICMP/ICMPv6 type; ignored for other
   * protocols. -1 (with `dstPort` -1) when unknown: the hash then covers the
   * addresses and protocol only, as for a protocol without ports.
   */
  srcPort: number;
  /** TCP/UDP/SCTP destination port, or the ICMP/ICMPv6 code; -1 when unknown. */
  dstPort: number;
}

/** Compares two equal-length byte strings as big-endian unsigned numbers. */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The Community ID v1 string of a flow tuple (spec §"Pseudo code"), e.g.
 * TCP 128.232.110.120:34855 → 66.35.250.204:80 gives
 * "1:LQU9qZlK+B5F3KDmev6m5PMibrg=".
 *
 * @param input the tuple; for ICMP/ICMPv6 pass the type and code as ports.
 * @param seed the 16-bit seed (default 0).
 * @returns "1:" followed by the base64 SHA-1 digest.
 * @throws {RangeError} if the addresses are not both 4 or both 16 bytes long.
 */
/** The hash input, reused: seed, two IPv6 addresses, protocol, pad, ports. */
const HASH_INPUT = new Uint8Array(2 + 2 * 16 + 2 + 4);

export function communityId(input: CommunityIdInput, seed = 0): string {
  const { proto, src, dst } = input;
  const alen = src.length;
  if ((alen !== 4 && alen !== 16) || dst.length !== alen) {
    throw new RangeError(
      `Cannot compute a Community ID: address lengths ${alen} and ${dst.length}`,
    );
  }
  let sp = input.srcPort & 0xffff, dp = input.dstPort & 0xffff;
  let hasPorts = true;
  let oneWay = false;
  if (input.srcPort < 0 || input.dstPort < 0) {
    hasPorts = false;
    sp = dp = 0;
  } else if (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) {
    const table = proto === IPPROTO_ICMP ? ICMP4_COUNTERPART : ICMP6_COUNTERPART;
    const type = input.srcPort & 0xff;
    const other = table[type]!;
    sp = type;
    if (other >= 0) dp = other;
    else {
      dp = input.dstPort & 0xff;
      oneWay = true;
    }
  } else if (proto !== IPPROTO_TCP && proto !== IPPROTO_UDP && proto !== IPPROTO_SCTP) {
    hasPorts = false;
    sp = dp = 0;
  }
  let first = src, second = dst;
  if (!oneWay) {
    const c = compareBytes(src, dst);
    // The spec keeps the order only when src < dst (or equal addresses and sport < dport).
    if (c > 0 || (c === 0 && sp >= dp)) {
      first = dst;
      second = src;
      const p = sp;
      sp = dp;
      dp = p;
    }
  }
  const buf = HASH_INPUT;
  buf[0] = (seed >>> 8) & 0xff;
  buf[1] = seed & 0xff;
  buf.set(first, 2);
  buf.set(second, 2 + alen);
  let o = 2 + 2 * alen;
  buf[o++] = proto & 0xff;
  buf[o++] = 0;
  if (hasPorts) {
    buf[o++] = sp >>> 8;
    buf[o++] = sp & 0xff;
    buf[o++] = dp >>> 8;
    buf[o++] = dp & 0xff;
  }
  return "1:" + sha1Base64(buf, o);
}

/** Parses dotted-quad IPv4 or RFC 4291 §2.2 IPv6 text into bytes (test and tool helper). */
export function parseIpAddress(text: string): Uint8Array {
  if (text.includes(":")) {
    const out = new Uint8Array(16);
    let head = text, tail = "";
    const dbl = text.indexOf("::");
    if (dbl >= 0) {
      head = text.slice(0, dbl);
      tail = text.slice(dbl + 2);
    }
    const groups = (s: string): number[] => {
      if (s === "") return [];
      const parts = s.split(":");
      const out: number[] = [];
      for (const p of parts) {
        if (p.includes(".")) {
          const v4 = parseIpAddress(p);
          out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
        } else out.push(parseInt(p, 16));
      }
      return out;
    };
    const h = groups(head), t = groups(tail);
    if (h.length + t.length > 8 || (dbl < 0 && h.length !== 8) || [...h, ...t].some(isNaN)) {
      throw new SyntaxError(`Cannot parse IPv6 address: "${text}"`);
    }
    for (let i = 0; i < h.length; i++) {
      out[2 * i] = h[i]! >>> 8;
      out[2 * i + 1] = h[i]! & 0xff;
    }
    for (let i = 0; i < t.length; i++) {
      const g = 8 - t.length + i;
      out[2 * g] = t[i]! >>> 8;
      out[2 * g + 1] = t[i]! & 0xff;
    }
    return out;
  }
  const parts = text.split(".");
  if (parts.length !== 4) throw new SyntaxError(`Cannot parse IPv4 address: "${text}"`);
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const v = Number(parts[i]);
    if (!Number.isInteger(v) || v < 0 || v > 255) {
      throw new SyntaxError(`Cannot parse IPv4 address: "${text}"`);
    }
    out[i] = v;
  }
  return out;
}
