/**
 * Test helper: what a reader of a PacketRecord can see, as a flat list, so
 * that tests can compare a reused record with a fresh decode (the decoder
 * fast path, record reuse, robustness).
 *
 * @module
 */

import { DNS_MAX_QUESTIONS, DNS_MAX_RRS } from "./dns.ts";
import type { PacketRecord } from "./packet.ts";

/**
 * Every scalar of the record, its DNS and TLS parts, the DNS header bits,
 * and the used part of every array (entries past a count are leftovers a
 * reader never looks at). Reading the DNS record arrays fills them if they
 * are lazy.
 */
export function recordState(rec: PacketRecord): unknown[] {
  const out: unknown[] = [];
  const scalars = (o: object) => {
    for (const [k, v] of Object.entries(o)) {
      if (typeof v === "number" || typeof v === "boolean") out.push(k, v);
    }
  };
  scalars(rec);
  scalars(rec.dns);
  scalars(rec.tls);
  const d = rec.dns;
  // The header bits are getters (not enumerable fields).
  out.push(d.qr, d.opcode, d.aa, d.tc, d.rd, d.ra, d.z, d.ad, d.cd);
  const tags = Math.min(rec.vlanCount, rec.vlanIds.length);
  out.push([...rec.vlanIds.subarray(0, tags)], [...rec.vlanTpids.subarray(0, tags)]);
  out.push([...rec.vlanPcps.subarray(0, tags)], [...rec.tcpSack.subarray(0, 2 * rec.tcpSackCount)]);
  const nq = Math.min(d.qParsed, DNS_MAX_QUESTIONS);
  for (const a of [d.qNameOff, d.qType, d.qClass]) out.push([...a.subarray(0, nq)]);
  const nr = Math.min(d.rrCount, DNS_MAX_RRS);
  for (const a of [d.rrSection, d.rrNameOff, d.rrType, d.rrClass, d.rrTtl, d.rrRdataOff]) {
    out.push([...a.subarray(0, nr)]);
  }
  out.push([...d.rrRdataLen.subarray(0, nr)]);
  return out;
}

/** Whether two `recordState` lists are equal (arrays element by element, the rest by ===). */
export function sameRecordState(a: unknown[], b: unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i], y = b[i];
    if (Array.isArray(x) && Array.isArray(y)) {
      if (x.length !== y.length) return false;
      for (let j = 0; j < x.length; j++) if (x[j] !== y[j]) return false;
    } else if (x !== y) return false;
  }
  return true;
}
