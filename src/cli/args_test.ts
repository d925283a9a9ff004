import assert from "node:assert/strict";
import { CLI_OPTIONS, type CliArgs, optionName, parseArgs } from "./args.ts";
import { type ConfigPath, keySpec } from "./config.ts";
import { UsageError } from "./usage_error.ts";

function usageError(argv: string[]): string {
  try {
    parseArgs(argv);
  } catch (err) {
    assert.ok(err instanceof UsageError, `expected UsageError, got ${err}`);
    assert.equal(err.exitCode, 2);
    assert.ok(!err.message.includes("\n"), `message must be one line: ${err.message}`);
    return err.message;
  }
  assert.fail(`expected a UsageError for ${JSON.stringify(argv)}`);
}

function values(args: CliArgs): Record<string, unknown> {
  return Object.fromEntries(args.values);
}

Deno.test("no arguments: nothing explicit", () => {
  const args = parseArgs([]);
  assert.equal(args.action, "run");
  assert.equal(args.values.size, 0);
  assert.equal(args.verbose, 0);
  assert.equal(args.list_interfaces, false);
  assert.equal(args.config_path, null);
  assert.equal(args.given.size, 0);
});

Deno.test("-v is counted: -v, -vv, -vvv, -v -v, --verbose, capped at 3", () => {
  const cases: [string[], number][] = [
    [["-v"], 1],
    [["-vv"], 2],
    [["-vvv"], 3],
    [["-v", "-v"], 2],
    [["-vv", "-v"], 3],
    [["--verbose", "--verbose"], 2],
    [["-v", "-r", "x.pcap", "-v"], 2],
    [["-vvvv"], 3],
    [["-vvvvvv", "-v"], 3],
  ];
  for (const [argv, level] of cases) {
    const args = parseArgs(argv);
    assert.equal(args.verbose, level, argv.join(" "));
    assert.ok(args.given.has("verbose"));
  }
});

Deno.test("short options combine and take attached values", () => {
  const args = parseArgs(["-vvc", "5", "-s96", "-pr", "in.pcap"]);
  assert.equal(args.verbose, 2);
  assert.deepEqual(values(args), {
    "run.count": 5,
    "capture.snaplen": 96,
    "capture.promiscuous": true,
    "capture.read_pcap": "in.pcap",
  });
  assert.equal(parseArgs(["--count=7"]).values.get("run.count"), 7);
});

Deno.test("trailing words form the BPF filter, tcpdump-style", () => {
  assert.equal(
    parseArgs(["-r", "x.pcap", "tcp", "port", "80"]).values.get("capture.filter"),
    "tcp port 80",
  );
  // Options may come between and after the words.
  const mixed = parseArgs(["tcp", "-c", "5", "and", "port", "80", "--quiet"]);
  assert.equal(mixed.values.get("capture.filter"), "tcp and port 80");
  assert.equal(mixed.values.get("run.count"), 5);
  assert.equal(mixed.setBy.get("capture.filter"), "FILTER");
  // After "--" everything is filter.
  assert.equal(
    parseArgs(["-r", "x", "--", "not", "-c", "5"]).values.get("capture.filter"),
    "not -c 5",
  );
  // Same as -f.
  assert.deepEqual(
    values(parseArgs(["-f", "tcp port 80"])),
    values(parseArgs(["tcp", "port", "80"])),
  );
});

Deno.test("-f together with trailing filter words is an error", () => {
  assert.equal(
    usageError(["-f", "udp", "tcp", "port", "80"]),
    '-f/--filter and a trailing filter expression ("tcp port 80") cannot be used together',
  );
  assert.equal(
    usageError(["icmp", "--filter", "udp"]),
    '-f/--filter and a trailing filter expression ("icmp") cannot be used together',
  );
});

