/**
 * TEST-ONLY helpers: a minimal pcap/pcapng record walker and pcap writer
 * for the BPF tests and bench. Not for production use (reads whole files,
 * allocates per record); the real reader is capture_file_reader.ts.
 *
 * Formats: pcap (draft-ietf-opsawg-pcap §4–5: 24-byte file header, 16-byte
 * record headers, either byte order, µs or ns magic) and pcapng
 * (draft-ietf-opsawg-pcapng §4: SHB, IDB, EPB, SPB, obsolete PB).
 *
 * @module
 */

/** One record, with its bytes copied out. */
export interface WalkRecord {
  /** 1-based position in the file, as tshark numbers frames. */
  number: number;
  linkType: number;
  capLen: number;
  wireLen: number;
  data: Uint8Array;
}

/** Result of walking a file. */
export interface WalkResult {
  format: "pcap" | "pcapng";
  records: WalkRecord[];
  /** True if the file ended inside a record (records up to there are returned). */
  truncated: boolean;
}

/**
 * Reads all records of a pcap or pcapng file; null if the file is neither
 * (or is a pcap version other than 2.x, which libpcap refuses too).
 */
export function walkCapture(bytes: Uint8Array): WalkResult | null {
  if (bytes.length < 4) return null;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magicLE = dv.getUint32(0, true);
  if (magicLE === 0x0a0d0d0a) return walkPcapng(bytes, dv);
  const le = magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d;
  const be = dv.getUint32(0, false) === 0xa1b2c3d4 || dv.getUint32(0, false) === 0xa1b23c4d;
  if (!le && !be) return null;
  if (bytes.length < 24 || dv.getUint16(4, le) !== 2) return null;
  const linkType = dv.getUint32(20, le) & 0x0fffffff;
  const records: WalkRecord[] = [];
  let off = 24;
  let truncated = false;
  while (off < bytes.length) {
    if (off + 16 > bytes.length) {
      truncated = true;
      break;
    }
    const capLen = dv.getUint32(off + 8, le);
    const wireLen = dv.getUint32(off + 12, le);
    if (off + 16 + capLen > bytes.length) {
      truncated = true;
      break;
    }
    records.push({
      number: records.length + 1,
      linkType,
      capLen,
      wireLen,
      data: bytes.slice(off + 16, off + 16 + capLen),
    });
    off += 16 + capLen;
  }
  return { format: "pcap", records, truncated };
}

function walkPcapng(bytes: Uint8Array, dv: DataView): WalkResult | null {
  const records: WalkRecord[] = [];
  let ifaces: { linkType: number; snaplen: number }[] = [];
  let le = true;
  let off = 0;
  let truncated = false;
  while (off + 12 <= bytes.length) {
    let type = dv.getUint32(off, le);
    if (type === 0x0a0d0d0a) {
      // Section Header Block: byte-order magic decides the endianness.
      le = dv.getUint32(off + 8, true) === 0x1a2b3c4d;
      type = 0x0a0d0d0a;
      ifaces = [];
    }
    const total = dv.getUint32(off + 4, le);
    if (total < 12 || off + total > bytes.length) {
      truncated = true;
      break;
    }
    const body = off + 8;
    if (type === 1) {
      ifaces.push({ linkType: dv.getUint16(body, le), snaplen: dv.getUint32(body + 4, le) });
    } else if (type === 6 || type === 2) {
      // EPB: if_id u32, ts hi, ts lo, caplen, len. PB: if_id u16, drops u16, ts, ts, caplen, len.
      const ifId = type === 6 ? dv.getUint32(body, le) : dv.getUint16(body, le);
      const capLen = dv.getUint32(body + 12, le);
      const wireLen = dv.getUint32(body + 16, le);
      const iface = ifaces[ifId];
      if (iface === undefined) return null;
      records.push({
        number: records.length + 1,
        linkType: iface.linkType,
        capLen,
        wireLen,
        data: bytes.slice(body + 20, body + 20 + capLen),
      });
    } else if (type === 3) {
      // SPB: original length, data cut to the first interface's snaplen.
      const wireLen = dv.getUint32(body, le);
      const iface = ifaces[0];
      if (iface === undefined) return null;
      const capLen = Math.min(wireLen, iface.snaplen || wireLen, total - 16);
      records.push({
        number: records.length + 1,
        linkType: iface.linkType,
        capLen,
        wireLen,
        data: bytes.slice(body + 4, body + 4 + capLen),
      });
    }
    off += total;
  }
  if (off < bytes.length) truncated = true;
  return { format: "pcapng", records, truncated };
}

/** Writes `records` as a little-endian µs pcap file with link type `linkType`. */
export function writePcap(
  records: readonly WalkRecord[],
  linkType: number,
  snaplen = 262144,
): Uint8Array {
  let size = 24;
  for (const r of records) size += 16 + r.capLen;
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 0xa1b2c3d4, true);
  dv.setUint16(4, 2, true);
  dv.setUint16(6, 4, true);
  dv.setUint32(16, snaplen, true);
  dv.setUint32(20, linkType, true);
  let off = 24;
  for (const r of records) {
    dv.setUint32(off, r.number, true); // distinct timestamps help debugging
    dv.setUint32(off + 8, r.capLen, true);
    dv.setUint32(off + 12, r.wireLen, true);
    out.set(r.data, off + 16);
    off += 16 + r.capLen;
  }
  return out;
}
