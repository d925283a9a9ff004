/**
 * Test-only helpers for the decoder unit tests: a small byte builder for
 * hand-made frames (Ethernet, VLAN, IPv4, IPv6, TCP, UDP, ICMP headers with
 * correct length and checksum fields unless told otherwise), a `Frame`
 * factory that places the bytes at a non-zero offset inside guard bytes, and
 * a loader for single frames of the fixture captures.
 *
 * Not part of the decoder; allocation is fine here.
 *
 * @module
 */

import { CaptureFileReader, NEXT_FRAME, NEXT_NEED_DATA } from "../capture/capture_file_reader.ts";
import { Frame, LINKTYPE_ETHERNET } from "../capture/frame.ts";
import { decodeFrame } from "./decode.ts";
import { PacketRecord } from "./packet.ts";

/** Concatenates byte arrays / number lists into one Uint8Array. */
export function cat(...parts: ArrayLike<number>[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Big-endian 16-bit value as 2 bytes. */
export function u16(v: number): number[] {
  return [(v >>> 8) & 0xff, v & 0xff];
}

/** Big-endian 32-bit value as 4 bytes. */
export function u32(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

/** Dotted IPv4 text as 4 bytes. */
export function ip4(text: string): number[] {
  return text.split(".").map(Number);
}

/** IPv6 text (with at most one "::", no embedded IPv4) as 16 bytes. */
export function ip6(text: string): number[] {
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  return groups.flatMap((g) => u16(parseInt(g, 16)));
}

/** RFC 1071 Internet checksum of `bytes` (the value to store in the header). */
export function inetChecksum(bytes: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i + 1 < bytes.length; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (bytes.length % 2) sum += bytes[bytes.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Ethernet II header: destination, source, type. */
export function ethernet(
  type: number,
  dst = [0x00, 0x11, 0x22, 0x33, 0x44, 0x55],
  src = [0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb],
): Uint8Array {
  return cat(dst, src, u16(type));
}

/** One VLAN tag (TCI + next type) to follow a TPID: PCP, VID, next type. */
export function vlanTag(pcp: number, vid: number, next: number): number[] {
  return [...u16((pcp << 13) | vid), ...u16(next)];
}

/** IPv4 header fields for {@link ipv4}. */
export interface Ipv4Fields {
  proto: number;
  src?: string;
  dst?: string;
  /** Payload length; the total length is header + this unless `totalLen` is given. */
  payloadLen: number;
  totalLen?: number;
  /** Header length in 32-bit words (default 5 + options / 4). */
  ihl?: number;
  options?: number[];
  tos?: number;
  id?: number;
  /** 3 flag bits: 4 reserved, 2 DF, 1 MF. */
  flags?: number;
  /** Fragment offset in 8-byte units. */
  fragUnits?: number;
  ttl?: number;
  /** Stored checksum; computed when absent. */
  checksum?: number;
}

/** An IPv4 header (RFC 791 §3.1) with the checksum computed unless given. */
export function ipv4(f: Ipv4Fields): Uint8Array {
  const opts = f.options ?? [];
  const ihl = f.ihl ?? 5 + opts.length / 4;
  const hlen = 20 + opts.length;
  const total = f.totalLen ?? hlen + f.payloadLen;
  const h = cat(
    [0x40 | ihl, f.tos ?? 0],
    u16(total),
    u16(f.id ?? 0x1234),
    u16(((f.flags ?? 0) << 13) | (f.fragUnits ?? 0)),
    [f.ttl ?? 64, f.proto],
    [0, 0],
    ip4(f.src ?? "192.0.2.1"),
    ip4(f.dst ?? "198.51.100.2"),
    opts,
  );
  const ck = f.checksum ?? inetChecksum(h);
  h[10] = ck >>> 8;
  h[11] = ck & 0xff;
  return h;
}

/** IPv6 header fields for {@link ipv6}. */
export interface Ipv6Fields {
  next: number;
  /** Payload length field (everything after the fixed header). */
  payloadLen: number;
  src?: string;
  dst?: string;
  trafficClass?: number;
  flowLabel?: number;
  hopLimit?: number;
}

/** An IPv6 fixed header (RFC 8200 §3). */
export function ipv6(f: Ipv6Fields): Uint8Array {
  const tc = f.trafficClass ?? 0, fl = f.flowLabel ?? 0;
  return cat(
    u32((6 << 28) | (tc << 20) | fl),
    u16(f.payloadLen),
    [f.next, f.hopLimit ?? 64],
    ip6(f.src ?? "2001:db8::1"),
    ip6(f.dst ?? "2001:db8::2"),
  );
}

/**
 * An IPv6 extension header in 8-octet units (Hop-by-Hop, Routing,
 * Destination Options): next header, length, then `body` padded with zeros
 * to a multiple of 8 bytes in total.
 */
export function ipv6Ext(next: number, body: number[] = []): number[] {
  const len = Math.ceil((2 + body.length) / 8) * 8;
  const out = [next, len / 8 - 1, ...body];
  while (out.length < len) out.push(0);
  return out;
}

/** An IPv6 Fragment header (RFC 8200 §4.5): offset in 8-byte units, M flag, id. */
export function ipv6Frag(next: number, fragUnits: number, more: boolean, id: number): number[] {
  return [next, 0, ...u16((fragUnits << 3) | (more ? 1 : 0)), ...u32(id)];
}

/** TCP header fields for {@link tcp}. */
export interface TcpFields {
  sport?: number;
  dport?: number;
  seq?: number;
  ack?: number;
  /** 9 flag bits (NS as 0x100). */
  flags?: number;
  window?: number;
  checksum?: number;
  urgent?: number;
  /** Raw option bytes (padded with EOL to a multiple of 4 unless `dataOffset` is given). */
  options?: number[];
  /** Data offset in 32-bit words (default from the options). */
  dataOffset?: number;
}

/** A TCP header (RFC 9293 §3.1). */
export function tcp(f: TcpFields): Uint8Array {
  const opts = [...(f.options ?? [])];
  if (f.dataOffset === undefined) { while (opts.length % 4) opts.push(0); }
  const doff = f.dataOffset ?? 5 + opts.length / 4;
  const flags = f.flags ?? 0x02;
  return cat(
    u16(f.sport ?? 40000),
    u16(f.dport ?? 80),
    u32(f.seq ?? 0x01020304),
    u32(f.ack ?? 0),
    [(doff << 4) | (flags >>> 8), flags & 0xff],
    u16(f.window ?? 65535),
    u16(f.checksum ?? 0xabcd),
    u16(f.urgent ?? 0),
    opts,
  );
}

/** A UDP header (RFC 768); `len` defaults to 8 + payloadLen. */
export function udp(sport: number, dport: number, payloadLen: number, len?: number): Uint8Array {
  return cat(u16(sport), u16(dport), u16(len ?? 8 + payloadLen), u16(0x5555));
}

/** Options for {@link frameOf}. */
export interface FrameOptions {
  linkType?: number;
  /** Captured length (default: all bytes). */
  capLen?: number;
  /** Length on the wire (default: all bytes). */
  wireLen?: number;
  /** Offset of the frame in its buffer (default 7: catches code that assumes 0). */
  offset?: number;
  /** Byte value of everything around the frame (default 0xee). */
  fill?: number;
}

/**
 * A `Frame` holding `bytes` at `offset` inside a buffer filled with `fill`
 * before and after, so a decoder that ignores `offset` or reads past
 * `capLen` sees wrong bytes. Bytes past `capLen` are not copied.
 */
export function frameOf(bytes: Uint8Array, opts: FrameOptions = {}): Frame {
  const offset = opts.offset ?? 7;
  const capLen = opts.capLen ?? bytes.length;
  const buf = new Uint8Array(offset + capLen + 64).fill(opts.fill ?? 0xee);
  buf.set(bytes.subarray(0, capLen), offset);
  const f = new Frame();
  f.buf = buf;
  f.offset = offset;
  f.capLen = capLen;
  f.wireLen = opts.wireLen ?? bytes.length;
  f.linkType = opts.linkType ?? LINKTYPE_ETHERNET;
  f.number = 1;
  return f;
}

/** Decodes `bytes` as one frame into a fresh record. */
export function decodeBytes(bytes: Uint8Array, opts: FrameOptions = {}): PacketRecord {
  const rec = new PacketRecord();
  decodeFrame(frameOf(bytes, opts), rec);
  return rec;
}

/**
 * Frame `number` (1-based) of fixture `name` (tests/fixtures), copied into a
 * frame of its own (the reader's buffer is reused).
 */
export async function fixtureFrame(name: string, number: number): Promise<Frame> {
  const path = new URL(`../../tests/fixtures/${name}`, import.meta.url).pathname;
  const reader = await CaptureFileReader.open(path);
  const f = new Frame();
  try {
    for (;;) {
      const s = reader.next(f);
      if (s === NEXT_FRAME) {
        if (f.number !== number) continue;
        const copy = frameOf(f.buf.slice(f.offset, f.offset + f.capLen), {
          linkType: f.linkType,
          wireLen: f.wireLen,
        });
        copy.number = f.number;
        return copy;
      } else if (s === NEXT_NEED_DATA) await reader.fill();
      else break;
    }
  } finally {
    reader.close();
  }
  throw new RangeError(`Cannot find frame ${number} in ${name}: the file has fewer frames`);
}

/** Decodes frame `number` of fixture `name` into a fresh record. */
export async function decodeFixture(name: string, number: number): Promise<PacketRecord> {
  const rec = new PacketRecord();
  decodeFrame(await fixtureFrame(name, number), rec);
  return rec;
}

/** Dotted text of the IPv4 address at `off` in `rec.buf`. */
export function addr4(rec: PacketRecord, off: number): string {
  const b = rec.buf;
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

/** Bytes `[off, off + n)` of `rec.buf` as a plain array. */
export function bytesAt(rec: PacketRecord, off: number, n: number): number[] {
  return [...rec.buf.subarray(off, off + n)];
}

/** Bytes from hex text; whitespace is ignored ("0019 e3e7" → [0x00, 0x19, 0xe3, 0xe7]). */
export function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, "");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * Frame 1 of one_http_stream_fin.pcap: an Ethernet/IPv4/TCP SYN with MSS,
 * window scale and SACK-permitted options, followed by a 4-byte trailer
 * (frame 70 bytes, IPv4 total length 52):
 *
 * ```
 * 00:0f:66:ae:e9:8a > 00:19:e3:e7:5d:23, ethertype IPv4 (0x0800), length 70:
 * 192.168.1.2.49486 > 77.67.44.206.80: Flags [S], seq 4007155348, win 8192,
 * options [mss 1460,nop,wscale 8,nop,nop,sackOK], length 0
 *   0x0000:  0019 e3e7 5d23 000f 66ae e98a 0800 4500  ....]#..f.....E.
 *   0x0010:  0034 5485 4000 8006 6a83 c0a8 0102 4d43  .4T.@...j.....MC
 *   0x0020:  2cce c14e 0050 eed8 5694 0000 0000 8002  ,..N.P..V.......
 *   0x0030:  2000 0c49 0000 0204 05b4 0103 0308 0101  ...I............
 *   0x0040:  0402 443b ce88                           ..D;..
 * ```
 */
export const SYN_FRAME: Uint8Array = hex(`
  0019 e3e7 5d23 000f 66ae e98a 0800 4500
  0034 5485 4000 8006 6a83 c0a8 0102 4d43
  2cce c14e 0050 eed8 5694 0000 0000 8002
  2000 0c49 0000 0204 05b4 0103 0308 0101
  0402 443b ce88
`);
