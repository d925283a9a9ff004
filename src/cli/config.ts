/**
 * The configuration schema (every section and key, its type, range and
 * default) and the TOML config file loader that validates a file against it.
 *
 * The schema follows the reference implementation's "Config Reference" table
 * (docs/configuration.md); keys marked `addition` are NetScope's own.
 *
 * @module
 */

import { parse as parseToml, TomlError } from "smol-toml";
import { nearest } from "./suggest.ts";
import { UsageError } from "./usage_error.ts";

/** `[capture]`: where packets come from and how they are captured. */
export interface CaptureSettings {
  /** Network interface for live capture; null = pick the default one. */
  interface: string | null;
  /** Promiscuous mode for live capture. */
  promiscuous: boolean;
  /** Max bytes captured per packet (live capture). */
  snaplen: number;
  /** Live capture read timeout in milliseconds. */
  timeout_ms: number;
  /** BPF filter expression; null = no filter. */
  filter: string | null;
  /** Capture file to read instead of capturing live; "-" = stdin; null = live. */
  read_pcap: string | null;
}

/** `[run]`: run limits. */
export interface RunSettings {
  /** Stop after this many packets (0 = unlimited). */
  count: number;
}

/** `[output]`: what is printed and written. */
export interface OutputSettings {
  /** Pcap file to write captured packets to; null = none. */
  write_pcap: string | null;
  /** Flow table JSON export file written on exit; null = none. */
  export_json: string | null;
  /** Flow table CSV export file written on exit; null = none. */
  export_csv: string | null;
  /** JSON-lines file receiving each flow as it expires or is evicted; null = none. */
  expired_flows_jsonl: string | null;
  /** Hex dump of each packet after its line. */
  hex_dump: boolean;
  /** Suppress per-packet output. */
  quiet: boolean;
  /** One JSON object per packet instead of the text line. */
  json: boolean;
}

/** `[flow]`: flow table. */
export interface FlowSettings {
  /** Flow inactivity timeout in seconds (0 = never expire). */
  timeout_secs: number;
  /** Max tracked flows (0 = unlimited). */
  max_flows: number;
}

/** `[stats]`: periodic throughput stats. */
export interface StatsSettings {
  enabled: boolean;
  /** Stats interval in milliseconds. */
  interval_ms: number;
  /** Top-N flows by bandwidth shown per tick. */
  top_flows: number;
}

/** `[analysis.anomalies.syn_flood]`. */
export interface SynFloodSettings {
  enabled: boolean;
  window_secs: number;
  syn_threshold: number;
  unique_src_threshold: number;
  cooldown_secs: number;
}

/** `[analysis.anomalies.port_scan]`. */
export interface PortScanSettings {
  enabled: boolean;
  window_secs: number;
  unique_ports_threshold: number;
  unique_hosts_threshold: number;
  cooldown_secs: number;
}

/** `[analysis.anomalies]`. */
export interface AnomalySettings {
  enabled: boolean;
  syn_flood: SynFloodSettings;
  port_scan: PortScanSettings;
}

/** `[analysis]`: TCP analysis and alerts. */
export interface AnalysisSettings {
  rtt: boolean;
  retrans: boolean;
  out_of_order: boolean;
  /** JSON-lines alert file; null = none. */
  alerts_jsonl: string | null;
  anomalies: AnomalySettings;
}

/** `[web]`: web dashboard. */
export interface WebSettings {
  enabled: boolean;
  bind: string;
  port: number;
  tick_ms: number;
  top_n: number;
  packet_buffer: number;
  sample_rate: number;
  payload_bytes: number;
}

/** `[pipeline]`: sharded multi-worker pipeline. */
export interface PipelineSettings {
  enabled: boolean;
  /** Worker count (0 = auto: half of the CPUs, clamped 1..8). */
  workers: number;
  channel_capacity: number;
}

/** Everything a config file can set, nested like the TOML file. */
export interface ConfigSettings {
  capture: CaptureSettings;
  run: RunSettings;
  output: OutputSettings;
  flow: FlowSettings;
  stats: StatsSettings;
  analysis: AnalysisSettings;
  web: WebSettings;
  pipeline: PipelineSettings;
}

/** Dotted paths of the leaves of `T` (`"capture.snaplen"`, ...). */
type LeafPath<T> = {
  [K in keyof T & string]: T[K] extends object ? `${K}.${LeafPath<T[K]>}` : K;
}[keyof T & string];

