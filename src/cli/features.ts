/**
 * Which feature each setting belongs to, so the program can refuse, with a
 * clear message, settings whose feature is not built yet instead of silently
 * ignoring them.
 *
 * @module
 */

import type { ConfigPath } from "./config.ts";
import { getSetting } from "./config.ts";
import type { Settings } from "./settings.ts";

/** Optional features a setting can request. */
export type Feature =
  | "live-capture"
  | "write-pcap"
  | "flows"
  | "stats"
  | "anomalies"
  | "web"
  | "pipeline";

/** Every feature, in the order messages are reported. */
export const FEATURES: readonly Feature[] = [
  "live-capture",
  "write-pcap",
  "flows",
  "stats",
  "anomalies",
  "web",
  "pipeline",
];

/** Feature names as used in "... is not available yet" messages. */
export const FEATURE_TITLES: Readonly<Record<Feature, string>> = {
  "live-capture": "live capture",
  "write-pcap": "pcap writing",
  flows: "flow tracking",
  stats: "periodic stats",
  anomalies: "anomaly detection",
  web: "the web dashboard",
  pipeline: "the sharded pipeline",
};

/**
 * When a setting counts as a request for its feature:
 * - `switch`: it is true and was set explicitly (CLI or config file);
 * - `path`: it is set (not null), from the CLI or the config file;
 * - `tuning`: it was given explicitly on the command line. Tuning keys in a
 *   config file never count (the example config lists them all).
 */
export type Trigger = "switch" | "path" | "tuning";

/** A setting's feature and trigger. */
export interface FeatureRule {
  readonly feature: Feature;
  readonly trigger: Trigger;
}

/**
 * Feature of every config key (null = core: always available). A `Record`
 * over {@link ConfigPath}, so the type checker rejects a missing key.
 * Live-capture rules only count when no capture file is read.
 */
export const FEATURE_OF: Readonly<Record<ConfigPath, FeatureRule | null>> = {
  "capture.interface": { feature: "live-capture", trigger: "path" },
  "capture.promiscuous": { feature: "live-capture", trigger: "tuning" },
  "capture.snaplen": { feature: "live-capture", trigger: "tuning" },
  "capture.timeout_ms": { feature: "live-capture", trigger: "tuning" },
  "capture.filter": null,
  "capture.read_pcap": null,
  "run.count": null,
  "output.write_pcap": { feature: "write-pcap", trigger: "path" },
  "output.export_json": { feature: "flows", trigger: "path" },
  "output.export_csv": { feature: "flows", trigger: "path" },
  "output.expired_flows_jsonl": { feature: "flows", trigger: "path" },
  "output.hex_dump": null,
  "output.quiet": null,
  "output.json": null,
  "flow.timeout_secs": { feature: "flows", trigger: "tuning" },
  "flow.max_flows": { feature: "flows", trigger: "tuning" },
  "stats.enabled": { feature: "stats", trigger: "switch" },
  "stats.interval_ms": { feature: "stats", trigger: "tuning" },
  "stats.top_flows": { feature: "stats", trigger: "tuning" },
  "analysis.rtt": { feature: "flows", trigger: "tuning" },
  "analysis.retrans": { feature: "flows", trigger: "tuning" },
  "analysis.out_of_order": { feature: "flows", trigger: "tuning" },
  "analysis.alerts_jsonl": { feature: "anomalies", trigger: "path" },
  "analysis.anomalies.enabled": { feature: "anomalies", trigger: "switch" },
  "analysis.anomalies.syn_flood.enabled": { feature: "anomalies", trigger: "tuning" },
  "analysis.anomalies.syn_flood.window_secs": { feature: "anomalies", trigger: "tuning" },
  "analysis.anomalies.syn_flood.syn_threshold": { feature: "anomalies", trigger: "tuning" },
  "analysis.anomalies.syn_flood.unique_src_threshold": { feature: "anomalies", trigger: "tuning" },
  "analysis.anomalies.syn_flood.cooldown_secs": { feature: "anomalies", trigger: "tuning" },
  "analysis.anomalies.port_scan.enabled": { feature: "anomalies", trigger: "tuning" },
  "analysis.anomalies.port_scan.window_secs": { feature: "anomalies", trigger: "tuning" },
  "analysis.anomalies.port_scan.unique_ports_threshold": {
    feature: "anomalies",
    trigger: "tuning",
  },
  "analysis.anomalies.port_scan.unique_hosts_threshold": {
    feature: "anomalies",
    trigger: "tuning",
  },
  "analysis.anomalies.port_scan.cooldown_secs": { feature: "anomalies", trigger: "tuning" },
  "web.enabled": { feature: "web", trigger: "switch" },
  "web.bind": { feature: "web", trigger: "tuning" },
  "web.port": { feature: "web", trigger: "tuning" },
  "web.tick_ms": { feature: "web", trigger: "tuning" },
  "web.top_n": { feature: "web", trigger: "tuning" },
  "web.packet_buffer": { feature: "web", trigger: "tuning" },
  "web.sample_rate": { feature: "web", trigger: "tuning" },
  "web.payload_bytes": { feature: "web", trigger: "tuning" },
  "pipeline.enabled": { feature: "pipeline", trigger: "switch" },
  "pipeline.workers": { feature: "pipeline", trigger: "tuning" },
  "pipeline.channel_capacity": { feature: "pipeline", trigger: "tuning" },
};

