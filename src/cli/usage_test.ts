import assert from "node:assert/strict";
import { CLI_OPTIONS } from "./args.ts";
import { CONFIG_KEYS } from "./config.ts";
import { helpText, VERSION, versionText } from "./usage.ts";

const root = new URL("../../", import.meta.url);

Deno.test("--version prints netscope and the version from deno.json", async () => {
  const denoJson = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
  assert.equal(VERSION, denoJson.version);
  assert.equal(versionText(), `netscope ${denoJson.version}`);
  assert.match(versionText(), /^netscope \d+\.\d+\.\d+/);
});

Deno.test("help lists every option with its short form, value and defaults", () => {
  const text = helpText();
  const lines = text.split("\n");
  for (const option of CLI_OPTIONS) {
    const line = lines.find((l) => new RegExp(`\\s${option.long}\\b(?!-)`).test(l));
    assert.ok(line, `${option.long} missing from help`);
    if (option.short) assert.ok(line.includes(`${option.short}, ${option.long}`), line);
    if (option.value) assert.ok(line.includes(`${option.long} ${option.value}`), line);
  }
  assert.ok(lines.some((l) => l.includes("--snaplen <SNAPLEN>") && l.includes("[default: 65535]")));
  assert.ok(
    lines.some((l) => l.includes("--web-bind <ADDR>") && l.includes("[default: 127.0.0.1]")),
  );
  assert.ok(lines.some((l) => l.includes("-v, --verbose...")));
  assert.ok(text.includes("Usage: netscope [OPTIONS] [FILTER...]"));
  for (const line of lines) assert.ok(line.length <= 100, `help line too long: ${line}`);
  assert.ok(text.endsWith("\n"));
});

Deno.test("docs/cli-reference.md documents every option", async () => {
  const doc = await Deno.readTextFile(new URL("docs/cli-reference.md", root));
  for (const option of CLI_OPTIONS) {
    const flags = option.value ? `\`${option.long} ` : `\`${option.long}\``;
    assert.ok(doc.includes(flags), `${option.long} missing from docs/cli-reference.md`);
    if (option.short) assert.ok(doc.includes(`\`${option.short}\`, \`${option.long}`), option.long);
    if (option.target.includes(".")) {
      assert.ok(doc.includes(`\`${option.target}\``), `${option.target} missing`);
    }
  }
});

Deno.test("docs/configuration.md documents every key under its section", async () => {
  const doc = await Deno.readTextFile(new URL("docs/configuration.md", root));
  let section = "";
  const documented = new Set<string>();
  for (const line of doc.split("\n")) {
    const row = /^\| (`\[[a-z_.]+\]`)?\s*\| `([a-z_]+)`/.exec(line);
    if (!row) continue;
    if (row[1]) section = row[1].slice(2, -2);
    documented.add(`${section}.${row[2]}`);
  }
  assert.deepEqual([...documented].sort(), CONFIG_KEYS.map((k) => k.path).sort());
});