/** Dotted path of one config key, e.g. `"analysis.anomalies.syn_flood.window_secs"`. */
export type ConfigPath = LeafPath<ConfigSettings>;

/** Type of a config key's value. `path` is a file path where "" means none. */
export type ValueType = "bool" | "int" | "float" | "string" | "path";

/** A resolved config value. Strings and paths whose default is null may be null. */
export type SettingValue = boolean | number | string | null;

/** One config key: its TOML location, type, default and allowed range. */
export interface KeySpec {
  /** Dotted path: section(s) then key. */
  readonly path: ConfigPath;
  readonly type: ValueType;
  /**
   * Default value. For `string` and `path` keys a null default means "none":
   * an empty string in the file or on the CLI then resolves to null. A
   * string key with a non-null default rejects the empty string.
   */
  readonly default: SettingValue;
  /** Smallest allowed value (inclusive unless `minExclusive`), numbers only. */
  readonly min?: number;
  /** Largest allowed value (inclusive), numbers only. */
  readonly max?: number;
  /** `min` itself is not allowed (values must be greater than `min`). */
  readonly minExclusive?: boolean;
  /** What the key does (one line, used in docs and the example config). */
  readonly description: string;
  /** True for keys NetScope added to the reference schema. */
  readonly addition?: boolean;
}

/** Largest timer delay JavaScript honours (setTimeout/setInterval clamp above it). */
export const MAX_TIMER_MS = 2147483647;
const MAX_INT = Number.MAX_SAFE_INTEGER;

/**
 * Every config key, in the order of the reference table. The single source
 * of truth for defaults, types and ranges.
 */
