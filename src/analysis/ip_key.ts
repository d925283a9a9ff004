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
 * Loads the address at `off` of `rec.buf` (IPv4 when `rec.net` is NET_IPV4,
 * else IPv6) into `out[0..4)`. Returns false when the address is absent or
 * outside the buffer. No allocation.
 */
export function loadAddress(rec: PacketRecord, off: number, out: Uint32Array): boolean {
  const b = rec.buf;
  if (off < 0) return false;
  if (rec.net === NET_IPV4) {
    if (off + 4 > b.length) return false;
    out[0] = ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
    out[1] = 0;
    out[2] = 0;
    out[3] = 0;
    return true;
  }
  if (rec.net !== NET_IPV6 || off + 16 > b.length) return false;
  for (let i = 0; i < 4; i++) {
    const o = off + 4 * i;
    out[i] = ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
  }
  return true;
}

const scratch = new Uint8Array(16);

/** Text of an address held as words (`family` 4 or 6): "10.0.0.5", "2001:db8::1". */
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
