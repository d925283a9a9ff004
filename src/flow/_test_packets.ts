/**
 * Test-only packet factory for the flow tests: decoded `PacketRecord`s of
 * hand-built Ethernet frames (optionally VLAN-tagged) carrying IPv4/IPv6
 * TCP, UDP, ICMP or other protocols, fragments, and ARP. Allocation is fine
 * here.
 *
 * @module
 */

import {
  cat,
  decodeBytes,
  ethernet,
  ipv4,
  ipv6,
  ipv6Frag,
  tcp,
  u16,
  udp,
  vlanTag,
} from "../protocol/_test_frames.ts";
import type { PacketRecord } from "../protocol/packet.ts";
export { prng } from "../../tests/_prng.ts";

/** What a test packet is made of. */
export interface TestPacket {
  /** "tcp", "udp", "icmp" (IPv4 ICMP / IPv6 ICMPv6), or an IP protocol number. */
  proto: "tcp" | "udp" | "icmp" | number;
  /** Source address (dotted IPv4 or IPv6 text with at most one "::"). */
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
  /** TCP flags (default SYN). */
  flags?: number;
  /** ICMP type and code (default echo request, code 0). */
  icmpType?: number;
  icmpCode?: number;
  /** Outer VLAN id (untagged when absent); `innerVlan` adds a second tag. */
  vlan?: number;
  innerVlan?: number;
  /** Payload bytes after the transport header (default 0). */
  payload?: number;
  /** IPv4 fragment offset in 8-byte units (non-initial fragment when > 0), MF flag. */
  fragUnits?: number;
  moreFragments?: boolean;
}

function isV6(text: string): boolean {
  return text.includes(":");
}

/** The frame bytes of `p`. */
export function packetBytes(p: TestPacket): Uint8Array {
  const v6 = isV6(p.src);
  const payload = new Uint8Array(p.payload ?? 0);
  let l4: Uint8Array;
  let protoNum: number;
  if (p.proto === "tcp") {
    protoNum = 6;
    l4 = cat(
      tcp({ sport: p.sport ?? 40000, dport: p.dport ?? 80, flags: p.flags ?? 0x02 }),
      payload,
    );
  } else if (p.proto === "udp") {
    protoNum = 17;
    l4 = cat(udp(p.sport ?? 40000, p.dport ?? 53, payload.length), payload);
  } else if (p.proto === "icmp") {
    protoNum = v6 ? 58 : 1;
    l4 = cat([p.icmpType ?? (v6 ? 128 : 8), p.icmpCode ?? 0, 0, 0], u16(1), u16(1), payload);
  } else {
    protoNum = p.proto;
    l4 = cat(new Uint8Array(8), payload);
  }
  let net: Uint8Array;
  if (v6) {
    if ((p.fragUnits ?? 0) > 0 || p.moreFragments) {
      const fh = ipv6Frag(protoNum, p.fragUnits ?? 0, p.moreFragments ?? false, 0x1234);
      net = cat(ipv6({ next: 44, payloadLen: 8 + l4.length, src: p.src, dst: p.dst }), fh);
    } else net = ipv6({ next: protoNum, payloadLen: l4.length, src: p.src, dst: p.dst });
  } else {
    net = ipv4({
      proto: protoNum,
      payloadLen: l4.length,
      src: p.src,
      dst: p.dst,
      flags: p.moreFragments ? 1 : 0,
      fragUnits: p.fragUnits ?? 0,
    });
  }
  const type = v6 ? 0x86dd : 0x0800;
  let l2: Uint8Array;
  if (p.vlan === undefined) l2 = ethernet(type);
  else if (p.innerVlan === undefined) l2 = cat(ethernet(0x8100), vlanTag(0, p.vlan, type));
  else {
    l2 = cat(ethernet(0x88a8), vlanTag(0, p.vlan, 0x8100), vlanTag(0, p.innerVlan, type));
  }
  return cat(l2, net, l4);
}

/** `p` decoded into a fresh record. */
export function packet(p: TestPacket): PacketRecord {
  return decodeBytes(packetBytes(p));
}

/** An ARP request frame, decoded (no IP header: no flow). */
export function arpPacket(): PacketRecord {
  return decodeBytes(
    cat(ethernet(0x0806), u16(1), u16(0x0800), [6, 4], u16(1), new Uint8Array(20)),
  );
}

/** The same packet in the other direction. */
export function reversed(p: TestPacket): TestPacket {
  return { ...p, src: p.dst, dst: p.src, sport: p.dport, dport: p.sport };
}