export const CONFIG_KEYS: readonly KeySpec[] = [
  {
    path: "capture.interface",
    type: "string",
    default: null,
    description: "Network interface name (none = the default interface)",
  },
  { path: "capture.promiscuous", type: "bool", default: true, description: "Promiscuous mode" },
  {
    path: "capture.snaplen",
    type: "int",
    default: 65535,
    min: 1,
    max: 262144,
    description: "Max bytes captured per packet",
  },
  {
    path: "capture.timeout_ms",
    type: "int",
    default: 100,
    min: 0,
    max: MAX_TIMER_MS,
    description: "Capture read timeout (ms)",
  },
  { path: "capture.filter", type: "string", default: null, description: "BPF filter expression" },
  {
    path: "capture.read_pcap",
    type: "path",
    default: null,
    description: 'Capture file to read instead of a live capture ("-" = stdin)',
    addition: true,
  },
  {
    path: "run.count",
    type: "int",
    default: 0,
    min: 0,
    max: MAX_INT,
    description: "Packet limit (0 = unlimited)",
  },
  { path: "output.write_pcap", type: "path", default: null, description: "Pcap output file" },
  { path: "output.export_json", type: "path", default: null, description: "Flow export JSON file" },
  { path: "output.export_csv", type: "path", default: null, description: "Flow export CSV file" },
  { path: "output.hex_dump", type: "bool", default: false, description: "Show hex dump" },
  { path: "output.quiet", type: "bool", default: false, description: "Suppress per-packet output" },
  {
    path: "output.json",
    type: "bool",
    default: false,
    description: "One JSON object per packet instead of the text line",
    addition: true,
  },
  {
    path: "output.expired_flows_jsonl",
    type: "path",
    default: null,
    description: "JSON-lines file of flows as they expire or are evicted",
    addition: true,
  },
  {
    path: "flow.timeout_secs",
    type: "float",
    default: 60,
    min: 0,
    description: "Flow inactivity timeout in seconds (0 = never expire)",
  },
  {
    path: "flow.max_flows",
    type: "int",
    default: 100000,
    min: 0,
    max: MAX_INT,
    description: "Max tracked flows (0 = unlimited)",
  },
  { path: "stats.enabled", type: "bool", default: false, description: "Enable periodic stats" },
  {
    path: "stats.interval_ms",
    type: "int",
    default: 1000,
    min: 1,
    max: MAX_TIMER_MS,
    description: "Stats interval (ms)",
  },
  {
    path: "stats.top_flows",
    type: "int",
    default: 0,
    min: 0,
    max: MAX_INT,
    description: "Top-N flows per tick (0 = none)",
  },
  { path: "analysis.rtt", type: "bool", default: true, description: "Compute TCP RTT" },
  {
    path: "analysis.retrans",
    type: "bool",
    default: true,
    description: "Detect retransmissions",
  },
  {
    path: "analysis.out_of_order",
    type: "bool",
    default: true,
    description: "Detect out-of-order segments",
  },
  {
    path: "analysis.alerts_jsonl",
    type: "path",
    default: null,
    description: "Alert output file (JSON lines)",
  },
  {
    path: "analysis.anomalies.enabled",
    type: "bool",
    default: false,
    description: "Enable anomaly detection",
  },
  {
    path: "analysis.anomalies.syn_flood.enabled",
    type: "bool",
    default: true,
    description: "Enable SYN flood detection",
  },
  {
    path: "analysis.anomalies.syn_flood.window_secs",
    type: "float",
    default: 5,
    min: 0,
    minExclusive: true,
    description: "Detection window (seconds)",
  },
  {
    path: "analysis.anomalies.syn_flood.syn_threshold",
    type: "int",
    default: 200,
    min: 1,
    max: MAX_INT,
    description: "SYN count threshold",
  },
  {
    path: "analysis.anomalies.syn_flood.unique_src_threshold",
    type: "int",
    default: 50,
    min: 1,
    max: MAX_INT,
    description: "Unique source IP threshold",
  },
  {
    path: "analysis.anomalies.syn_flood.cooldown_secs",
    type: "float",
    default: 10,
    min: 0,
    description: "Alert cooldown period (seconds)",
  },
  {
    path: "analysis.anomalies.port_scan.enabled",
    type: "bool",
    default: true,
    description: "Enable port scan detection",
  },
  {
    path: "analysis.anomalies.port_scan.window_secs",
    type: "float",
    default: 10,
    min: 0,
    minExclusive: true,
    description: "Detection window (seconds)",
  },
  {
    path: "analysis.anomalies.port_scan.unique_ports_threshold",
    type: "int",
    default: 25,
    min: 1,
    max: MAX_INT,
    description: "Unique destination ports threshold",
  },
  {
    path: "analysis.anomalies.port_scan.unique_hosts_threshold",
    type: "int",
    default: 10,
    min: 1,
    max: MAX_INT,
    description: "Unique destination hosts threshold",
  },
  {
    path: "analysis.anomalies.port_scan.cooldown_secs",
    type: "float",
    default: 30,
    min: 0,
    description: "Alert cooldown period (seconds)",
  },
  { path: "web.enabled", type: "bool", default: false, description: "Enable web dashboard" },
  {
    path: "web.bind",
    type: "string",
    default: "127.0.0.1",
    description: "HTTP server bind address",
  },
  {
    path: "web.port",
    type: "int",
    default: 8080,
    min: 1,
    max: 65535,
    description: "HTTP server port",
  },
  {
    path: "web.tick_ms",
    type: "int",
    default: 1000,
    min: 1,
    max: MAX_TIMER_MS,
    description: "Stats push interval (ms)",
  },
  {
    path: "web.top_n",
    type: "int",
    default: 10,
    min: 0,
    max: MAX_INT,
    description: "Top-N flows per tick",
  },
  {
    path: "web.packet_buffer",
    type: "int",
    default: 2000,
    min: 1,
    max: 1000000,
    description: "Packets kept for detail inspection",
  },
  {
    path: "web.sample_rate",
    type: "int",
    default: 1,
    min: 0,
    max: MAX_INT,
    description: "Sample every Nth packet (0 = disable feed)",
  },
  {
    path: "web.payload_bytes",
    type: "int",
    default: 256,
    min: 0,
    max: 262144,
    description: "Max payload bytes stored per packet",
  },
  {
    path: "pipeline.enabled",
    type: "bool",
    default: false,
    description: "Enable sharded pipeline",
  },
  {
    path: "pipeline.workers",
    type: "int",
    default: 0,
    min: 0,
    max: 256,
    description: "Worker threads (0 = auto: half of CPUs, clamped 1..8)",
  },
  {
    path: "pipeline.channel_capacity",
    type: "int",
    default: 4096,
    min: 1,
    max: 1048576,
    description: "Bounded channel size per shard",
  },
];

const KEY_BY_PATH: ReadonlyMap<string, KeySpec> = new Map(CONFIG_KEYS.map((k) => [k.path, k]));

/** The spec of a config key, or undefined when `path` is not a key. */
export function keySpec(path: string): KeySpec | undefined {
  return KEY_BY_PATH.get(path);
}

