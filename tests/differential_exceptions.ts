/**
 * Known, justified differences between tshark and NetScope's decoder, used
 * by tests/differential_test.ts. Keep this list short: every entry needs a
 * reason a reviewer would accept, and the test fails if an entry no longer
 * matches any difference (a stale exception hides nothing and must go).
 *
 * @module
 */

/** The compared fields (tshark field names, plus `ipv6.transport` and `tls.sni`). */
export type CompareField =
  | "frame.len"
  | "frame.cap_len"
  | "vlan.id"
  | "ip.src"
  | "ip.dst"
  | "ipv6.src"
  | "ipv6.dst"
  | "ip.proto"
  | "ip.len"
  | "ip.ttl"
  | "ip.id"
  | "ip.flags"
  | "ip.frag_offset"
  | "ip.checksum.status"
  | "ipv6.plen"
  | "ipv6.hlim"
  | "ipv6.flow"
  | "ipv6.transport"
  | "tcp.srcport"
  | "tcp.dstport"
  | "udp.srcport"
  | "udp.dstport"
  | "tcp.flags"
  | "tcp.seq_raw"
  | "tcp.ack_raw"
  | "tcp.len"
  | "tcp.hdr_len"
  | "tcp.window_size_value"
  | "tcp.options.mss_val"
  | "tcp.options.wscale.shift"
  | "tcp.options.sack_perm"
  | "tcp.options.sack_le"
  | "tcp.options.sack_re"
  | "tcp.options.timestamp.tsval"
  | "tcp.options.timestamp.tsecr"
  | "udp.length"
  | "icmp.type"
  | "icmp.code"
  | "icmpv6.type"
  | "icmpv6.code"
  | "mpls.label"
  | "mpls.count"
  | "arp.opcode"
  | "dns.qry.name"
  | "tls.sni";

/** One accepted difference. */
export interface DifferentialException {
  /** Fixture file name (in tests/fixtures). */
  file: string;
  /** Frame numbers (1-based, as tshark counts) or "all". */
  frames: number[] | "all";
  /** The fields that differ (each must match at least one difference). */
  fields: readonly CompareField[];
  /**
   * "first": tshark reports extra occurrences (an encapsulated or quoted
   * packet NetScope does not decode); NetScope's value must still equal
   * tshark's first occurrence. "any": the field is not compared at all on
   * these frames.
   */
  compare: "first" | "any";
  /** Why the difference is right (or why tshark is). */
  reason: string;
}

/** Every field tshark reports for each IPv4 header it decodes. */
const IPV4_HEADER: readonly CompareField[] = [
  "ip.src",
  "ip.dst",
  "ip.proto",
  "ip.len",
  "ip.ttl",
  "ip.id",
  "ip.flags",
  "ip.frag_offset",
  "ip.checksum.status",
];

/** Every field tshark reports for each TCP header it decodes. */
const TCP_HEADER: readonly CompareField[] = [
  "tcp.srcport",
  "tcp.dstport",
  "tcp.flags",
  "tcp.seq_raw",
  "tcp.ack_raw",
  "tcp.len",
  "tcp.hdr_len",
  "tcp.window_size_value",
  "tcp.options.mss_val",
  "tcp.options.wscale.shift",
  "tcp.options.sack_perm",
  "tcp.options.timestamp.tsval",
  "tcp.options.timestamp.tsecr",
];

/** The accepted differences. */
export const DIFFERENTIAL_EXCEPTIONS: readonly DifferentialException[] = [
  // ---- Tunnels: NetScope decodes the outer packet only. ----
  {
    file: "gre-sample.pcap",
    frames: "all",
    fields: IPV4_HEADER,
    compare: "first",
    reason: "GRE (IP protocol 47) tunnel: tshark decodes the encapsulated IPv4 packet and " +
      "lists its addresses and protocol as further occurrences; NetScope decodes the outer " +
      "packet only (protocol 47, no GRE decoder), which must equal tshark's first occurrence",
  },
  {
    file: "gre-sample.pcap",
    frames: "all",
    fields: TCP_HEADER,
    compare: "any",
    reason: "GRE tunnel: these TCP fields belong to the encapsulated (inner) packet, " +
      "which NetScope does not decode; the outer packet has no TCP header",
  },
  {
    file: "gre-sample.pcap",
    frames: "all",
    fields: ["udp.srcport", "udp.dstport", "udp.length", "icmp.type", "icmp.code"],
    compare: "any",
    reason: "GRE tunnel: these UDP/ICMP fields belong to the encapsulated (inner) packet, " +
      "which NetScope does not decode; the outer packet is GRE",
  },
  {
    file: "gre-sample.pcap",
    frames: [33, 34, 35, 36],
    fields: ["dns.qry.name"],
    compare: "any",
    reason: "GRE tunnel: the DNS query (and the ICMP error quoting one) travels inside the " +
      "tunnel; NetScope does not decode GRE payloads",
  },
  {
    file: "vxlan.pcap",
    frames: "all",
    fields: IPV4_HEADER,
    compare: "first",
    reason: "VXLAN (UDP/4789, RFC 7348) tunnel: tshark decodes the inner Ethernet/IPv4 " +
      "packet and lists its addresses and protocol as further occurrences; NetScope decodes " +
      "the outer UDP packet only, which must equal tshark's first occurrence",
  },
  {
    file: "vxlan.pcap",
    frames: "all",
    fields: ["icmp.type", "icmp.code", "arp.opcode"],
    compare: "any",
    reason: "VXLAN tunnel: the ICMP echoes and ARP packets are inside the tunnel; " +
      "NetScope's outer packet is UDP",
  },
  // ---- ICMP errors quote the offending packet (RFC 792). ----
  {
    file: "IcmpPackets.pcap",
    frames: [2, 5, 6, 11, 12, 13],
    fields: [...IPV4_HEADER, "icmp.type", "icmp.code"],
    compare: "first",
    reason: "ICMP redirect / unreachable / time exceeded quote the IP header of the packet " +
      "that caused them (RFC 792); tshark decodes the quote and lists its addresses, " +
      "protocol and ICMP type as further occurrences. NetScope reports the outer ICMP " +
      "packet, which must equal tshark's first occurrence",
  },
  {
    file: "IcmpPackets.pcap",
    frames: [5, 6, 13],
    fields: ["udp.srcport", "udp.dstport", "udp.length", "tcp.srcport", "tcp.dstport"],
    compare: "any",
    reason: "ICMP errors quoting a UDP or TCP header: tshark reports the quoted ports; " +
      "the packet itself is ICMP and has no ports in NetScope's record",
  },
];
