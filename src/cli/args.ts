/**
 * Command-line parsing: argv → the settings given explicitly on the command
 * line, validated against the config schema. Built on commander, with its
 * printing and process.exit disabled: every problem becomes a one-line
 * {@link UsageError}.
 *
 * The option table {@link CLI_OPTIONS} is the single source for the parser,
 * the help text (usage.ts) and the feature table (features.ts).
 *
 * @module
 */

import { Command, CommanderError, Option } from "commander";
import {
  checkRange,
  checkString,
  type ConfigLayer,
  type ConfigPath,
  type KeySpec,
  keySpec,
} from "./config.ts";
import { nearest } from "./suggest.ts";
import { UsageError } from "./usage_error.ts";

/** Values that exist only on the command line (no config key). */
export type CliOnlyTarget = "config_path" | "verbose" | "list_interfaces" | "help" | "version";

/**
 * How an option acts:
 * - `value`: takes a value, stored in its target key;
 * - `on` / `off`: the `--x` / `--no-x` halves of a boolean key;
 * - `count`: repeatable counter (`-v`);
 * - `flag`: CLI-only switch (`-l`, `-h`, `-V`).
 */
export type OptionKind = "value" | "on" | "off" | "count" | "flag";

/** Help-text group an option is listed under. */
export type OptionGroup =
  | "General"
  | "Input"
  | "Output"
  | "Flows"
  | "Stats"
  | "Anomaly detection"
  | "Web dashboard"
  | "Pipeline";

/** One command-line option. */
export interface CliOption {
  /** Short form with its dash (`"-s"`), if any. */
  readonly short?: string;
  /** Long form with its dashes (`"--snaplen"`). */
  readonly long: string;
  /** Value placeholder (`"<SNAPLEN>"`) for `value` options. */
  readonly value?: string;
  readonly kind: OptionKind;
  /** Config key (or CLI-only value) the option sets. */
  readonly target: ConfigPath | CliOnlyTarget;
  /** One-line description for the help text. */
  readonly help: string;
  readonly group: OptionGroup;
  /** True for options NetScope added to the reference CLI. */
  readonly addition?: boolean;
}

