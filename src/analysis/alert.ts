/**
 * Anomaly alerts: the record the detectors raise, its terminal line and its
 * JSON-lines object (`--alerts-jsonl`, one object per line).
 *
 * JSON field order is fixed: `ts`, `kind`, `description`, then the target
 * (SYN flood) or source (port scan), the counts seen when the alert was
 * raised, and the settings it was judged by:
 *
 * ```json
 * {"ts":"2013-05-02T20:20:36.123456000Z","kind":"syn_flood",
 *  "description":"SYN flood to 10.0.0.5:80: 201 SYNs from 200 sources within 5 s",
 *  "target":{"ip":"10.0.0.5","port":80},"syn_count":201,"unique_sources":200,
 *  "window_secs":5,"syn_threshold":200,"unique_src_threshold":50}
 * {"ts":"...","kind":"port_scan",
 *  "description":"Port scan from 172.16.0.8: 26 ports on 1 host within 10 s",
 *  "source":{"ip":"172.16.0.8"},"unique_ports":26,"unique_hosts":1,
 *  "window_secs":10,"unique_ports_threshold":25,"unique_hosts_threshold":10}
 * ```
 *
 * An alert is raised by the packet that crosses the thresholds, so its
 * counts are usually just past them. Distinct counts are kept only up to a
 * cap (see the detectors): `unique_sources` equal to the cap means "at
 * least"; the description says so.
 *
 * @module
 */

import { isoText } from "../display/timestamp.ts";

/** Alert kinds. */
export type AlertKind = "syn_flood" | "port_scan";

/** A SYN flood alert: too many SYNs from too many sources to one (ip, port). */
export interface SynFloodAlert {
  /** Capture time of the packet that raised it, ISO 8601 UTC with nanoseconds. */
  ts: string;
  kind: "syn_flood";
  /** One human-readable line. */
  description: string;
  target: { ip: string; port: number };
  /** SYNs (SYN without ACK) to the target in the window. */
  syn_count: number;
  /** Distinct source addresses of those SYNs (a lower bound when at the cap). */
  unique_sources: number;
  window_secs: number;
  syn_threshold: number;
  unique_src_threshold: number;
}

/** A port scan alert: one source contacting too many ports or hosts. */
export interface PortScanAlert {
  ts: string;
  kind: "port_scan";
  description: string;
  source: { ip: string };
  /** Distinct (protocol, destination port) pairs in the window (at most threshold + 1). */
  unique_ports: number;
  /** Distinct destination addresses in the window (at most threshold + 1). */
  unique_hosts: number;
  window_secs: number;
  unique_ports_threshold: number;
  unique_hosts_threshold: number;
}

/** Any alert. */
export type Alert = SynFloodAlert | PortScanAlert;

/**
 * Absolute ISO 8601 time of capture-relative time `t` (seconds after the
 * run's first packet, whose whole seconds are `baseSec`).
 */
export function alertTime(baseSec: number, t: number): string {
  const whole = Math.floor(t);
  let sec = baseSec + whole;
  let nsec = Math.round((t - whole) * 1e9);
  if (nsec >= 1e9) {
    sec += 1;
    nsec -= 1e9;
  }
  return isoText(sec, nsec);
}

function plural(n: number, one: string, many: string): string {
  return n === 1 ? n + " " + one : n + " " + many;
}

/** Builds a SYN flood alert with its description. */
export function makeSynFloodAlert(
  ts: string,
  ip: string,
  port: number,
  endpoint: string,
  synCount: number,
  uniqueSources: number,
  sourcesCapped: boolean,
  windowSecs: number,
  synThreshold: number,
  uniqueSrcThreshold: number,
): SynFloodAlert {
  const from = sourcesCapped
    ? "at least " + uniqueSources + " sources"
    : plural(uniqueSources, "source", "sources");
  return {
    ts,
    kind: "syn_flood",
    description: "SYN flood to " + endpoint + ": " + plural(synCount, "SYN", "SYNs") + " from " +
      from + " within " + windowSecs + " s",
    target: { ip, port },
    syn_count: synCount,
    unique_sources: uniqueSources,
    window_secs: windowSecs,
    syn_threshold: synThreshold,
    unique_src_threshold: uniqueSrcThreshold,
  };
}

/** Builds a port scan alert with its description. */
export function makePortScanAlert(
  ts: string,
  ip: string,
  uniquePorts: number,
  uniqueHosts: number,
  windowSecs: number,
  portsThreshold: number,
  hostsThreshold: number,
): PortScanAlert {
  return {
    ts,
    kind: "port_scan",
    description: "Port scan from " + ip + ": " + plural(uniquePorts, "port", "ports") + " on " +
      plural(uniqueHosts, "host", "hosts") + " within " + windowSecs + " s",
    source: { ip },
    unique_ports: uniquePorts,
    unique_hosts: uniqueHosts,
    window_secs: windowSecs,
    unique_ports_threshold: portsThreshold,
    unique_hosts_threshold: hostsThreshold,
  };
}

/** The terminal line: `ALERT <ts> <kind>: <description>`. */
export function alertLine(a: Alert): string {
  return "ALERT " + a.ts + " " + a.kind + ": " + a.description;
}

/** The JSON object of an alert, fields in their fixed order (see the module doc). */
export function alertToJson(a: Alert): Record<string, unknown> {
  if (a.kind === "syn_flood") {
    return {
      ts: a.ts,
      kind: a.kind,
      description: a.description,
      target: { ip: a.target.ip, port: a.target.port },
      syn_count: a.syn_count,
      unique_sources: a.unique_sources,
      window_secs: a.window_secs,
      syn_threshold: a.syn_threshold,
      unique_src_threshold: a.unique_src_threshold,
    };
  }
  return {
    ts: a.ts,
    kind: a.kind,
    description: a.description,
    source: { ip: a.source.ip },
    unique_ports: a.unique_ports,
    unique_hosts: a.unique_hosts,
    window_secs: a.window_secs,
    unique_ports_threshold: a.unique_ports_threshold,
    unique_hosts_threshold: a.unique_hosts_threshold,
  };
}

/** One `--alerts-jsonl` line (no trailing newline). */
export function alertJsonLine(a: Alert): string {
  return JSON.stringify(alertToJson(a));
}
