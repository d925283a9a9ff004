/**
 * IP addresses as the anomaly detectors key them: four 32-bit words
 * (IPv4: the address in word 0, the rest 0; IPv6: the 16 bytes big-endian,
 * RFC 8200 §3) plus the family, and back to text for an alert.
 *
 * @module
 */

import { ipv4NumberText, ipv6Text } from "../display/addresses.ts";
import { NET_IPV4, NET_IPV6, type PacketRecord } from "../protocol/packet.ts";

/**
 * Loads the source (`dst` false) or destination (`dst` true) address of
 * `rec` into `out[at .. at+4)` (as int32 bit patterns): IPv4 from
 * `rec.srcV4` / `rec.dstV4`, IPv6 from the 16 bytes at `rec.srcAddrOff` /
 * `rec.dstAddrOff`. Returns false when the packet has no IP address or it
 * lies outside the buffer. No allocation.
 */
export function loadAddress(rec: PacketRecord, dst: boolean, out: Int32Array, at = 0): boolean {
  if (rec.net === NET_IPV4) {
    out[at] = dst ? rec.dstV4 : rec.srcV4;
    out[at + 1] = 0;
    out[at + 2] = 0;
    out[at + 3] = 0;
    return true;
  }
  const off = dst ? rec.dstAddrOff : rec.srcAddrOff;
  const b = rec.buf;
  if (rec.net !== NET_IPV6 || off < 0 || off + 16 > b.length) return false;
  for (let i = 0; i < 4; i++) {
    const o = off + 4 * i;
    out[at + i] = (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
  }
  return true;
}

const scratch = new Uint8Array(16);

/** Text of an address held as words (int32 or u32; `family` 4 or 6): "10.0.0.5", "2001:db8::1". */
export function addressText(
  family: number,
  w0: number,
  w1: number,
  w2: number,
  w3: number,
): string {
  if (family === 4) return ipv4NumberText(w0 >>> 0);
  const w = [w0, w1, w2, w3];
  for (let i = 0; i < 4; i++) {
    scratch[4 * i] = w[i]! >>> 24;
    scratch[4 * i + 1] = (w[i]! >>> 16) & 255;
    scratch[4 * i + 2] = (w[i]! >>> 8) & 255;
    scratch[4 * i + 3] = w[i]! & 255;
  }
  return ipv6Text(scratch, 0);
}

/** "10.0.0.5:80", or "[2001:db8::1]:80" for IPv6 (RFC 5952 §6). */
export function endpointText(
  family: number,
  w0: number,
  w1: number,
  w2: number,
  w3: number,
  port: number,
): string {
  const a = addressText(family, w0, w1, w2, w3);
  return family === 4 ? a + ":" + port : "[" + a + "]:" + port;
}
