/**
 * SHA-1 (FIPS 180-4) of a short byte string, as base64: what a Community ID
 * needs (a one-block message for IPv4 and IPv6 flows alike). Plain
 * JavaScript over reused buffers: about ten times cheaper per call than a
 * `node:crypto` hash object, whose creation, update, digest and base64 are
 * each a call into the runtime. Not for secrets (SHA-1 is broken for
 * collision resistance; Community ID only needs a stable spread).
 *
 * @module
 */

/** Message schedule, reused. */
const W = new Int32Array(80);
/** The padded message, grown when a longer one comes. */
let block = new Uint8Array(128);
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/** The digest's 20 bytes. */
const DIGEST = new Uint8Array(20);

/** SHA-1 of `msg[0..len)` into DIGEST. */
function sha1(msg: Uint8Array, len: number): void {
  const blocks = ((len + 8) >>> 6) + 1;
  const total = blocks * 64;
  if (block.length < total) block = new Uint8Array(total);
  const m = block;
  m.set(msg.subarray(0, len));
  m.fill(0, len, total);
  m[len] = 0x80;
  // Length in bits, big-endian, in the last 8 bytes (messages < 512 MiB).
  const bits = len * 8;
  m[total - 4] = bits >>> 24;
  m[total - 3] = (bits >>> 16) & 0xff;
  m[total - 2] = (bits >>> 8) & 0xff;
  m[total - 1] = bits & 0xff;
  m[total - 5] = Math.floor(len / 0x20000000) & 0xff;
  let h0 = 0x67452301,
    h1 = 0xefcdab89 | 0,
    h2 = 0x98badcfe | 0,
    h3 = 0x10325476,
    h4 = 0xc3d2e1f0 | 0;
  for (let off = 0; off < total; off += 64) {
    for (let i = 0; i < 16; i++) {
      const o = off + 4 * i;
      W[i] = (m[o]! << 24) | (m[o + 1]! << 16) | (m[o + 2]! << 8) | m[o + 3]!;
    }
    for (let i = 16; i < 80; i++) {
      const x = W[i - 3]! ^ W[i - 8]! ^ W[i - 14]! ^ W[i - 16]!;
      W[i] = (x << 1) | (x >>> 31);
    }
    let a = h0, b = h1, c = h2, d = h3, e = h4;
    for (let i = 0; i < 80; i++) {
      let f: number, k: number;
      if (i < 20) {
        f = (b & c) | (~b & d);
        k = 0x5a827999;
      } else if (i < 40) {
        f = b ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (i < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8f1bbcdc | 0;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6 | 0;
      }
      const t = (((a << 5) | (a >>> 27)) + f + e + k + W[i]!) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
  }
  const hs = [h0, h1, h2, h3, h4];
  for (let i = 0; i < 5; i++) {
    const h = hs[i]!;
    DIGEST[4 * i] = h >>> 24;
    DIGEST[4 * i + 1] = (h >>> 16) & 0xff;
    DIGEST[4 * i + 2] = (h >>> 8) & 0xff;
    DIGEST[4 * i + 3] = h & 0xff;
  }
}

/** Base64 (RFC 4648, with padding) of the SHA-1 digest of `msg[0..len)`. */
export function sha1Base64(msg: Uint8Array, len = msg.length): string {
  sha1(msg, len);
  const d = DIGEST;
  let out = "";
  // 20 bytes: six 3-byte groups, then 2 bytes and one "=".
  for (let i = 0; i < 18; i += 3) {
    const v = (d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!;
    out += B64[v >>> 18]! + B64[(v >>> 12) & 63]! + B64[(v >>> 6) & 63]! + B64[v & 63]!;
  }
  const v = (d[18]! << 16) | (d[19]! << 8);
  return out + B64[v >>> 18]! + B64[(v >>> 12) & 63]! + B64[(v >>> 6) & 63]! + "=";
}
