/**
 * The `--help` and `--version` texts. The help lists every option of
 * {@link CLI_OPTIONS} grouped like the reference CLI Reference block, with
 * the default of the config key it sets.
 *
 * @module
 */

import denoJson from "../../deno.json" with { type: "json" };
import { CLI_OPTIONS, type CliOption, type OptionGroup } from "./args.ts";
import { keySpec } from "./config.ts";

/** NetScope's version, from deno.json. */
export const VERSION: string = denoJson.version;

/** The `--version` text (no trailing newline): `netscope 0.1.0`. */
export function versionText(): string {
  return `netscope ${VERSION}`;
}

/** Column where option descriptions start (as in the reference help). */
const DESCRIPTION_COLUMN = 37;

/** The `--help` text, ending with a newline; print it to stdout and exit 0. */
export function helpText(): string {
  const lines: string[] = [
    `netscope ${VERSION}: packet capture and protocol analysis`,
    "",
    "Usage: netscope [OPTIONS] [FILTER...]",
    "",
    "Arguments:",
    row("  [FILTER...]", "BPF filter as trailing words, like tcpdump (same as -f)"),
  ];
  let group: OptionGroup | null = null;
  for (const option of CLI_OPTIONS) {
    if (option.group !== group) {
      group = option.group;
      lines.push("", `${group}:`);
    }
    lines.push(row(flagsColumn(option), option.help + defaultNote(option)));
  }
  lines.push(
    "",
    "Options override the config file (--config), which overrides the defaults.",
    'An empty path (--write-pcap "") disables an output set in the config file.',
    "",
    "Examples:",
    "  netscope -r trace.pcap -c 10 tcp port 80",
    "  netscope -r - --json < trace.pcap",
    "  netscope --config netscope.toml -r trace.pcap -vv",
    "",
  );
  return lines.join("\n");
}

function flagsColumn(option: CliOption): string {
  const short = option.short === undefined ? "    " : `${option.short}, `;
  const value = option.value === undefined ? "" : ` ${option.value}`;
  const repeat = option.kind === "count" ? "..." : "";
  return `  ${short}${option.long}${value}${repeat}`;
}

function row(left: string, description: string): string {
  return left.length < DESCRIPTION_COLUMN
    ? left.padEnd(DESCRIPTION_COLUMN) + description
    : `${left}\n${" ".repeat(DESCRIPTION_COLUMN)}${description}`;
}

/** ` [default: 65535]` for value options; ` [default: on]` for switches that default on. */
function defaultNote(option: CliOption): string {
  const spec = keySpec(option.target);
  if (spec === undefined || spec.default === null) return "";
  if (option.kind === "value") return ` [default: ${spec.default}]`;
  if (option.kind === "on" && spec.default === true) return " [default: on]";
  return "";
}