/** Every option, in help-text order. */
export const CLI_OPTIONS: readonly CliOption[] = [
  {
    long: "--config",
    value: "<PATH>",
    kind: "value",
    target: "config_path",
    help: "Path to a TOML configuration file",
    group: "General",
  },
  {
    short: "-v",
    long: "--verbose",
    kind: "count",
    target: "verbose",
    help: "Verbosity: -v input details, -vv packet trees, -vvv BPF program",
    group: "General",
  },
  {
    short: "-h",
    long: "--help",
    kind: "flag",
    target: "help",
    help: "Print help",
    group: "General",
  },
  {
    short: "-V",
    long: "--version",
    kind: "flag",
    target: "version",
    help: "Print version",
    group: "General",
  },
  {
    short: "-r",
    long: "--read-pcap",
    value: "<PATH>",
    kind: "value",
    target: "capture.read_pcap",
    help: 'Read packets from a pcap/pcapng file ("-" = stdin)',
    group: "Input",
    addition: true,
  },
  {
    short: "-i",
    long: "--interface",
    value: "<INTERFACE>",
    kind: "value",
    target: "capture.interface",
    help: 'Network interface (e.g., "en0", "eth0")',
    group: "Input",
  },
  {
    short: "-l",
    long: "--list-interfaces",
    kind: "flag",
    target: "list_interfaces",
    help: "List available network interfaces and exit",
    group: "Input",
  },
  {
    short: "-f",
    long: "--filter",
    value: "<FILTER>",
    kind: "value",
    target: "capture.filter",
    help: 'BPF filter expression (e.g., "tcp port 80")',
    group: "Input",
  },
  {
    short: "-c",
    long: "--count",
    value: "<COUNT>",
    kind: "value",
    target: "run.count",
    help: "Max packets to capture (0 = unlimited)",
    group: "Input",
  },
  {
    short: "-p",
    long: "--promiscuous",
    kind: "on",
    target: "capture.promiscuous",
    help: "Capture in promiscuous mode",
    group: "Input",
  },
  {
    long: "--no-promiscuous",
    kind: "off",
    target: "capture.promiscuous",
    help: "Disable promiscuous mode",
    group: "Input",
  },
  {
    short: "-s",
    long: "--snaplen",
    value: "<SNAPLEN>",
    kind: "value",
    target: "capture.snaplen",
    help: "Snapshot length (max bytes per packet)",
    group: "Input",
  },
  {
    short: "-t",
    long: "--timeout-ms",
    value: "<TIMEOUT_MS>",
    kind: "value",
    target: "capture.timeout_ms",
    help: "Read timeout in milliseconds",
    group: "Input",
  },
  {
    long: "--quiet",
    kind: "on",
    target: "output.quiet",
    help: "Suppress per-packet output",
    group: "Output",
  },
  {
    long: "--no-quiet",
    kind: "off",
    target: "output.quiet",
    help: "Enable per-packet output",
    group: "Output",
  },
  {
    long: "--hex-dump",
    kind: "on",
    target: "output.hex_dump",
    help: "Show hex dump of packet payload",
    group: "Output",
  },
  {
    long: "--no-hex-dump",
    kind: "off",
    target: "output.hex_dump",
    help: "Disable hex dump output",
    group: "Output",
  },
  {
    long: "--json",
    kind: "on",
    target: "output.json",
    help: "Print one JSON object per packet instead of the text line",
    group: "Output",
    addition: true,
  },
  {
    long: "--no-json",
    kind: "off",
    target: "output.json",
    help: "Print the text line per packet",
    group: "Output",
    addition: true,
  },
  {
    long: "--write-pcap",
    value: "<PATH>",
    kind: "value",
    target: "output.write_pcap",
    help: "Write captured packets to a pcap file",
    group: "Output",
  },
  {
    long: "--flow-timeout-s",
    value: "<SECS>",
    kind: "value",
    target: "flow.timeout_secs",
    help: "Flow inactivity timeout (0 = disable)",
    group: "Flows",
  },
  {
    long: "--max-flows",
    value: "<N>",
    kind: "value",
    target: "flow.max_flows",
    help: "Max tracked flows (0 = unlimited)",
    group: "Flows",
  },
  {
    long: "--export-json",
    value: "<PATH>",
    kind: "value",
    target: "output.export_json",
    help: "Export flow table to JSON on exit",
    group: "Flows",
  },
  {
    long: "--export-csv",
    value: "<PATH>",
    kind: "value",
    target: "output.export_csv",
    help: "Export flow table to CSV on exit",
    group: "Flows",
  },
  {
    long: "--expired-flows-jsonl",
    value: "<PATH>",
    kind: "value",
    target: "output.expired_flows_jsonl",
    help: "Write expired/evicted flows as JSON lines",
    group: "Flows",
    addition: true,
  },
  {
    long: "--stats",
    kind: "on",
    target: "stats.enabled",
    help: "Enable periodic throughput stats",
    group: "Stats",
  },
  {
    long: "--no-stats",
    kind: "off",
    target: "stats.enabled",
    help: "Disable periodic throughput stats",
    group: "Stats",
  },
  {
    long: "--stats-interval-ms",
    value: "<MS>",
    kind: "value",
    target: "stats.interval_ms",
    help: "Stats reporting interval in milliseconds",
    group: "Stats",
  },
  {
    long: "--top-flows",
    value: "<N>",
    kind: "value",
    target: "stats.top_flows",
    help: "Number of top flows per stats tick",
    group: "Stats",
  },
  {
    long: "--anomalies",
    kind: "on",
    target: "analysis.anomalies.enabled",
    help: "Enable anomaly detection alerts",
    group: "Anomaly detection",
  },
  {
    long: "--no-anomalies",
    kind: "off",
    target: "analysis.anomalies.enabled",
    help: "Disable anomaly detection alerts",
    group: "Anomaly detection",
  },
  {
    long: "--alerts-jsonl",
    value: "<PATH>",
    kind: "value",
    target: "analysis.alerts_jsonl",
    help: "Write anomaly alerts as JSON lines",
    group: "Anomaly detection",
  },
  {
    long: "--web",
    kind: "on",
    target: "web.enabled",
    help: "Enable the web dashboard",
    group: "Web dashboard",
  },
  {
    long: "--no-web",
    kind: "off",
    target: "web.enabled",
    help: "Disable the web dashboard",
    group: "Web dashboard",
  },
  {
    long: "--web-bind",
    value: "<ADDR>",
    kind: "value",
    target: "web.bind",
    help: "Web dashboard bind address",
    group: "Web dashboard",
  },
  {
    long: "--web-port",
    value: "<PORT>",
    kind: "value",
    target: "web.port",
    help: "Web dashboard port",
    group: "Web dashboard",
  },
  {
    long: "--pipeline",
    kind: "on",
    target: "pipeline.enabled",
    help: "Enable the sharded pipeline for multi-core processing",
    group: "Pipeline",
  },
  {
    long: "--no-pipeline",
    kind: "off",
    target: "pipeline.enabled",
    help: "Disable the sharded pipeline",
    group: "Pipeline",
    addition: true,
  },
  {
    long: "--workers",
    value: "<N>",
    kind: "value",
    target: "pipeline.workers",
    help: "Number of pipeline worker threads (0 = auto)",
    group: "Pipeline",
  },
];