const LIVE_HINT = "(use -r/--read-pcap <PATH> to read a capture file)";

/**
 * One message per feature that `settings` request but that is not in
 * `available`, e.g. `"--web: the web dashboard is not available yet"` or
 * `"stats.enabled in my.toml: periodic stats is not available yet"`. Empty
 * when everything requested is available; always empty for help/version.
 *
 * Live capture is requested by `-l`, and by any run without a capture file
 * (`capture.read_pcap` null); its message then names the first live-capture
 * option given (`-i`, `-s`, ...) if any. A command-line trigger is named in
 * preference to a config file one.
 */
export function requestedUnavailable(
  settings: Settings,
  available: ReadonlySet<Feature>,
): string[] {
  if (settings.action === "help" || settings.action === "version") return [];
  const live = settings.capture.read_pcap === null;
  const cliTrigger = new Map<Feature, string>();
  const configTrigger = new Map<Feature, string>();
  if (settings.list_interfaces) cliTrigger.set("live-capture", "-l/--list-interfaces");

  for (const [path, rule] of Object.entries(FEATURE_OF) as [ConfigPath, FeatureRule | null][]) {
    if (rule === null || available.has(rule.feature)) continue;
    if (rule.feature === "live-capture" && !live) continue;
    const source = settings.sources.get(path);
    if (source === undefined) continue;
    const value = getSetting(settings, path);
    const requested = rule.trigger === "switch"
      ? value === true
      : rule.trigger === "path"
      ? value !== null
      : source === "cli";
    if (!requested) continue;
    if (source === "cli") {
      if (!cliTrigger.has(rule.feature)) {
        cliTrigger.set(rule.feature, settings.setBy.get(path) ?? path);
      }
    } else if (!configTrigger.has(rule.feature)) {
      configTrigger.set(rule.feature, `${path} in ${settings.config_path ?? "the config file"}`);
    }
  }

  const messages: string[] = [];
  for (const feature of FEATURES) {
    if (available.has(feature)) continue;
    const where = cliTrigger.get(feature) ?? configTrigger.get(feature);
    const what = `${FEATURE_TITLES[feature]} is not available yet`;
    if (feature === "live-capture") {
      if (where !== undefined) messages.push(`${where}: ${what} ${LIVE_HINT}`);
      else if (live && settings.action === "run") messages.push(`${what} ${LIVE_HINT}`);
    } else if (where !== undefined) {
      messages.push(`${where}: ${what}`);
    }
  }
  return messages;
}
