/**
 * The `--json` form of a packet: one object per packet with every decoded
 * field, numbers as numbers, layers that are absent left out. The schema
 * is documented in docs/json-output.md; `type` tells packets from the
 * summary (and, later, flows and alerts) in the same stream.
 *
 * @module
 */

import { dnsToJson } from "../protocol/dns.ts";
import {
  L_DNS,
  L_FRAME,
  L_TLS,
  LAYER_NAMES,
  NET_ARP,
  NET_IPV4,
  NET_IPV6,
  type PacketRecord,
  REASON_TEXT,
  ST_OK,
  STATUS_NAMES,
} from "../protocol/packet.ts";
import { tlsToJson } from "../protocol/tls.ts";
import { ipText, macText } from "./addresses.ts";
import { tcpFlagsText, tcpOptionsText } from "./tcp_text.ts";
import { epochText, isoText } from "./timestamp.ts";

/** Builds the JSON object for one decoded packet. */
export function packetToJson(rec: PacketRecord): Record<string, unknown> {
  const f = rec.frame;
  const b = rec.buf;
  const o: Record<string, unknown> = {
    type: "packet",
    number: f.number,
    ts: isoText(f.tsSec, f.tsNsec),
    ts_epoch: epochText(f.tsSec, f.tsNsec),
    cap_len: f.capLen,
    wire_len: f.wireLen,
    interface: f.ifIndex,
    link_type: f.linkType,
    status: STATUS_NAMES[rec.status],
  };
  if (rec.status !== ST_OK) {
    o.problem = {
      layer: LAYER_NAMES[rec.statusLayer],
      reason: REASON_TEXT[rec.reason],
    };
  }
  if (rec.macDstOff >= 0) {
    o.eth = { src: macText(b, rec.macSrcOff), dst: macText(b, rec.macDstOff) };
  } else if (rec.sllPacketType >= 0) {
    o.sll = {
      packet_type: rec.sllPacketType,
      src: rec.macSrcOff >= 0 ? macText(b, rec.macSrcOff) : null,
    };
  } else if (rec.nullFamily >= 0) {
    o.null = { family: rec.nullFamily };
  }
  if (rec.status !== ST_OK && rec.statusLayer === L_FRAME) return o;
  o.ether_type = rec.etherType;
  if (rec.vlanCount > 0) {
    const tags = [];
    const n = Math.min(rec.vlanCount, rec.vlanIds.length);
    for (let i = 0; i < n; i++) {
      tags.push({ id: rec.vlanIds[i], tpid: rec.vlanTpids[i], pcp: rec.vlanPcps[i] });
    }
    o.vlan = tags;
    if (rec.vlanCount > n) o.vlan_count = rec.vlanCount;
  }
  if (rec.mplsCount > 0) o.mpls = { labels: rec.mplsCount, top_label: rec.mplsLabel };
  if (rec.net === NET_ARP && rec.arpSpa >= 0) {
    const v4 = rec.arpProtoType === 0x0800 && rec.arpPln === 4;
    o.arp = {
      op: rec.arpOp,
      hw_type: rec.arpHwType,
      proto_type: rec.arpProtoType,
      sender_mac: macText(b, rec.arpSha, rec.arpHln),
      sender_ip: v4 ? ipText(b, rec.arpSpa, 4) : macText(b, rec.arpSpa, rec.arpPln),
      target_mac: macText(b, rec.arpTha, rec.arpHln),
      target_ip: v4 ? ipText(b, rec.arpTpa, 4) : macText(b, rec.arpTpa, rec.arpPln),
    };
  }
  if ((rec.net === NET_IPV4 || rec.net === NET_IPV6) && rec.srcAddrOff >= 0) {
    const v4 = rec.net === NET_IPV4;
    const ip: Record<string, unknown> = {
      version: v4 ? 4 : 6,
      src: ipText(b, rec.srcAddrOff, v4 ? 4 : 16),
      dst: ipText(b, rec.dstAddrOff, v4 ? 4 : 16),
      proto: rec.ipProto,
      ttl: rec.ttl,
      tos: rec.tos,
      total_len: rec.ipTotalLen,
      hdr_len: rec.netHdrLen,
    };
    if (v4) {
      ip.id = rec.ipId;
      ip.df = (rec.ipFlags & 2) !== 0;
      ip.mf = rec.moreFragments === 1;
      ip.frag_offset = rec.fragOffset;
      ip.checksum = rec.ipChecksum;
      ip.checksum_ok = rec.ipChecksumOk < 0 ? null : rec.ipChecksumOk === 1;
    } else {
      ip.flow_label = rec.flowLabel;
      ip.ext_headers = rec.ipv6ExtCount;
      if (rec.isFragment) {
        ip.frag_id = rec.ipId;
        ip.frag_offset = rec.fragOffset;
        ip.mf = rec.moreFragments === 1;
      }
    }
    ip.fragment = rec.isFragment === 1;
    o.ip = ip;
  }
  if (rec.ipProto === 6 && rec.srcPort >= 0) {
    const tcp: Record<string, unknown> = {
      src_port: rec.srcPort,
      dst_port: rec.dstPort,
      seq: rec.tcpSeq,
      ack: rec.tcpAck,
      flags: rec.tcpFlags,
      flags_text: tcpFlagsText(rec.tcpFlags),
      window: rec.tcpWindow,
      hdr_len: rec.tcpHdrLen,
      urgent: rec.tcpUrgent,
      checksum: rec.tcpChecksum,
      payload_len: rec.payloadWireLen,
    };
    const opts: Record<string, unknown> = {};
    if (rec.tcpMss >= 0) opts.mss = rec.tcpMss;
    if (rec.tcpWscale >= 0) opts.wscale = rec.tcpWscale;
    if (rec.tcpSackPerm) opts.sack_permitted = true;
    if (rec.tcpSackCount > 0) {
      const blocks = [];
      for (let i = 0; i < rec.tcpSackCount; i++) {
        blocks.push([rec.tcpSack[2 * i], rec.tcpSack[2 * i + 1]]);
      }
      opts.sack = blocks;
    }
    if (rec.tcpHasTs) opts.ts = { val: rec.tcpTsVal, ecr: rec.tcpTsEcr };
    if (rec.tcpHdrLen > 20) opts.text = tcpOptionsText(rec);
    tcp.options = opts;
    o.tcp = tcp;
  } else if (rec.ipProto === 17 && rec.srcPort >= 0) {
    o.udp = {
      src_port: rec.srcPort,
      dst_port: rec.dstPort,
      length: rec.udpLen,
      checksum: rec.udpChecksum,
      payload_len: rec.payloadWireLen,
    };
  } else if ((rec.ipProto === 1 || rec.ipProto === 58) && rec.icmpType >= 0) {
    const icmp: Record<string, unknown> = {
      type: rec.icmpType,
      code: rec.icmpCode,
      checksum: rec.icmpChecksum,
    };
    if (rec.icmpId >= 0) {
      icmp.id = rec.icmpId;
      icmp.seq = rec.icmpSeq;
    }
    if (rec.icmpTargetOff >= 0) icmp.target = ipText(b, rec.icmpTargetOff, 16);
    o[rec.ipProto === 1 ? "icmp" : "icmpv6"] = icmp;
  }
  if (rec.app === L_DNS) o.dns = dnsToJson(b, rec.dns);
  else if (rec.app === L_TLS) o.tls = tlsToJson(b, rec.tls);
  return o;
}
