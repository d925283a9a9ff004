/**
 * Known, justified differences between tshark's TCP sequence analysis and
 * NetScope's {@link TcpAnalyzer}, used by tests/tcp_analysis_differential_test.ts.
 * Every entry needs a reason a reviewer would accept; the test fails when an
 * entry matches no difference (a stale exception must go).
 *
 * @module
 */

/** What differs. */
export type TcpDifferenceKind =
  /** The frame's retransmission flag (plain, fast or spurious). */
  | "retransmission"
  /** The frame's out-of-order flag. */
  | "out_of_order"
  /** The flow's handshake RTT against tshark's tcp.analysis.initial_rtt. */
  | "initial_rtt"
  /** tshark's TCP streams and NetScope's flows do not pair one to one. */
  | "stream_mapping"
  /** A tshark TCP stream with flags or an initial RTT in frames NetScope does not see as TCP. */
  | "unseen_stream";

/** One accepted difference. */
export interface TcpAnalysisException {
  /** Fixture file name (in tests/fixtures). */
  file: string;
  kind: TcpDifferenceKind;
  /**
   * Frame numbers (1-based, as tshark counts) for the per-frame kinds; for
   * the per-stream kinds, tshark's tcp.stream numbers.
   */
  ids: readonly number[];
  /** Why the difference is right (or why tshark is). */
  reason: string;
}

/** The accepted differences. */
export const TCP_ANALYSIS_EXCEPTIONS: readonly TcpAnalysisException[] = [
  {
    file: "gre-sample.pcap",
    kind: "unseen_stream",
    ids: [0],
    reason:
      "The TCP (SSH) connection runs inside a plain GRE tunnel (IP protocol 47). NetScope's " +
      "decoder stops at the outer IP header for protocol 47, so the flow table sees one GRE " +
      "address-pair flow and never a TCP packet; tshark dissects the inner IPv4/TCP and reports " +
      "its initial RTT (45.976 ms) on frames 13+.",
  },
  {
    file: "pcapng-example.pcapng",
    kind: "initial_rtt",
    ids: [11],
    reason: "Stream 11 (frames 90-91: SYN, RST+ACK 22 us later) is on interface 1, whose " +
      "timestamps are about 1.8e13 s after the epoch (a broken interface clock; the file's " +
      "first packet is at 1.4e9 s). The pipeline hands the analyzer capture-relative time as " +
      "one float64, whose resolution at 1.8e13 s is about 4 ms, so both packets get the same " +
      "time and the 22 us RTT rounds to 0, which is not kept (as tshark drops a 0 initial " +
      "RTT). tshark keeps integer seconds and nanoseconds.",
  },
];