Deno.test("every --x/--no-x pair: both directions, and the conflict in both orders", () => {
  const pairs = CLI_OPTIONS.filter((o) => o.kind === "on").map((on) => {
    const off = CLI_OPTIONS.find((o) => o.kind === "off" && o.target === on.target);
    assert.ok(off, `${on.long} has no --no- form`);
    return [on, off] as const;
  });
  assert.deepEqual(pairs.map(([on]) => on.long), [
    "--promiscuous",
    "--quiet",
    "--hex-dump",
    "--json",
    "--stats",
    "--anomalies",
    "--web",
    "--pipeline",
  ]);
  for (const [on, off] of pairs) {
    assert.equal(off.long, on.long.replace("--", "--no-"));
    const yes = parseArgs([on.long]);
    assert.deepEqual(values(yes), { [on.target]: true }, on.long);
    assert.equal(yes.setBy.get(on.target as ConfigPath), optionName(on));
    const no = parseArgs([off.long]);
    assert.deepEqual(values(no), { [on.target]: false }, off.long);
    assert.equal(no.setBy.get(on.target as ConfigPath), off.long);
    const message = `${optionName(on)} and ${off.long} cannot be used together`;
    assert.equal(usageError([on.long, off.long]), message);
    assert.equal(usageError([off.long, "-c", "3", on.long]), message);
  }
  assert.equal(
    usageError(["--quiet", "--no-quiet"]),
    "--quiet and --no-quiet cannot be used together",
  );
  assert.equal(
    usageError(["-p", "--no-promiscuous"]),
    "-p/--promiscuous and --no-promiscuous cannot be used together",
  );
  // Repeating the same half is fine.
  assert.equal(parseArgs(["--web", "--web"]).values.get("web.enabled"), true);
});

Deno.test("every value option maps to its config key and converts its value", () => {
  const cases: [string[], string, unknown][] = [
    [["-i", "eth0"], "capture.interface", "eth0"],
    [["-f", "udp"], "capture.filter", "udp"],
    [["-c", "20"], "run.count", 20],
    [["-s", "128"], "capture.snaplen", 128],
    [["-t", "0"], "capture.timeout_ms", 0],
    [["-r", "in.pcapng"], "capture.read_pcap", "in.pcapng"],
    [["--write-pcap", "out.pcap"], "output.write_pcap", "out.pcap"],
    [["--export-json", "f.json"], "output.export_json", "f.json"],
    [["--export-csv", "f.csv"], "output.export_csv", "f.csv"],
    [["--expired-flows-jsonl", "e.jsonl"], "output.expired_flows_jsonl", "e.jsonl"],
    [["--stats-interval-ms", "250"], "stats.interval_ms", 250],
    [["--top-flows", "5"], "stats.top_flows", 5],
    [["--flow-timeout-s", "2.5"], "flow.timeout_secs", 2.5],
    [["--flow-timeout-s", "0"], "flow.timeout_secs", 0],
    [["--flow-timeout-s", "1e2"], "flow.timeout_secs", 100],
    [["--max-flows", "0"], "flow.max_flows", 0],
    [["--alerts-jsonl", "a.jsonl"], "analysis.alerts_jsonl", "a.jsonl"],
    [["--web-bind", "0.0.0.0"], "web.bind", "0.0.0.0"],
    [["--web-port", "9090"], "web.port", 9090],
    [["--workers", "4"], "pipeline.workers", 4],
    [["--workers", "+4"], "pipeline.workers", 4],
  ];
  const covered = new Set<string>();
  for (const [argv, path, value] of cases) {
    assert.deepEqual(values(parseArgs(argv)), { [path]: value }, argv.join(" "));
    covered.add(path);
  }
  const valueTargets = CLI_OPTIONS.filter((o) => o.kind === "value" && keySpec(o.target))
    .map((o) => o.target);
  assert.deepEqual([...covered].sort(), [...new Set(valueTargets)].sort());
});

Deno.test("-r - means stdin; an empty path or string means none", () => {
  assert.equal(parseArgs(["-r", "-"]).values.get("capture.read_pcap"), "-");
  assert.equal(parseArgs(["--read-pcap=-"]).values.get("capture.read_pcap"), "-");
  for (
    const flag of ["-r", "--write-pcap", "--export-json", "--export-csv", "--alerts-jsonl"]
  ) {
    const args = parseArgs([flag, ""]);
    assert.equal(args.values.size, 1, flag);
    assert.equal([...args.values.values()][0], null, flag);
  }
  assert.equal(parseArgs(["-i", ""]).values.get("capture.interface"), null);
  assert.equal(parseArgs(["--config", ""]).config_path, null);
  assert.equal(parseArgs(["--config", "a.toml"]).config_path, "a.toml");
  assert.equal(usageError(["--web-bind", ""]), "--web-bind must not be empty");
});

