/**
 * The `-vv` per-layer protocol tree: one heading per layer, then each
 * decoded field on its own indented line. It is rendered from the same
 * object as `--json`, so the two views can never disagree.
 *
 * @module
 */

import type { PacketRecord } from "../protocol/packet.ts";
import { packetToJson } from "./packet_json.ts";

const TITLES: Record<string, string> = {
  eth: "Ethernet",
  sll: "Linux cooked",
  null: "Loopback",
  vlan: "802.1Q/802.1ad",
  mpls: "MPLS",
  arp: "ARP",
  ip: "IP",
  tcp: "TCP",
  udp: "UDP",
  icmp: "ICMP",
  icmpv6: "ICMPv6",
  dns: "DNS",
  tls: "TLS ClientHello",
  problem: "Problem",
};

const FRAME_KEYS = [
  "number",
  "ts",
  "cap_len",
  "wire_len",
  "interface",
  "link_type",
  "status",
  "ether_type",
];

function valueText(v: unknown): string {
  if (v === null || v === undefined) return "-";
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

function renderObject(o: Record<string, unknown>, indent: string, out: string[]): void {
  for (const [k, v] of Object.entries(o)) {
    if (Array.isArray(v) && v.length > 0 && typeof v[0] === "object" && v[0] !== null) {
      out.push(`${indent}${k}:`);
      v.forEach((item, i) => {
        out.push(`${indent}  [${i}]`);
        renderObject(item as Record<string, unknown>, indent + "    ", out);
      });
    } else if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      out.push(`${indent}${k}:`);
      renderObject(v as Record<string, unknown>, indent + "  ", out);
    } else {
      out.push(`${indent}${k}: ${valueText(v)}`);
    }
  }
}

/** The tree as lines joined by "\n" (each indented by two spaces). */
export function formatProtocolTree(rec: PacketRecord): string {
  const o = packetToJson(rec);
  const out: string[] = [];
  out.push("  Frame");
  for (const k of FRAME_KEYS) if (k in o) out.push(`    ${k}: ${valueText(o[k])}`);
  for (const [k, v] of Object.entries(o)) {
    if (k === "type" || k === "ts_epoch" || FRAME_KEYS.includes(k)) continue;
    const title = TITLES[k] ?? k;
    if (Array.isArray(v)) {
      v.forEach((tag, i) => {
        out.push(`  ${title} [${i}]`);
        renderObject(tag as Record<string, unknown>, "    ", out);
      });
    } else if (v !== null && typeof v === "object") {
      out.push(`  ${title}`);
      renderObject(v as Record<string, unknown>, "    ", out);
    } else {
      out.push(`  ${k}: ${valueText(v)}`);
    }
  }
  return out.join("\n");
}
