/**
 * Known, justified differences between tshark's conversation tables /
 * Community IDs and NetScope's flow table, used by
 * tests/flow_differential_test.ts. Every entry must still match a real
 * difference (the test fails on a stale entry) and carry a reason.
 *
 * @module
 */

/** tshark lists conversations NetScope does not have (and so cannot compare). */
export interface TsharkOnlyFlows {
  file: string;
  kind: "tshark_only_flows";
  /** Conversation keys as the test prints them: "tcp <ip>:<port> <ip>:<port>" (endpoints sorted). */
  flows: readonly string[];
  reason: string;
}

/** Frames NetScope counts in a TCP/UDP flow that tshark's conversation table does not count. */
export interface UncountedFrames {
  file: string;
  kind: "uncounted_frames";
  frames: readonly number[];
  reason: string;
}

/** Frames whose Community ID (per packet, or the flow's if first) differs from tshark's. */
export interface CommunityIdFrames {
  file: string;
  kind: "community_id";
  frames: readonly number[] | "all";
  reason: string;
}

/** One accepted difference. */
export type FlowDifferentialException = TsharkOnlyFlows | UncountedFrames | CommunityIdFrames;

/** The accepted differences. */
export const FLOW_DIFFERENTIAL_EXCEPTIONS: readonly FlowDifferentialException[] = [
  {
    file: "gre-sample.pcap",
    kind: "tshark_only_flows",
    flows: [
      "tcp 172.28.2.3:22 66.59.111.190:40264",
      "udp 172.28.2.3:53 66.59.111.190:37675",
      "udp 18.26.4.105:123 66.59.111.190:123",
      "udp 66.59.111.182:123 66.59.111.190:123",
      "udp 129.170.17.4:123 66.59.111.190:123",
    ],
    reason: "GRE tunnel (IP protocol 47): tshark's TCP/UDP taps fire for the encapsulated " +
      "packets, so it lists the inner conversations; NetScope tracks the outer packet only " +
      "(one protocol-47 address-pair flow between the tunnel endpoints)",
  },
  {
    file: "gre-sample.pcap",
    kind: "community_id",
    frames: "all",
    reason: "GRE tunnel: tshark's Community ID post-dissector hashes the innermost IP " +
      "tuple (checked: frame 1 hashes the inner ICMP echo 66.59.111.190 -> 172.28.2.3), " +
      "NetScope the outer GRE tuple its flow is keyed on",
  },
  {
    file: "vxlan.pcap",
    kind: "community_id",
    frames: [1, 4, 5, 6, 7, 8, 9, 10],
    reason: "VXLAN tunnel (UDP 4789): tshark's Community ID hashes the encapsulated ICMP " +
      "echo (checked: frame 1 = ICMP 192.168.203.3 -> 192.168.203.5 type 8), NetScope the " +
      "outer UDP tuple its flow is keyed on; frames 2-3 carry ARP inside, so tshark hashes " +
      "the outer UDP tuple there and both agree",
  },
  {
    file: "ip6-ext-trunc.pcap",
    kind: "community_id",
    frames: [1],
    reason: "The Hop-by-Hop header runs past the captured bytes: tshark's IPv6 dissector " +
      "throws and its Community ID post-dissector emits nothing; NetScope still has the " +
      "addresses and accounts the packet in an address-pair flow keyed on the last " +
      "next-header value reached (0, Hop-by-Hop), whose Community ID it can compute",
  },
  {
    file: "truncated-header.pcap",
    kind: "uncounted_frames",
    frames: [1],
    reason: "The SYN's options are cut by the 68-byte snaplen: tshark's TCP dissector throws " +
      "('Packet size limited during capture: TCP truncated') before it queues the TCP tap, " +
      "so conv,tcp does not count the frame; NetScope counts every frame with a flow key " +
      "(the 74 bytes were on the wire)",
  },
];