Deno.test("numeric options: non-integers, negatives and out-of-range values", () => {
  const cases: [string[], string][] = [
    [["-c", "abc"], '-c/--count must be an integer, got "abc"'],
    [["-c", "1.5"], '-c/--count must be an integer, got "1.5"'],
    [["-c", ""], '-c/--count must be an integer, got ""'],
    [["-c", "-5"], "-c/--count must be at least 0, got -5"],
    [
      ["-c", "99999999999999999999"],
      "-c/--count must be at most 9007199254740991, got 99999999999999999999",
    ],
    [["--count", "0x10"], '-c/--count must be an integer, got "0x10"'],
    [["--snaplen", "0"], "-s/--snaplen must be between 1 and 262144, got 0"],
    [["-s", "262145"], "-s/--snaplen must be between 1 and 262144, got 262145"],
    [["-t", "-1"], "-t/--timeout-ms must be between 0 and 2147483647, got -1"],
    [["--web-port", "70000"], "--web-port must be between 1 and 65535, got 70000"],
    [["--web-port", "0"], "--web-port must be between 1 and 65535, got 0"],
    [["--workers", "-1"], "--workers must be between 0 and 256, got -1"],
    [["--workers", "257"], "--workers must be between 0 and 256, got 257"],
    [["--stats-interval-ms", "0"], "--stats-interval-ms must be between 1 and 2147483647, got 0"],
    [["--flow-timeout-s", "-1"], "--flow-timeout-s must be at least 0, got -1"],
    [["--flow-timeout-s", "abc"], '--flow-timeout-s must be a number, got "abc"'],
    [["--flow-timeout-s", "1e999"], "--flow-timeout-s must be a finite number, got 1e999"],
    [["--max-flows", "-3"], "--max-flows must be at least 0, got -3"],
  ];
  for (const [argv, message] of cases) assert.equal(usageError(argv), message, argv.join(" "));
});

Deno.test("unknown options: one line, with the nearest long option suggested", () => {
  assert.equal(
    usageError(["--snaplenn", "5"]),
    'unknown option "--snaplenn" (did you mean --snaplen?)',
  );
  assert.equal(usageError(["--hexdump"]), 'unknown option "--hexdump" (did you mean --hex-dump?)');
  assert.equal(usageError(["--frobnicate"]), 'unknown option "--frobnicate"');
  assert.equal(usageError(["-x"]), 'unknown option "-x"');
  assert.equal(usageError(["-vx"]), 'unknown option "-x"');
  assert.equal(usageError(["--quiet=1"]), "--quiet does not take a value");
});

Deno.test("missing values name the option and its placeholder", () => {
  assert.equal(usageError(["-c"]), "missing value for -c/--count <COUNT>");
  assert.equal(usageError(["-r", "x", "--web-port"]), "missing value for --web-port <PORT>");
  assert.equal(usageError(["--config"]), "missing value for --config <PATH>");
});

Deno.test('-i together with -r is an error; -r "" with -i is not', () => {
  assert.equal(
    usageError(["-i", "eth0", "-r", "x.pcap"]),
    "-i/--interface and -r/--read-pcap cannot be used together",
  );
  assert.deepEqual(values(parseArgs(["-i", "eth0", "-r", ""])), {
    "capture.interface": "eth0",
    "capture.read_pcap": null,
  });
});

Deno.test("-h and -V are actions; help wins; values are not validated then", () => {
  assert.equal(parseArgs(["-h"]).action, "help");
  assert.equal(parseArgs(["--help"]).action, "help");
  assert.equal(parseArgs(["-V"]).action, "version");
  assert.equal(parseArgs(["--version"]).action, "version");
  assert.equal(parseArgs(["-V", "-h"]).action, "help");
  const args = parseArgs(["-c", "abc", "--quiet", "--no-quiet", "--help"]);
  assert.equal(args.action, "help");
  assert.equal(args.values.size, 0);
  // Syntax errors still win.
  assert.equal(usageError(["--help", "--bogus"]), 'unknown option "--bogus"');
});

Deno.test("-l is recorded as a CLI-only switch", () => {
  const args = parseArgs(["-l"]);
  assert.equal(args.list_interfaces, true);
  assert.ok(args.given.has("list_interfaces"));
  assert.equal(parseArgs(["--list-interfaces"]).list_interfaces, true);
});

Deno.test("the last occurrence of a value option wins", () => {
  assert.equal(parseArgs(["-c", "1", "-c", "2"]).values.get("run.count"), 2);
});

Deno.test("option table: unique flags, every config-key option has a valid target", () => {
  const longs = CLI_OPTIONS.map((o) => o.long);
  assert.equal(new Set(longs).size, longs.length);
  const shorts = CLI_OPTIONS.flatMap((o) => (o.short === undefined ? [] : [o.short]));
  assert.equal(new Set(shorts).size, shorts.length);
  for (const option of CLI_OPTIONS) {
    const cliOnly = ["config_path", "verbose", "list_interfaces", "help", "version"];
    assert.ok(cliOnly.includes(option.target) || keySpec(option.target), option.long);
    assert.equal(option.kind === "value", option.value !== undefined, option.long);
  }
});