/** Section of a key: its path without the last segment (`"analysis.anomalies"`). */
export function sectionOf(path: string): string {
  return path.slice(0, path.lastIndexOf("."));
}

/**
 * Every section (TOML table) in schema order, parents before children:
 * `capture`, `run`, ..., `analysis`, `analysis.anomalies`, ...
 */
export const CONFIG_SECTIONS: readonly string[] = (() => {
  const sections: string[] = [];
  for (const key of CONFIG_KEYS) {
    const parts = key.path.split(".");
    for (let i = 1; i < parts.length; i++) {
      const section = parts.slice(0, i).join(".");
      if (!sections.includes(section)) sections.push(section);
    }
  }
  return sections;
})();

const SECTION_SET: ReadonlySet<string> = new Set(CONFIG_SECTIONS);

/** A settings tree under construction: nested plain objects with setting values as leaves. */
interface Tree {
  [key: string]: Tree | SettingValue;
}

/** A fresh object holding every config key at its default. */
export function defaultConfig(): ConfigSettings {
  const root: Tree = {};
  for (const key of CONFIG_KEYS) setIn(root, key.path, key.default);
  // The tree has exactly the shape of ConfigSettings: it is built from
  // CONFIG_KEYS, whose paths are typed as ConfigPath (config_test.ts checks
  // that every leaf of the interface is present).
  return root as unknown as ConfigSettings;
}

/** Value at a dotted path of a settings object (undefined when absent). */
export function getSetting(root: object, path: string): SettingValue | undefined {
  let node: unknown = root;
  for (const part of path.split(".")) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  if (
    node === null || typeof node === "boolean" || typeof node === "number" ||
    typeof node === "string"
  ) return node;
  return undefined;
}

/** Sets the value at a dotted path of a settings object, creating sections as needed. */
export function setSetting(root: object, path: string, value: SettingValue): void {
  setIn(root as Tree, path, value);
}

function setIn(root: Tree, path: string, value: SettingValue): void {
  const parts = path.split(".");
  let node = root;
  for (let i = 0; i < parts.length - 1; i++) {
    const next = node[parts[i]];
    if (typeof next === "object" && next !== null) {
      node = next;
    } else {
      const created: Tree = {};
      node[parts[i]] = created;
      node = created;
    }
  }
  node[parts[parts.length - 1]] = value;
}

/** Config values read from one source: key path → validated value. */
export type ConfigLayer = Map<ConfigPath, SettingValue>;

/**
 * Reads and validates a TOML config file.
 *
 * @param path file path as the user gave it (used verbatim in messages)
 * @throws UsageError when the file cannot be read, is not valid TOML, or has
 *   an unknown section/key, a value of the wrong type or out of range
 */
export async function loadConfigFile(path: string): Promise<ConfigLayer> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    throw new UsageError(`Cannot read config "${path}": ${describeReadError(err)}`);
  }
  return parseConfigText(text, path);
}

function describeReadError(err: unknown): string {
  if (err instanceof Deno.errors.NotFound) return "No such file";
  if (err instanceof Deno.errors.PermissionDenied) return "Permission denied";
  if (err instanceof Deno.errors.IsADirectory) return "Is a directory";
  if (err instanceof Deno.errors.NotCapable) return "read access not granted (--allow-read)";
  return err instanceof Error ? firstLine(err.message) : String(err);
}

function firstLine(text: string): string {
  const nl = text.indexOf("\n");
  return (nl < 0 ? text : text.slice(0, nl)).trim();
}

/**
 * Parses and validates config text (the body of {@link loadConfigFile}).
 *
 * @param file name used in error messages
 * @throws UsageError as {@link loadConfigFile}
 */
export function parseConfigText(text: string, file: string): ConfigLayer {
  let doc: Record<string, unknown>;
  try {
    // BigInt integers keep TOML's integer/float distinction (1 vs 1.0).
    doc = parseToml(text, { integersAsBigInt: true });
  } catch (err) {
    if (err instanceof TomlError) {
      const reason = firstLine(err.message).replace(/^Invalid TOML document:\s*/, "");
      throw new UsageError(
        `Cannot parse config "${file}": ${reason} at line ${err.line}, column ${err.column}`,
      );
    }
    throw err;
  }
  const layer: ConfigLayer = new Map();
  walkTable(doc, "", file, layer);
  return layer;
}

