import assert from "node:assert/strict";
import {
  CONFIG_KEYS,
  CONFIG_SECTIONS,
  type ConfigSettings,
  defaultConfig,
  getSetting,
  loadConfigFile,
  parseConfigText,
} from "./config.ts";
import { parseArgs } from "./args.ts";
import { mergeSettings } from "./settings.ts";
import { UsageError } from "./usage_error.ts";

const EXAMPLE = new URL("../../netscope.example.toml", import.meta.url);

/** The reference Config Reference table, transcribed, plus NetScope's additions. */
const REFERENCE_DEFAULTS: ConfigSettings = {
  capture: {
    interface: null,
    promiscuous: true,
    snaplen: 65535,
    timeout_ms: 100,
    filter: null,
    read_pcap: null,
  },
  run: { count: 0 },
  output: {
    write_pcap: null,
    export_json: null,
    export_csv: null,
    hex_dump: false,
    quiet: false,
    json: false,
    expired_flows_jsonl: null,
  },
  flow: { timeout_secs: 60, max_flows: 100000 },
  stats: { enabled: false, interval_ms: 1000, top_flows: 0 },
  analysis: {
    rtt: true,
    retrans: true,
    out_of_order: true,
    alerts_jsonl: null,
    anomalies: {
      enabled: false,
      syn_flood: {
        enabled: true,
        window_secs: 5,
        syn_threshold: 200,
        unique_src_threshold: 50,
        cooldown_secs: 10,
      },
      port_scan: {
        enabled: true,
        window_secs: 10,
        unique_ports_threshold: 25,
        unique_hosts_threshold: 10,
        cooldown_secs: 30,
      },
    },
  },
  web: {
    enabled: false,
    bind: "127.0.0.1",
    port: 8080,
    tick_ms: 1000,
    top_n: 10,
    packet_buffer: 2000,
    sample_rate: 1,
    payload_bytes: 256,
  },
  pipeline: { enabled: false, workers: 0, channel_capacity: 4096 },
};

/** The config part of resolved settings (drops the CLI-only fields). */
function configPart(layerText: string, file = "test.toml"): ConfigSettings {
  const s = mergeSettings(parseArgs([]), parseConfigText(layerText, file));
  const { capture, run, output, flow, stats, analysis, web, pipeline } = s;
  return { capture, run, output, flow, stats, analysis, web, pipeline };
}

function usageError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof UsageError, `expected UsageError, got ${err}`);
    assert.equal(err.exitCode, 2);
    assert.ok(!err.message.includes("\n"), `message must be one line: ${err.message}`);
    return err.message;
  }
  assert.fail("expected a UsageError");
}

async function usageErrorAsync(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof UsageError, `expected UsageError, got ${err}`);
    assert.ok(!err.message.includes("\n"), `message must be one line: ${err.message}`);
    return err.message;
  }
  assert.fail("expected a UsageError");
}

function leafPaths(node: object, prefix = ""): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(node)) {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    if (typeof value === "object" && value !== null) out.push(...leafPaths(value, path));
    else out.push(path);
  }
  return out;
}

Deno.test("defaults match the reference Config Reference table", () => {
  assert.deepEqual(defaultConfig(), REFERENCE_DEFAULTS);
});

Deno.test("schema has exactly one key per settings leaf", () => {
  const schemaPaths = CONFIG_KEYS.map((k) => k.path);
  assert.equal(new Set(schemaPaths).size, schemaPaths.length, "duplicate key in CONFIG_KEYS");
  assert.deepEqual([...schemaPaths].sort(), leafPaths(REFERENCE_DEFAULTS).sort());
  assert.deepEqual(CONFIG_SECTIONS, [
    "capture",
    "run",
    "output",
    "flow",
    "stats",
    "analysis",
    "analysis.anomalies",
    "analysis.anomalies.syn_flood",
    "analysis.anomalies.port_scan",
    "web",
    "pipeline",
  ]);
});

Deno.test("defaultConfig returns a fresh object each call", () => {
  const a = defaultConfig();
  a.capture.snaplen = 1;
  assert.equal(defaultConfig().capture.snaplen, 65535);
});

Deno.test("netscope.example.toml parses to exactly the defaults", async () => {
  const text = await Deno.readTextFile(EXAMPLE);
  assert.deepEqual(configPart(text, "netscope.example.toml"), defaultConfig());
});

