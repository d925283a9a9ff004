/**
 * The exported form of one flow: the same fields, in the same order, for
 * JSON, CSV and JSON lines. The first 23 fields are the reference tool's
 * CSV columns in its order; NetScope's additions follow. Times are seconds
 * since the UNIX epoch (UTC) with microsecond precision.
 *
 * @module
 */

/** One flow as exported. `null` marks a value that does not apply (e.g. RTT of a UDP flow). */
export interface FlowRecord {
  protocol: string;
  endpoint_a_ip: string;
  endpoint_a_port: number;
  endpoint_b_ip: string;
  endpoint_b_port: number;
  first_seen: number;
  last_seen: number;
  duration_secs: number;
  packets_a_to_b: number;
  packets_b_to_a: number;
  bytes_a_to_b: number;
  bytes_b_to_a: number;
  packets_total: number;
  bytes_total: number;
  avg_bps: number;
  tcp_state: string | null;
  client: string | null;
  retransmissions: number | null;
  out_of_order: number | null;
  rtt_last_ms: number | null;
  rtt_min_ms: number | null;
  rtt_ewma_ms: number | null;
  rtt_samples: number | null;
  // ---- NetScope additions ----
  vlan: number;
  community_id: string;
  handshake_rtt_ms: number | null;
  dns_name: string | null;
  sni: string | null;
}

/** The reference tool's CSV columns, in its order. */
export const REFERENCE_CSV_COLUMNS = [
  "protocol",
  "endpoint_a_ip",
  "endpoint_a_port",
  "endpoint_b_ip",
  "endpoint_b_port",
  "first_seen",
  "last_seen",
  "duration_secs",
  "packets_a_to_b",
  "packets_b_to_a",
  "bytes_a_to_b",
  "bytes_b_to_a",
  "packets_total",
  "bytes_total",
  "avg_bps",
  "tcp_state",
  "client",
  "retransmissions",
  "out_of_order",
  "rtt_last_ms",
  "rtt_min_ms",
  "rtt_ewma_ms",
  "rtt_samples",
] as const;

/** Columns NetScope adds after the reference's. */
export const EXTRA_CSV_COLUMNS = [
  "vlan",
  "community_id",
  "handshake_rtt_ms",
  "dns_name",
  "sni",
] as const;

/** Every CSV column, in order. */
export const CSV_COLUMNS: readonly (keyof FlowRecord)[] = [
  ...REFERENCE_CSV_COLUMNS,
  ...EXTRA_CSV_COLUMNS,
];

/** Rounds to microseconds (export times and durations). */
export function micros(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** Rounds to 3 decimals (milliseconds with microsecond precision). */
export function millis3(x: number): number {
  return Math.round(x * 1e3) / 1e3;
}
