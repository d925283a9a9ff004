/**
 * The resolved run settings: defaults ← config file (`--config`) ← options
 * given explicitly on the command line.
 *
 * @module
 */

import { type CliArgs, parseArgs } from "./args.ts";
import {
  type ConfigLayer,
  type ConfigPath,
  type ConfigSettings,
  defaultConfig,
  loadConfigFile,
  setSetting,
} from "./config.ts";

/** Where an explicitly set value came from. */
export type SettingSource = "cli" | "config";

/**
 * What the program should do: print help or the version and exit 0, list
 * interfaces and exit, or run a capture.
 */
export type Action = "run" | "help" | "version" | "list-interfaces";

/**
 * Every setting, fully resolved and typed. Config keys are nested by TOML
 * section with their TOML (snake_case) names: `settings.capture.snaplen`,
 * `settings.analysis.anomalies.syn_flood.window_secs`. Paths are null when
 * disabled; `capture.read_pcap === null` means live capture.
 */
export interface Settings extends ConfigSettings {
  /** What to do; with `help`/`version` the config file was not read. */
  action: Action;
  /** Verbosity 0..3 (count of `-v`). */
  verbose: number;
  /** `-l/--list-interfaces` was given (then `action` is `list-interfaces`). */
  list_interfaces: boolean;
  /** The config file that was read, as given to `--config`; null if none. */
  config_path: string | null;
  /**
   * Source of every value that is not a default, keyed by dotted config path
   * (`"web.port"`) or CLI-only name (`"verbose"`, `"list_interfaces"`,
   * `"config_path"`). A CLI value hides the config file's.
   */
  sources: Map<string, SettingSource>;
  /** The keys of `sources`: settings given on the CLI or in the config file. */
  explicit: Set<string>;
  /** For values from the CLI, the option that set them (`"--web"`, `"-c/--count"`, `"FILTER"`). */
  setBy: Map<string, string>;
}

/**
 * Parses argv (without the program name), reads the `--config` file if one
 * was given, and merges defaults ← config ← CLI. Async because the config
 * file is read with `Deno.readTextFile`; for `--help`/`--version` no file is
 * read and the returned settings hold defaults.
 *
 * @throws UsageError (exit code 2) for any command-line or config file problem
 */
export async function resolveSettings(argv: readonly string[]): Promise<Settings> {
  const args = parseArgs(argv);
  const config = args.action === "run" && args.config_path !== null
    ? await loadConfigFile(args.config_path)
    : null;
  return mergeSettings(args, config);
}

/**
 * Merges defaults ← `config` ← `args` (pure: no I/O).
 *
 * Input selection: `-i` on the command line overrides a `read_pcap` from the
 * config file (and `-r` on the command line overrides its `interface`, which
 * live capture alone uses), so the command line always picks the input.
 */
export function mergeSettings(args: CliArgs, config: ConfigLayer | null): Settings {
  const base = defaultConfig();
  const sources = new Map<string, SettingSource>();
  const setBy = new Map<string, string>();
  const apply = (layer: ConfigLayer, source: SettingSource) => {
    for (const [path, value] of layer) {
      setSetting(base, path, value);
      sources.set(path, source);
    }
  };
  if (config !== null && args.action === "run") apply(config, "config");
  if (args.action === "run") {
    apply(args.values, "cli");
    for (const [path, option] of args.setBy) setBy.set(path, option);
    overrideInput(base, args, sources, setBy);
  }
  for (const target of args.given) sources.set(target, "cli");

  const action: Action = args.action !== "run"
    ? args.action
    : args.list_interfaces
    ? "list-interfaces"
    : "run";
  return {
    ...base,
    action,
    verbose: args.verbose,
    list_interfaces: args.list_interfaces,
    config_path: args.action === "run" ? args.config_path : null,
    sources,
    explicit: new Set(sources.keys()),
    setBy,
  };
}

/** `-i` given on the CLI drops a `read_pcap` that came from the config file. */
function overrideInput(
  base: ConfigSettings,
  args: CliArgs,
  sources: Map<string, SettingSource>,
  setBy: Map<string, string>,
): void {
  const readPcap: ConfigPath = "capture.read_pcap";
  const iface = args.values.get("capture.interface");
  if (typeof iface === "string" && sources.get(readPcap) === "config") {
    base.capture.read_pcap = null;
    sources.set(readPcap, "cli");
    setBy.set(readPcap, args.setBy.get("capture.interface") ?? "-i/--interface");
  }
}
