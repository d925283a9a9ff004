/**
 * Address text: IPv4 dotted quads, IPv6 in RFC 5952 canonical form, MACs
 * as colon-separated lower-case hex. Called only when something is printed.
 *
 * @module
 */

const HEX = "0123456789abcdef";

/** IPv4 address at `buf[off..off+4)` as "a.b.c.d". */
export function ipv4Text(buf: Uint8Array, off: number): string {
  return buf[off] + "." + buf[off + 1] + "." + buf[off + 2] + "." + buf[off + 3];
}

/** IPv4 address held in an unsigned 32-bit number. */
export function ipv4NumberText(v: number): string {
  return (v >>> 24) + "." + ((v >>> 16) & 255) + "." + ((v >>> 8) & 255) + "." + (v & 255);
}

/**
 * IPv6 address at `buf[off..off+16)` in RFC 5952 §4 form: lower-case hex,
 * no leading zeros, the longest run (first if tied) of two or more zero
 * groups shortened to "::", and IPv4-mapped addresses (::ffff:0:0/96) with
 * a dotted-quad tail (§5).
 */
export function ipv6Text(buf: Uint8Array, off: number): string {
  let bestStart = -1, bestLen = 0, curStart = -1, curLen = 0;
  for (let i = 0; i < 8; i++) {
    const g = (buf[off + 2 * i]! << 8) | buf[off + 2 * i + 1]!;
    if (g === 0) {
      if (curStart < 0) curStart = i;
      curLen++;
      if (curLen > bestLen) {
        bestLen = curLen;
        bestStart = curStart;
      }
    } else {
      curStart = -1;
      curLen = 0;
    }
  }
  if (bestLen < 2) bestStart = -1;
  // Embedded IPv4 as inet_ntop (and so tcpdump and tshark) prints it:
  // IPv4-mapped ::ffff:a.b.c.d (RFC 5952 §5), and the deprecated
  // IPv4-compatible ::a.b.c.d when exactly the first 96 bits are zero.
  if (bestStart === 0 && bestLen === 5 && buf[off + 10] === 0xff && buf[off + 11] === 0xff) {
    return "::ffff:" + ipv4Text(buf, off + 12);
  }
  if (bestStart === 0 && bestLen === 6) return "::" + ipv4Text(buf, off + 12);
  let s = "";
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      s += i === 0 ? "::" : ":";
      i += bestLen - 1;
      continue;
    }
    const g = (buf[off + 2 * i]! << 8) | buf[off + 2 * i + 1]!;
    s += g.toString(16);
    if (i < 7) s += ":";
  }
  return s;
}

/** IP address of `len` bytes (4 or 16) at `off`. */
export function ipText(buf: Uint8Array, off: number, len: number): string {
  return len === 4 ? ipv4Text(buf, off) : ipv6Text(buf, off);
}

/** MAC address (or any hardware address of `len` bytes) as "aa:bb:cc:dd:ee:ff". */
export function macText(buf: Uint8Array, off: number, len = 6): string {
  let s = "";
  for (let i = 0; i < len; i++) {
    const v = buf[off + i]!;
    if (i > 0) s += ":";
    s += HEX[v >>> 4]! + HEX[v & 15]!;
  }
  return s;
}