function walkTable(table: Record<string, unknown>, prefix: string, file: string, out: ConfigLayer) {
  for (const name of Object.keys(table)) {
    const value = table[name];
    const path = prefix === "" ? name : `${prefix}.${name}`;
    const spec = KEY_BY_PATH.get(path);
    if (spec !== undefined) {
      out.set(spec.path, checkTomlValue(spec, value, file));
    } else if (SECTION_SET.has(path)) {
      if (!isTable(value)) {
        throw new UsageError(`${path} in ${file} must be a table, got ${describeToml(value)}`);
      }
      walkTable(value, path, file, out);
    } else if (isTable(value)) {
      const hint = nearest(path, CONFIG_SECTIONS);
      throw new UsageError(
        `unknown section "[${path}]" in ${file}` + (hint ? ` (did you mean "[${hint}]"?)` : ""),
      );
    } else {
      const hint = nearest(path, CONFIG_KEYS.map((k) => k.path));
      throw new UsageError(
        `unknown key "${path}" in ${file}` + (hint ? ` (did you mean "${hint}"?)` : ""),
      );
    }
  }
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    !(value instanceof Date);
}

/** "integer 5", "float 1.5", "string \"abc\"", "boolean true", "array", "table", "date-time". */
function describeToml(value: unknown): string {
  switch (typeof value) {
    case "bigint":
      return `integer ${value}`;
    case "number":
      return `float ${formatFloat(value)}`;
    case "string":
      return `string ${JSON.stringify(value)}`;
    case "boolean":
      return `boolean ${value}`;
  }
  if (Array.isArray(value)) return "array";
  if (value instanceof Date) return "date-time";
  return "table";
}

function formatFloat(value: number): string {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

function checkTomlValue(spec: KeySpec, value: unknown, file: string): SettingValue {
  const where = `${spec.path} in ${file}`;
  const wrongType = (expected: string) =>
    new UsageError(`${where} must be ${expected}, got ${describeToml(value)}`);
  switch (spec.type) {
    case "bool":
      if (typeof value !== "boolean") throw wrongType("a boolean (true or false)");
      return value;
    case "int":
      if (typeof value !== "bigint") throw wrongType("an integer");
      return checkRange(spec, value, where, String(value));
    case "float":
      if (typeof value === "bigint") return checkRange(spec, value, where, String(value));
      if (typeof value !== "number") throw wrongType("a number");
      return checkRange(spec, value, where, formatFloat(value));
    case "string":
    case "path":
      if (typeof value !== "string") throw wrongType("a string");
      return checkString(spec, value, where);
  }
}

/**
 * Applies a string/path key's empty-string rule: "" resolves to null when the
 * default is null, and is an error otherwise.
 *
 * @param where key or flag named in the error message
 */
export function checkString(spec: KeySpec, value: string, where: string): string | null {
  if (value !== "") return value;
  if (spec.default === null) return null;
  throw new UsageError(`${where} must not be empty`);
}

/**
 * Checks a number against a key's range (and finiteness) and returns it as a
 * JS number. BigInt input is compared exactly before conversion.
 *
 * @param where key or flag named in the error message
 * @param shown the value as the user wrote it
 */
export function checkRange(
  spec: KeySpec,
  value: number | bigint,
  where: string,
  shown: string,
): number {
  if (typeof value === "number" && !Number.isFinite(value)) {
    throw new UsageError(`${where} must be a finite number, got ${shown}`);
  }
  const min = spec.min ?? -Infinity;
  const max = spec.max ?? Infinity;
  const tooLow = spec.minExclusive ? value <= min : value < min;
  if (tooLow || value > max) {
    // Past an unadvertised safety bound (MAX_SAFE_INTEGER) name that bound.
    const range = value > max && max >= MAX_INT ? `at most ${max}` : describeRange(spec);
    throw new UsageError(`${where} must be ${range}, got ${shown}`);
  }
  return Number(value);
}

/** Human description of a numeric key's range: "between 1 and 65535", "at least 0", ... */
export function describeRange(spec: KeySpec): string {
  const { min, max } = spec;
  const bounded = max !== undefined && max < MAX_INT;
  if (min === undefined) return bounded ? `at most ${max}` : "a number";
  if (spec.minExclusive) {
    return bounded ? `greater than ${min} and at most ${max}` : `greater than ${min}`;
  }
  return bounded ? `between ${min} and ${max}` : `at least ${min}`;
}
