import assert from "node:assert/strict";
import { CONFIG_KEYS } from "./config.ts";
import { type Feature, FEATURE_OF, FEATURES, requestedUnavailable } from "./features.ts";
import { resolveSettings } from "./settings.ts";

const NONE: ReadonlySet<Feature> = new Set();
const ALL: ReadonlySet<Feature> = new Set(FEATURES);
const LIVE = "(use -r/--read-pcap <PATH> to read a capture file)";

function allBut(...missing: Feature[]): ReadonlySet<Feature> {
  return new Set(FEATURES.filter((f) => !missing.includes(f)));
}

async function unavailable(argv: string[], available: ReadonlySet<Feature>): Promise<string[]> {
  return requestedUnavailable(await resolveSettings(argv), available);
}

async function withConfig<T>(text: string, fn: (path: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "netscope_features_test_" });
  try {
    const path = `${dir}/netscope.toml`;
    await Deno.writeTextFile(path, text);
    return await fn(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("reading a file with core options requests nothing optional", async () => {
  assert.deepEqual(
    await unavailable(
      ["-r", "x.pcap", "-c", "5", "--json", "--hex-dump", "-vv", "--quiet", "tcp"],
      NONE,
    ),
    [],
  );
});

Deno.test("no -r means live capture", async () => {
  assert.deepEqual(await unavailable([], NONE), [`live capture is not available yet ${LIVE}`]);
  assert.deepEqual(await unavailable(["-i", "eth0"], NONE), [
    `-i/--interface: live capture is not available yet ${LIVE}`,
  ]);
  assert.deepEqual(await unavailable(["-s", "96"], NONE), [
    `-s/--snaplen: live capture is not available yet ${LIVE}`,
  ]);
  assert.deepEqual(await unavailable(["-l"], NONE), [
    `-l/--list-interfaces: live capture is not available yet ${LIVE}`,
  ]);
  assert.deepEqual(await unavailable(["-l", "-r", "x"], NONE), [
    `-l/--list-interfaces: live capture is not available yet ${LIVE}`,
  ]);
  // Live-only tuning is ignored when reading a file.
  assert.deepEqual(await unavailable(["-r", "x", "-s", "96", "-t", "5", "-p"], NONE), []);
  assert.deepEqual(await unavailable(["-i", "eth0"], new Set(["live-capture"])), []);
});

Deno.test("switches, paths and CLI tuning flags request their feature", async () => {
  const cases: [string[], Feature, string][] = [
    [["--web"], "web", "--web: the web dashboard is not available yet"],
    [["--web-port", "9090"], "web", "--web-port: the web dashboard is not available yet"],
    [["--web-bind", "0.0.0.0"], "web", "--web-bind: the web dashboard is not available yet"],
    [["--write-pcap", "o.pcap"], "write-pcap", "--write-pcap: pcap writing is not available yet"],
    [["--export-json", "f.json"], "flows", "--export-json: flow tracking is not available yet"],
    [["--export-csv", "f.csv"], "flows", "--export-csv: flow tracking is not available yet"],
    [
      ["--expired-flows-jsonl", "e.jsonl"],
      "flows",
      "--expired-flows-jsonl: flow tracking is not available yet",
    ],
    [["--flow-timeout-s", "5"], "flows", "--flow-timeout-s: flow tracking is not available yet"],
    [["--max-flows", "10"], "flows", "--max-flows: flow tracking is not available yet"],
    [["--stats"], "stats", "--stats: periodic stats is not available yet"],
    [["--top-flows", "5"], "stats", "--top-flows: periodic stats is not available yet"],
    [
      ["--stats-interval-ms", "5"],
      "stats",
      "--stats-interval-ms: periodic stats is not available yet",
    ],
    [["--anomalies"], "anomalies", "--anomalies: anomaly detection is not available yet"],
    [
      ["--alerts-jsonl", "a"],
      "anomalies",
      "--alerts-jsonl: anomaly detection is not available yet",
    ],
    [["--pipeline"], "pipeline", "--pipeline: the sharded pipeline is not available yet"],
    [["--workers", "2"], "pipeline", "--workers: the sharded pipeline is not available yet"],
  ];
  for (const [flags, feature, message] of cases) {
    const argv = ["-r", "x.pcap", ...flags];
    assert.deepEqual(await unavailable(argv, allBut(feature)), [message], argv.join(" "));
    assert.deepEqual(await unavailable(argv, ALL), [], argv.join(" "));
  }
});

Deno.test("turning a feature off or clearing its path requests nothing", async () => {
  for (const flags of [["--no-web"], ["--no-stats"], ["--no-anomalies"], ["--no-pipeline"]]) {
    assert.deepEqual(await unavailable(["-r", "x", ...flags], NONE), [], flags.join(" "));
  }
  for (const flag of ["--write-pcap", "--export-json", "--export-csv", "--alerts-jsonl"]) {
    assert.deepEqual(await unavailable(["-r", "x", flag, ""], NONE), [], flag);
  }
});

Deno.test("one message per feature, in feature order, CLI triggers named first", async () => {
  await withConfig("[web]\nenabled = true\n[stats]\nenabled = true\n", async (path) => {
    assert.deepEqual(
      await unavailable(["--config", path, "-r", "x", "--web-port", "1234", "--pipeline"], NONE),
      [
        `stats.enabled in ${path}: periodic stats is not available yet`,
        "--web-port: the web dashboard is not available yet",
        "--pipeline: the sharded pipeline is not available yet",
      ],
    );
  });
});

Deno.test("config files: switches on and paths set request, tuning keys do not", async () => {
  const example = new URL("../../netscope.example.toml", import.meta.url).pathname;
  assert.deepEqual(await unavailable(["--config", example, "-r", "x"], NONE), []);
  await withConfig(
    '[output]\nexport_csv = "f.csv"\n[web]\nport = 1234\n[pipeline]\nworkers = 3\n',
    async (path) => {
      assert.deepEqual(await unavailable(["--config", path, "-r", "x"], NONE), [
        `output.export_csv in ${path}: flow tracking is not available yet`,
      ]);
    },
  );
  await withConfig('[capture]\nread_pcap = "x.pcap"\ninterface = "eth0"\n', async (path) => {
    assert.deepEqual(await unavailable(["--config", path], NONE), []);
  });
  await withConfig('[capture]\ninterface = "eth0"\n', async (path) => {
    assert.deepEqual(await unavailable(["--config", path], NONE), [
      `capture.interface in ${path}: live capture is not available yet ${LIVE}`,
    ]);
  });
});

Deno.test("help and version request nothing", async () => {
  assert.deepEqual(await unavailable(["--web", "-h"], NONE), []);
  assert.deepEqual(await unavailable(["-V"], NONE), []);
});

Deno.test("every config key has a feature entry", () => {
  assert.deepEqual(Object.keys(FEATURE_OF).sort(), CONFIG_KEYS.map((k) => k.path).sort());
});
