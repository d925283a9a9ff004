/**
 * NetScope's command line and configuration: parse argv, load the TOML
 * config file, and resolve the run settings.
 *
 * ```ts
 * try {
 *   const settings = await resolveSettings(Deno.args);
 *   if (settings.action === "help") console.log(helpText());
 * } catch (err) {
 *   if (err instanceof UsageError) console.error(`netscope: ${err.message}`);
 * }
 * ```
 *
 * @module
 */

export { UsageError } from "./usage_error.ts";
export {
  type Action,
  mergeSettings,
  resolveSettings,
  type Settings,
  type SettingSource,
} from "./settings.ts";
export {
  CLI_OPTIONS,
  type CliAction,
  type CliArgs,
  type CliOption,
  MAX_VERBOSE,
  optionName,
  parseArgs,
} from "./args.ts";
export {
  type AnalysisSettings,
  type AnomalySettings,
  type CaptureSettings,
  CONFIG_KEYS,
  CONFIG_SECTIONS,
  type ConfigLayer,
  type ConfigPath,
  type ConfigSettings,
  defaultConfig,
  type FlowSettings,
  getSetting,
  type KeySpec,
  loadConfigFile,
  type OutputSettings,
  parseConfigText,
  type PipelineSettings,
  type PortScanSettings,
  type RunSettings,
  type SettingValue,
  type StatsSettings,
  type SynFloodSettings,
  type WebSettings,
} from "./config.ts";
export {
  type Feature,
  FEATURE_OF,
  FEATURE_TITLES,
  type FeatureRule,
  FEATURES,
  requestedUnavailable,
} from "./features.ts";
export { helpText, VERSION, versionText } from "./usage.ts";
