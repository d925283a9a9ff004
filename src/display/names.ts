/**
 * Names for protocol numbers, as tcpdump prints them. Unknown values stay
 * lossless: they print as their number.
 *
 * @module
 */

const ICMP_TYPES: Record<number, string> = {
  0: "echo reply",
  3: "destination unreachable",
  4: "source quench",
  5: "redirect",
  8: "echo request",
  9: "router advertisement",
  10: "router solicitation",
  11: "time exceeded",
  12: "parameter problem",
  13: "time stamp request",
  14: "time stamp reply",
  15: "information request",
  16: "information reply",
  17: "address mask request",
  18: "address mask reply",
};

const ICMP_UNREACH_CODES: Record<number, string> = {
  0: "net unreachable",
  1: "host unreachable",
  2: "protocol unreachable",
  3: "port unreachable",
  4: "need to frag",
  5: "source route failed",
  6: "net unknown",
  7: "host unknown",
  9: "net prohibited",
  10: "host prohibited",
  13: "administratively prohibited",
};

const ICMPV6_TYPES: Record<number, string> = {
  1: "destination unreachable",
  2: "packet too big",
  3: "time exceeded",
  4: "parameter problem",
  128: "echo request",
  129: "echo reply",
  130: "multicast listener query",
  131: "multicast listener report",
  132: "multicast listener done",
  133: "router solicitation",
  134: "router advertisement",
  135: "neighbor solicitation",
  136: "neighbor advertisement",
  137: "redirect",
  143: "multicast listener report v2",
};

const IP_PROTOCOLS: Record<number, string> = {
  0: "HBH",
  1: "ICMP",
  2: "IGMP",
  4: "IPIP",
  6: "TCP",
  17: "UDP",
  41: "IPv6",
  43: "Routing",
  44: "Fragment",
  47: "GRE",
  50: "ESP",
  51: "AH",
  58: "ICMP6",
  59: "NoNext",
  60: "DSTOPT",
  88: "EIGRP",
  89: "OSPF",
  103: "PIM",
  112: "VRRP",
  132: "SCTP",
};

const ETHER_TYPES: Record<number, string> = {
  0x0800: "IPv4",
  0x0806: "ARP",
  0x0842: "Wake-on-LAN",
  0x8035: "RARP",
  0x8100: "802.1Q",
  0x86dd: "IPv6",
  0x8808: "Ethernet flow control",
  0x8809: "Slow Protocols",
  0x8847: "MPLS unicast",
  0x8848: "MPLS multicast",
  0x8863: "PPPoE discovery",
  0x8864: "PPPoE session",
  0x888e: "EAPOL",
  0x88a8: "802.1ad",
  0x88cc: "LLDP",
  0x88e5: "MACsec",
  0x88f7: "PTP",
  0x9000: "Loopback",
  0x9100: "QinQ",
  0x9200: "QinQ",
};

const LINK_TYPES: Record<number, string> = {
  0: "NULL (BSD loopback)",
  1: "EN10MB (Ethernet)",
  12: "RAW (Raw IP)",
  14: "RAW (Raw IP)",
  101: "RAW (Raw IP)",
  108: "LOOP (OpenBSD loopback)",
  113: "LINUX_SLL (Linux cooked v1)",
  228: "IPV4 (Raw IPv4)",
  229: "IPV6 (Raw IPv6)",
  276: "LINUX_SLL2 (Linux cooked v2)",
};

/** "echo request", "destination unreachable", or "type-#N". */
export function icmpTypeName(type: number): string {
  return ICMP_TYPES[type] ?? "type-#" + type;
}

/** Code text for destination-unreachable messages, "" otherwise. */
export function icmpCodeName(type: number, code: number): string {
  if (type === 3) return ICMP_UNREACH_CODES[code] ?? "code " + code;
  if (type === 11) return code === 0 ? "in-transit" : "reassembly";
  return code === 0 ? "" : "code " + code;
}

/** ICMPv6 type name or "type-#N". */
export function icmpv6TypeName(type: number): string {
  return ICMPV6_TYPES[type] ?? "type-#" + type;
}

/** IP protocol short name or "ip-proto-N". */
export function ipProtoName(proto: number): string {
  return IP_PROTOCOLS[proto] ?? "ip-proto-" + proto;
}

/** Ethertype name, or "" if unknown. */
export function etherTypeName(type: number): string {
  return ETHER_TYPES[type] ?? "";
}

/** "0x88cc" style. */
export function hex16(v: number): string {
  return "0x" + v.toString(16).padStart(4, "0");
}

/** Link type name as tcpdump prints it, or "LINKTYPE N". */
export function linkTypeName(linkType: number): string {
  return LINK_TYPES[linkType] ?? "LINKTYPE " + linkType;
}