/** Highest verbosity level; more `-v` are accepted and count as this. */
export const MAX_VERBOSE = 3;

/** What the program was asked to do. */
export type CliAction = "run" | "help" | "version";

/** The command line, parsed and validated. */
export interface CliArgs {
  /** `help` / `version` when -h / -V was given (help wins); `run` otherwise. */
  action: CliAction;
  /** Config keys given explicitly on the command line, with validated values. */
  values: ConfigLayer;
  /** For each key in `values`, the option that set it: `"-c/--count"`, `"--no-web"`, `"FILTER"`. */
  setBy: Map<ConfigPath, string>;
  /** `--config` path; null when absent or empty. */
  config_path: string | null;
  /** Number of `-v`, capped at {@link MAX_VERBOSE}. */
  verbose: number;
  /** `-l/--list-interfaces` was given. */
  list_interfaces: boolean;
  /** CLI-only values given explicitly: `"config_path"`, `"verbose"`, `"list_interfaces"`. */
  given: Set<CliOnlyTarget>;
}

/** How an option is named in messages: `-c/--count` or `--web-port`. */
export function optionName(option: CliOption): string {
  return option.short === undefined ? option.long : `${option.short}/${option.long}`;
}

/** The flags string commander parses and prints: `-c, --count <COUNT>`. */
function commanderFlags(option: CliOption): string {
  const names = option.short === undefined ? option.long : `${option.short}, ${option.long}`;
  return option.value === undefined ? names : `${names} ${option.value}`;
}

/** Name used in messages for the trailing filter words. */
export const FILTER_WORDS = "FILTER";

/**
 * Parses argv (without the program name): options anywhere, trailing words
 * form the BPF filter (`tcp port 80`), `--` ends options.
 *
 * With `-h` or `-V` only the syntax is checked (unknown options, missing
 * values); values are not validated and `values` is empty.
 *
 * @throws UsageError for an unknown option, a missing or invalid value, a
 *   `--x`/`--no-x` pair given together, `-f` together with filter words, or
 *   `-i` together with `-r`
 */
