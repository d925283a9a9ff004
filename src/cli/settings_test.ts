import assert from "node:assert/strict";
import { defaultConfig } from "./config.ts";
import { resolveSettings, type Settings } from "./settings.ts";
import { UsageError } from "./usage_error.ts";

async function withConfig<T>(text: string, fn: (path: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "netscope_settings_test_" });
  try {
    const path = `${dir}/netscope.toml`;
    await Deno.writeTextFile(path, text);
    return await fn(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function usageError(argv: string[]): Promise<string> {
  try {
    await resolveSettings(argv);
  } catch (err) {
    assert.ok(err instanceof UsageError, `expected UsageError, got ${err}`);
    assert.equal(err.exitCode, 2);
    assert.ok(!err.message.includes("\n"), `message must be one line: ${err.message}`);
    return err.message;
  }
  assert.fail(`expected a UsageError for ${JSON.stringify(argv)}`);
}

function configPart(s: Settings) {
  const { capture, run, output, flow, stats, analysis, web, pipeline } = s;
  return { capture, run, output, flow, stats, analysis, web, pipeline };
}

Deno.test("no arguments: every setting at its default, nothing explicit", async () => {
  const s = await resolveSettings([]);
  assert.deepEqual(configPart(s), defaultConfig());
  assert.equal(s.action, "run");
  assert.equal(s.verbose, 0);
  assert.equal(s.list_interfaces, false);
  assert.equal(s.config_path, null);
  assert.equal(s.capture.read_pcap, null);
  assert.equal(s.explicit.size, 0);
  assert.equal(s.sources.size, 0);
});

Deno.test("precedence: default < config file < explicit CLI flag", async () => {
  const toml = `
[capture]
snaplen = 1000
filter = "udp"
[run]
count = 50
[output]
quiet = true
hex_dump = true
write_pcap = "from-config.pcap"
[web]
port = 9000
`;
  await withConfig(toml, async (path) => {
    const s = await resolveSettings([
      "--config",
      path,
      "-c",
      "7",
      "--no-quiet",
      "--web-port",
      "9100",
    ]);
    // Default (neither config nor CLI).
    assert.equal(s.capture.timeout_ms, 100);
    assert.ok(!s.explicit.has("capture.timeout_ms"));
    // Config only.
    assert.equal(s.capture.snaplen, 1000);
    assert.equal(s.capture.filter, "udp");
    assert.equal(s.output.hex_dump, true);
    assert.equal(s.output.write_pcap, "from-config.pcap");
    assert.equal(s.sources.get("capture.snaplen"), "config");
    // CLI over config.
    assert.equal(s.run.count, 7);
    assert.equal(s.output.quiet, false);
    assert.equal(s.web.port, 9100);
    assert.equal(s.sources.get("run.count"), "cli");
    assert.equal(s.sources.get("output.quiet"), "cli");
    assert.equal(s.setBy.get("output.quiet"), "--no-quiet");
    assert.equal(s.setBy.get("run.count"), "-c/--count");
    assert.equal(s.config_path, path);
    assert.ok(s.explicit.has("config_path"));
    assert.deepEqual(
      [...s.explicit].sort(),
      [
        "capture.filter",
        "capture.snaplen",
        "config_path",
        "output.hex_dump",
        "output.quiet",
        "output.write_pcap",
        "run.count",
        "web.port",
      ],
    );
  });
});

Deno.test("CLI only: explicit flags over defaults", async () => {
  const s = await resolveSettings(["-r", "x.pcap", "--json", "--hex-dump", "-c", "3", "-vv"]);
  assert.equal(s.capture.read_pcap, "x.pcap");
  assert.equal(s.output.json, true);
  assert.equal(s.output.hex_dump, true);
  assert.equal(s.run.count, 3);
  assert.equal(s.verbose, 2);
  assert.equal(s.sources.get("verbose"), "cli");
  assert.equal(s.sources.get("output.json"), "cli");
});

Deno.test("every boolean pair overrides the config in both directions", async () => {
  const keys: [string, string, string][] = [
    ["capture.promiscuous", "--promiscuous", "--no-promiscuous"],
    ["output.quiet", "--quiet", "--no-quiet"],
    ["output.hex_dump", "--hex-dump", "--no-hex-dump"],
    ["output.json", "--json", "--no-json"],
    ["stats.enabled", "--stats", "--no-stats"],
    ["analysis.anomalies.enabled", "--anomalies", "--no-anomalies"],
    ["web.enabled", "--web", "--no-web"],
    ["pipeline.enabled", "--pipeline", "--no-pipeline"],
  ];
  for (const configValue of [true, false]) {
    const toml = keys.map(([path]) => `${path} = ${configValue}`).join("\n");
    await withConfig(toml, async (path) => {
      const fromConfig = await resolveSettings(["--config", path]);
      const on = await resolveSettings(["--config", path, ...keys.map(([, yes]) => yes)]);
      const off = await resolveSettings(["--config", path, ...keys.map(([, , no]) => no)]);
      for (const [key, yes, no] of keys) {
        const [section, ...rest] = key.split(".");
        const read = (s: Settings) => {
          let node: unknown = s[section as keyof Settings];
          for (const part of rest) node = (node as Record<string, unknown>)[part];
          return node;
        };
        assert.equal(read(fromConfig), configValue, `${key} from config`);
        assert.equal(read(on), true, `${yes} over config ${configValue}`);
        assert.equal(read(off), false, `${no} over config ${configValue}`);
      }
    });
  }
});

Deno.test("an empty path on the CLI disables a path set in the config file", async () => {
  await withConfig('[output]\nexport_csv = "flows.csv"\n', async (path) => {
    const s = await resolveSettings(["--config", path, "--export-csv", ""]);
    assert.equal(s.output.export_csv, null);
    assert.equal(s.sources.get("output.export_csv"), "cli");
  });
});

Deno.test("input selection: -i on the CLI overrides read_pcap from the config", async () => {
  await withConfig('[capture]\nread_pcap = "cfg.pcap"\ninterface = "eth9"\n', async (path) => {
    const fromConfig = await resolveSettings(["--config", path]);
    assert.equal(fromConfig.capture.read_pcap, "cfg.pcap");
    const live = await resolveSettings(["--config", path, "-i", "eth0"]);
    assert.equal(live.capture.read_pcap, null);
    assert.equal(live.capture.interface, "eth0");
    assert.equal(live.setBy.get("capture.read_pcap"), "-i/--interface");
    const file = await resolveSettings(["--config", path, "-r", "-"]);
    assert.equal(file.capture.read_pcap, "-");
  });
});

Deno.test("positional filter words override the config filter", async () => {
  await withConfig('[capture]\nfilter = "udp"\n', async (path) => {
    const s = await resolveSettings(["--config", path, "-r", "x", "tcp", "port", "80"]);
    assert.equal(s.capture.filter, "tcp port 80");
    assert.equal(s.setBy.get("capture.filter"), "FILTER");
  });
});

Deno.test("config file errors name the file given to --config", async () => {
  await withConfig("[capture]\nsnaplenn = 5\n", async (path) => {
    assert.equal(
      await usageError(["--config", path]),
      `unknown key "capture.snaplenn" in ${path} (did you mean "capture.snaplen"?)`,
    );
  });
  await withConfig('[capture]\nsnaplen = "abc"\n', async (path) => {
    assert.equal(
      await usageError(["-r", "x", "--config", path]),
      `capture.snaplen in ${path} must be an integer, got string "abc"`,
    );
  });
  await withConfig("[capture]\nsnaplen = = 5\n", async (path) => {
    assert.match(
      await usageError(["--config", path]),
      new RegExp(`^Cannot parse config "${path}": .+ at line 2, column \\d+$`),
    );
  });
  assert.equal(
    await usageError(["--config", "/nonexistent/netscope.toml"]),
    'Cannot read config "/nonexistent/netscope.toml": No such file',
  );
});

Deno.test("--help and --version do not read the config file", async () => {
  const help = await resolveSettings(["--config", "/nonexistent/x.toml", "--help"]);
  assert.equal(help.action, "help");
  assert.equal(help.config_path, null);
  assert.deepEqual(configPart(help), defaultConfig());
  const version = await resolveSettings(["-V", "--config", "/nonexistent/x.toml"]);
  assert.equal(version.action, "version");
});

Deno.test("-l selects the list-interfaces action", async () => {
  const s = await resolveSettings(["-l"]);
  assert.equal(s.action, "list-interfaces");
  assert.equal(s.list_interfaces, true);
  assert.equal(s.sources.get("list_interfaces"), "cli");
});

Deno.test("the example config with CLI overrides (the reference's usage example)", async () => {
  const example = new URL("../../netscope.example.toml", import.meta.url).pathname;
  const s = await resolveSettings(["--config", example, "--no-promiscuous", "-c", "100"]);
  assert.equal(s.capture.promiscuous, false);
  assert.equal(s.run.count, 100);
  assert.equal(s.capture.snaplen, 65535);
  assert.equal(s.sources.get("capture.snaplen"), "config");
});
