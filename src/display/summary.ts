/**
 * The end-of-run summary, as text and as a JSON object.
 *
 * @module
 */

import type { PacketCounters } from "../analysis/packet_counters.ts";
import { LAYER_NAMES, REASON_TEXT } from "../protocol/packet.ts";
import { isoText } from "./timestamp.ts";

/** Layers listed under "protocols", in display order. */
const SHOWN_LAYERS = [2, 4, 5, 3, 17, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];

/** Where the packets came from, for the summary's first line. */
export interface SummarySource {
  path: string;
  format: string;
  /** Frames the filter rejected (0 without a filter). */
  filteredOut: number;
  /** Error that ended reading early, or null. */
  error: string | null;
}

function spanSecs(c: PacketCounters): number {
  if (c.packets === 0) return 0;
  return (c.lastSec - c.firstSec) + (c.lastNsec - c.firstNsec) / 1e9;
}

/** Summary as text lines. */
export function formatSummary(c: PacketCounters, src: SummarySource): string {
  const lines: string[] = [];
  lines.push(`--- ${src.path} (${src.format}) ---`);
  let first = `${c.packets} packets, ${c.wireBytes} bytes on the wire, ${c.capturedBytes} captured`;
  if (src.filteredOut > 0) first += `, ${src.filteredOut} rejected by the filter`;
  lines.push(first);
  if (c.packets > 0) {
    lines.push(
      `time span: ${isoText(c.firstSec, c.firstNsec)} .. ${isoText(c.lastSec, c.lastNsec)} (${
        spanSecs(c).toFixed(6)
      } s)`,
    );
  }
  const protos: string[] = [];
  for (const l of SHOWN_LAYERS) {
    const n = c.perLayer[l]!;
    if (n > 0) protos.push(`${LAYER_NAMES[l]} ${n}`);
  }
  if (protos.length > 0) lines.push("protocols: " + protos.join(", "));
  lines.push(
    `malformed: ${c.malformed}, truncated: ${c.truncated}, unsupported: ${c.unsupported}` +
      (c.badIpv4Checksums > 0 ? `, bad IPv4 header checksums: ${c.badIpv4Checksums}` : "") +
      (c.fragments > 0 ? `, IP fragments: ${c.fragments}` : ""),
  );
  for (let r = 1; r < c.perReason.length; r++) {
    const n = c.perReason[r]!;
    if (n > 0) lines.push(`  ${REASON_TEXT[r]}: ${n}`);
  }
  for (const [lt, n] of c.unsupportedLinkTypes) lines.push(`  link type ${lt}: ${n} frames`);
  if (src.error !== null) lines.push(`stopped early: ${src.error}`);
  return lines.join("\n");
}

/** Summary as a JSON-ready object (`type: "summary"`). */
export function summaryToJson(c: PacketCounters, src: SummarySource): Record<string, unknown> {
  const protocols: Record<string, number> = {};
  for (const l of SHOWN_LAYERS) {
    const n = c.perLayer[l]!;
    if (n > 0) protocols[LAYER_NAMES[l]!] = n;
  }
  const reasons: Record<string, number> = {};
  for (let r = 1; r < c.perReason.length; r++) {
    const n = c.perReason[r]!;
    if (n > 0) reasons[REASON_TEXT[r]!] = n;
  }
  const unsupportedLinkTypes: Record<string, number> = {};
  for (const [lt, n] of c.unsupportedLinkTypes) unsupportedLinkTypes[String(lt)] = n;
  return {
    type: "summary",
    source: src.path,
    format: src.format,
    packets: c.packets,
    bytes_wire: c.wireBytes,
    bytes_captured: c.capturedBytes,
    filtered_out: src.filteredOut,
    first_ts: c.packets > 0 ? isoText(c.firstSec, c.firstNsec) : null,
    last_ts: c.packets > 0 ? isoText(c.lastSec, c.lastNsec) : null,
    duration_secs: spanSecs(c),
    protocols,
    malformed: c.malformed,
    truncated: c.truncated,
    unsupported: c.unsupported,
    bad_ipv4_checksums: c.badIpv4Checksums,
    ip_fragments: c.fragments,
    problems: reasons,
    unsupported_link_types: unsupportedLinkTypes,
    error: src.error,
  };
}