export function parseArgs(argv: readonly string[]): CliArgs {
  const program = new Command("netscope")
    .helpOption(false)
    .helpCommand(false)
    .exitOverride()
    .showSuggestionAfterError(false)
    .configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} })
    .argument("[filter...]");

  const seen = new Set<CliOption>();
  const raw = new Map<CliOption, string>();
  let verbose = 0;
  const byFlags = new Map<string, CliOption>();
  for (const option of CLI_OPTIONS) {
    const commanderOption = new Option(commanderFlags(option));
    byFlags.set(commanderOption.flags, option);
    program.addOption(commanderOption);
    program.on(`option:${commanderOption.name()}`, (value: unknown) => {
      seen.add(option);
      if (option.kind === "count") verbose++;
      if (typeof value === "string") raw.set(option, value);
    });
  }

  try {
    program.parse([...argv], { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) throw fromCommander(err, byFlags);
    throw err;
  }

  const given = new Set<CliOnlyTarget>();
  const has = (target: CliOnlyTarget) => {
    for (const option of seen) if (option.target === target) return true;
    return false;
  };
  const action: CliAction = has("help") ? "help" : has("version") ? "version" : "run";
  const args: CliArgs = {
    action,
    values: new Map(),
    setBy: new Map(),
    config_path: null,
    verbose: Math.min(verbose, MAX_VERBOSE),
    list_interfaces: has("list_interfaces"),
    given,
  };
  if (verbose > 0) given.add("verbose");
  if (args.list_interfaces) given.add("list_interfaces");
  if (action !== "run") return args;

  checkNegationConflicts(seen);

  for (const option of CLI_OPTIONS) {
    if (!seen.has(option)) continue;
    if (option.target === "config_path") {
      const path = raw.get(option) ?? "";
      args.config_path = path === "" ? null : path;
      given.add("config_path");
      continue;
    }
    const spec = keySpec(option.target);
    if (spec === undefined) continue; // other CLI-only targets: handled above
    const name = optionName(option);
    if (option.kind === "on" || option.kind === "off") {
      args.values.set(spec.path, option.kind === "on");
      // Name the switch by its positive form unless --no-x alone was given.
      if (option.kind === "on" || !args.setBy.has(spec.path)) args.setBy.set(spec.path, name);
    } else {
      args.values.set(spec.path, convertValue(spec, raw.get(option) ?? "", name));
      args.setBy.set(spec.path, name);
    }
  }

  const words = program.args;
  if (words.length > 0) {
    const expression = words.join(" ");
    const filterOption = CLI_OPTIONS.find((o) => o.target === "capture.filter");
    if (filterOption !== undefined && seen.has(filterOption)) {
      throw new UsageError(
        `${
          optionName(filterOption)
        } and a trailing filter expression ("${expression}") cannot be used together`,
      );
    }
    args.values.set("capture.filter", expression);
    args.setBy.set("capture.filter", FILTER_WORDS);
  }

  if (
    typeof args.values.get("capture.read_pcap") === "string" &&
    typeof args.values.get("capture.interface") === "string"
  ) {
    throw new UsageError("-i/--interface and -r/--read-pcap cannot be used together");
  }
  return args;
}

/** `--x` and `--no-x` on the same command line is an error, whatever their order. */
function checkNegationConflicts(seen: ReadonlySet<CliOption>): void {
  for (const on of CLI_OPTIONS) {
    if (on.kind !== "on" || !seen.has(on)) continue;
    const off = CLI_OPTIONS.find((o) => o.kind === "off" && o.target === on.target);
    if (off !== undefined && seen.has(off)) {
      throw new UsageError(`${optionName(on)} and ${off.long} cannot be used together`);
    }
  }
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** Converts an option's text to its key's type and checks its range. */
function convertValue(spec: KeySpec, text: string, name: string): string | number | null {
  switch (spec.type) {
    case "int":
      if (!INTEGER.test(text)) {
        throw new UsageError(`${name} must be an integer, got ${JSON.stringify(text)}`);
      }
      return checkRange(spec, BigInt(text), name, text);
    case "float":
      if (!DECIMAL.test(text)) {
        throw new UsageError(`${name} must be a number, got ${JSON.stringify(text)}`);
      }
      return checkRange(spec, Number(text), name, text);
    case "string":
    case "path":
      return checkString(spec, text, name);
    case "bool":
      // No option takes a boolean value; switches are on/off pairs.
      throw new Error(`Cannot convert ${name}: ${spec.path} is a boolean`);
  }
}

/** Turns commander's (multi-line, "error: ...") errors into one-line usage errors. */
function fromCommander(err: CommanderError, byFlags: ReadonlyMap<string, CliOption>): UsageError {
  const quoted = /'([^']*)'/.exec(err.message)?.[1] ?? "";
  if (err.code === "commander.unknownOption") {
    const eq = quoted.indexOf("=");
    if (quoted.startsWith("--") && eq > 0) {
      const flag = quoted.slice(0, eq);
      const option = CLI_OPTIONS.find((o) => o.long === flag);
      if (option !== undefined) return new UsageError(`${flag} does not take a value`);
    }
    const hint = quoted.startsWith("--") ? nearest(quoted, CLI_OPTIONS.map((o) => o.long)) : null;
    return new UsageError(
      `unknown option "${quoted}"` + (hint === null ? "" : ` (did you mean ${hint}?)`),
    );
  }
  if (err.code === "commander.optionMissingArgument") {
    const option = byFlags.get(quoted);
    if (option !== undefined) {
      return new UsageError(`missing value for ${optionName(option)} ${option.value}`);
    }
  }
  const text = err.message.replace(/^error:\s*/, "").split("\n").map((l) => l.trim());
  return new UsageError(text.filter((l) => l !== "").join(" "));
}