Deno.test("netscope.example.toml lists every key in its section", async () => {
  const text = await Deno.readTextFile(EXAMPLE);
  const found: string[] = [];
  let section = "";
  for (const line of text.split("\n")) {
    const header = /^\[([a-z_.]+)\]\s*$/.exec(line);
    if (header) section = header[1];
    const key = /^#?\s*([a-z_]+) = /.exec(line);
    if (key) found.push(`${section}.${key[1]}`);
  }
  assert.deepEqual(found.sort(), CONFIG_KEYS.map((k) => k.path).sort());
});

Deno.test("netscope.example.toml: the commented-out examples are valid values", async () => {
  const text = await Deno.readTextFile(EXAMPLE);
  const uncommented = text.replace(/^# ([a-z_]+ = )/gm, "$1");
  const s = configPart(uncommented);
  assert.equal(s.capture.interface, "eth0");
  assert.equal(s.capture.filter, "tcp port 80");
  assert.equal(s.capture.read_pcap, "trace.pcap");
  assert.equal(s.output.write_pcap, "capture.pcap");
  assert.equal(s.output.export_json, "flows.json");
  assert.equal(s.output.export_csv, "flows.csv");
  assert.equal(s.output.expired_flows_jsonl, "expired.jsonl");
  assert.equal(s.analysis.alerts_jsonl, "alerts.jsonl");
});

Deno.test("config values of every type are read", () => {
  const s = configPart(`
[capture]
interface = "eth1"
promiscuous = false
snaplen = 96
filter = "udp"
[run]
count = 12
[flow]
timeout_secs = 2.5
max_flows = 7
[analysis.anomalies.syn_flood]
window_secs = 3        # an integer is accepted for a float key
[web]
bind = "0.0.0.0"
port = 65535
`);
  assert.equal(s.capture.interface, "eth1");
  assert.equal(s.capture.promiscuous, false);
  assert.equal(s.capture.snaplen, 96);
  assert.equal(s.capture.filter, "udp");
  assert.equal(s.run.count, 12);
  assert.equal(s.flow.timeout_secs, 2.5);
  assert.equal(s.flow.max_flows, 7);
  assert.equal(s.analysis.anomalies.syn_flood.window_secs, 3);
  assert.equal(typeof s.analysis.anomalies.syn_flood.window_secs, "number");
  assert.equal(s.web.bind, "0.0.0.0");
  assert.equal(s.web.port, 65535);
  // Untouched keys keep their defaults.
  assert.equal(s.capture.timeout_ms, 100);
  assert.equal(s.analysis.anomalies.syn_flood.syn_threshold, 200);
});

Deno.test("dotted keys and inline tables address the same keys as headers", () => {
  const s = configPart(`
capture.snaplen = 128
web = { port = 9090, enabled = true }
[analysis.anomalies]
port_scan.window_secs = 4.5
syn_flood.cooldown_secs = 1
`);
  assert.equal(s.capture.snaplen, 128);
  assert.equal(s.analysis.anomalies.port_scan.window_secs, 4.5);
  assert.equal(s.web.port, 9090);
  assert.equal(s.web.enabled, true);
  assert.equal(s.analysis.anomalies.syn_flood.cooldown_secs, 1);
});

Deno.test("empty path and optional-string values mean none (null)", () => {
  const s = configPart(`
[capture]
interface = ""
filter = ""
read_pcap = ""
[output]
write_pcap = ""
export_json = ""
export_csv = ""
expired_flows_jsonl = ""
[analysis]
alerts_jsonl = ""
`);
  assert.deepEqual(s, defaultConfig());
  const layer = parseConfigText('[output]\nwrite_pcap = ""\n', "x.toml");
  assert.equal(layer.get("output.write_pcap"), null);
  assert.ok(layer.has("output.write_pcap"), "an empty path is still explicit");
});

Deno.test('read_pcap = "-" means stdin and is kept verbatim', () => {
  assert.equal(configPart('[capture]\nread_pcap = "-"\n').capture.read_pcap, "-");
});

Deno.test("an empty bind address is rejected (its default is not none)", () => {
  assert.equal(
    usageError(() => parseConfigText('[web]\nbind = ""\n', "x.toml")),
    "web.bind in x.toml must not be empty",
  );
});

Deno.test("unknown key: names key and file, suggests the nearest key", () => {
  assert.equal(
    usageError(() => parseConfigText("[capture]\nsnaplenn = 5\n", "x.toml")),
    'unknown key "capture.snaplenn" in x.toml (did you mean "capture.snaplen"?)',
  );
  assert.equal(
    usageError(() => parseConfigText("[run]\nsnaplen = 5\n", "x.toml")),
    'unknown key "run.snaplen" in x.toml (did you mean "capture.snaplen"?)',
  );
  assert.equal(
    usageError(() => parseConfigText("snaplen = 5\n", "x.toml")),
    'unknown key "snaplen" in x.toml (did you mean "capture.snaplen"?)',
  );
  assert.equal(
    usageError(() => parseConfigText("[web]\ncolour = 5\n", "x.toml")),
    'unknown key "web.colour" in x.toml',
  );
});

Deno.test("unknown section: names section and file, suggests the nearest section", () => {
  assert.equal(
    usageError(() => parseConfigText("[captur]\nsnaplen = 5\n", "x.toml")),
    'unknown section "[captur]" in x.toml (did you mean "[capture]"?)',
  );
  assert.equal(
    usageError(() => parseConfigText("[analysis.anomalies.synflood]\n", "x.toml")),
    'unknown section "[analysis.anomalies.synflood]" in x.toml ' +
      '(did you mean "[analysis.anomalies.syn_flood]"?)',
  );
  assert.equal(
    usageError(() => parseConfigText("[zzz]\n", "x.toml")),
    'unknown section "[zzz]" in x.toml',
  );
});

Deno.test("wrong types name the key, the file, the expected and the actual type", () => {
  const cases: [string, string][] = [
    [
      '[capture]\nsnaplen = "abc"',
      'capture.snaplen in x.toml must be an integer, got string "abc"',
    ],
    ["[capture]\nsnaplen = 1.5", "capture.snaplen in x.toml must be an integer, got float 1.5"],
    ["[capture]\nsnaplen = 100.0", "capture.snaplen in x.toml must be an integer, got float 100.0"],
    ["[capture]\nsnaplen = true", "capture.snaplen in x.toml must be an integer, got boolean true"],
    [
      '[capture]\npromiscuous = "yes"',
      'capture.promiscuous in x.toml must be a boolean (true or false), got string "yes"',
    ],
    [
      "[capture]\npromiscuous = 1",
      "capture.promiscuous in x.toml must be a boolean (true or false), got integer 1",
    ],
    ["[capture]\ninterface = 5", "capture.interface in x.toml must be a string, got integer 5"],
    [
      '[flow]\ntimeout_secs = "60"',
      'flow.timeout_secs in x.toml must be a number, got string "60"',
    ],
    ['[output]\nwrite_pcap = ["a"]', "output.write_pcap in x.toml must be a string, got array"],
    ["[capture.snaplen]\n", "capture.snaplen in x.toml must be an integer, got table"],
    ["[web]\nport = 1979-05-27T07:32:00Z", "web.port in x.toml must be an integer, got date-time"],
    ["capture = 5", "capture in x.toml must be a table, got integer 5"],
    ["[[capture]]\nsnaplen = 5", "capture in x.toml must be a table, got array"],
  ];
  for (const [text, message] of cases) {
    assert.equal(usageError(() => parseConfigText(text, "x.toml")), message, text);
  }
});

Deno.test("out-of-range values name the key, the file and the range", () => {
  const cases: [string, string][] = [
    ["[capture]\nsnaplen = 0", "capture.snaplen in x.toml must be between 1 and 262144, got 0"],
    [
      "[capture]\nsnaplen = 262145",
      "capture.snaplen in x.toml must be between 1 and 262144, got 262145",
    ],
    [
      "[capture]\ntimeout_ms = -1",
      "capture.timeout_ms in x.toml must be between 0 and 2147483647, got -1",
    ],
    ["[run]\ncount = -5", "run.count in x.toml must be at least 0, got -5"],
    [
      "[run]\ncount = 99999999999999999999",
      "run.count in x.toml must be at most 9007199254740991, got 99999999999999999999",
    ],
    ["[flow]\ntimeout_secs = -0.5", "flow.timeout_secs in x.toml must be at least 0, got -0.5"],
    ["[flow]\ntimeout_secs = inf", "flow.timeout_secs in x.toml must be a finite number, got inf"],
    ["[flow]\ntimeout_secs = nan", "flow.timeout_secs in x.toml must be a finite number, got nan"],
    [
      "[stats]\ninterval_ms = 0",
      "stats.interval_ms in x.toml must be between 1 and 2147483647, got 0",
    ],
    [
      "[analysis.anomalies.syn_flood]\nwindow_secs = 0",
      "analysis.anomalies.syn_flood.window_secs in x.toml must be greater than 0, got 0",
    ],
    [
      "[analysis.anomalies.port_scan]\nunique_ports_threshold = 0",
      "analysis.anomalies.port_scan.unique_ports_threshold in x.toml must be at least 1, got 0",
    ],
    ["[web]\nport = 0", "web.port in x.toml must be between 1 and 65535, got 0"],
    ["[web]\nport = 70000", "web.port in x.toml must be between 1 and 65535, got 70000"],
    [
      "[web]\npacket_buffer = 0",
      "web.packet_buffer in x.toml must be between 1 and 1000000, got 0",
    ],
    ["[pipeline]\nworkers = 257", "pipeline.workers in x.toml must be between 0 and 256, got 257"],
    [
      "[pipeline]\nchannel_capacity = 0",
      "pipeline.channel_capacity in x.toml must be between 1 and 1048576, got 0",
    ],
  ];
  for (const [text, message] of cases) {
    assert.equal(usageError(() => parseConfigText(text, "x.toml")), message, text);
  }
  // Range ends are allowed.
  const s = configPart(
    "[capture]\nsnaplen = 262144\n[web]\nport = 1\n[pipeline]\nworkers = 256\n" +
      "[analysis.anomalies.syn_flood]\ncooldown_secs = 0\n",
  );
  assert.equal(s.capture.snaplen, 262144);
  assert.equal(s.web.port, 1);
  assert.equal(s.pipeline.workers, 256);
  assert.equal(s.analysis.anomalies.syn_flood.cooldown_secs, 0);
});

Deno.test("TOML syntax errors give smol-toml's reason with line and column", () => {
  assert.equal(
    usageError(() => parseConfigText("[capture]\nsnaplen = 1.5.3\n", "x.toml")),
    'Cannot parse config "x.toml": illegal character in numeric literal at line 2, column 14',
  );
  assert.equal(
    usageError(() => parseConfigText("[capture]\nsnaplen = 1\nsnaplen = 2\n", "x.toml")),
    'Cannot parse config "x.toml": trying to redefine an already defined table or value ' +
      "at line 3, column 1",
  );
  assert.match(
    usageError(() => parseConfigText("[capture\n", "x.toml")),
    /^Cannot parse config "x\.toml": .+ at line 1, column \d+$/,
  );
});

Deno.test("loadConfigFile reads a file and reports unreadable ones", async () => {
  const dir = await Deno.makeTempDir({ prefix: "netscope_config_test_" });
  try {
    const good = `${dir}/good.toml`;
    await Deno.writeTextFile(good, "[capture]\nsnaplen = 200\n");
    const layer = await loadConfigFile(good);
    assert.deepEqual([...layer], [["capture.snaplen", 200]]);

    const missing = `${dir}/missing.toml`;
    assert.equal(
      await usageErrorAsync(() => loadConfigFile(missing)),
      `Cannot read config "${missing}": No such file`,
    );
    assert.equal(
      await usageErrorAsync(() => loadConfigFile(dir)),
      `Cannot read config "${dir}": Is a directory`,
    );

    const bad = `${dir}/bad.toml`;
    await Deno.writeTextFile(bad, "[web]\nport = 70000\n");
    assert.equal(
      await usageErrorAsync(() => loadConfigFile(bad)),
      `web.port in ${bad} must be between 1 and 65535, got 70000`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("getSetting reads nested values and rejects sections", () => {
  const d = defaultConfig();
  assert.equal(getSetting(d, "analysis.anomalies.port_scan.cooldown_secs"), 30);
  assert.equal(getSetting(d, "capture.filter"), null);
  assert.equal(getSetting(d, "analysis.anomalies"), undefined);
  assert.equal(getSetting(d, "no.such.key"), undefined);
});
