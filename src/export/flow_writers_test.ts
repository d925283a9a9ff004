import assert from "node:assert/strict";
import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import { AtomicFile } from "./atomic_file.ts";
import { CSV_COLUMNS, type FlowRecord, REFERENCE_CSV_COLUMNS } from "./flow_record.ts";
import { csvRow, FlowCsvWriter, FlowJsonWriter, JsonLinesWriter } from "./flow_writers.ts";

function flow(over: Partial<FlowRecord> = {}): FlowRecord {
  return {
    protocol: "tcp",
    endpoint_a_ip: "10.0.0.1",
    endpoint_a_port: 51000,
    endpoint_b_ip: "192.0.2.7",
    endpoint_b_port: 443,
    first_seen: 1367526033.491822,
    last_seen: 1367526035.491822,
    duration_secs: 2,
    packets_a_to_b: 10,
    packets_b_to_a: 8,
    bytes_a_to_b: 1200,
    bytes_b_to_a: 9000,
    packets_total: 18,
    bytes_total: 10200,
    avg_bps: 40800,
    tcp_state: "established",
    client: "a",
    retransmissions: 1,
    out_of_order: 0,
    rtt_last_ms: 12.5,
    rtt_min_ms: 11,
    rtt_ewma_ms: 12.1,
    rtt_samples: 4,
    vlan: 0,
    community_id: "1:LQU9qZlK+B5F3KDmev6m5PMibrg=",
    handshake_rtt_ms: 11.2,
    dns_name: null,
    sni: 'a,"quoted" name',
    ...over,
  };
}

async function tmp(): Promise<string> {
  return await Deno.makeTempDir();
}

Deno.test("FlowCsvWriter writes the reference columns first, then NetScope's, parseable as CSV", async () => {
  const dir = await tmp();
  const w = new FlowCsvWriter(AtomicFile.open(`${dir}/f.csv`, "CSV export"));
  w.add(flow());
  w.add(flow({ protocol: "udp", tcp_state: null, rtt_last_ms: null }));
  w.finish();
  const rows: string[][] = parse(await Deno.readTextFile(`${dir}/f.csv`));
  assert.deepEqual(rows[0]!.slice(0, REFERENCE_CSV_COLUMNS.length), [...REFERENCE_CSV_COLUMNS]);
  assert.deepEqual(rows[0], [...CSV_COLUMNS]);
  assert.equal(rows.length, 3);
  const col = (name: string) => rows[0]!.indexOf(name);
  assert.equal(rows[1]![col("sni")], 'a,"quoted" name');
  assert.equal(rows[1]![col("first_seen")], "1367526033.491822");
  assert.equal(rows[2]![col("tcp_state")], "");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("csvRow writes the bytes csv-stringify writes, and csv-parse reads the values back", () => {
  const tricky = [
    "",
    "plain",
    "a,b",
    'say "hi"',
    '"',
    "line\nbreak",
    "cr\rhere",
    " padded ",
    "ünï·çødé",
    "tab\there",
    "=1+2",
    "#hash",
    "'apostrophe'",
  ];
  let x = 99;
  const pick = () => tricky[(x = (Math.imul(x, 1103515245) + 12345) | 0) >>> 28 & 15] ?? "z";
  const numbers = [0, 1, -1, 1367526033.491822, 12.5, 1e21, 0.1 + 0.2, 65535];
  for (let n = 0; n < 500; n++) {
    const row: unknown[] = [];
    for (let i = 0; i < 1 + (n % 9); i++) {
      const k = (n * 7 + i * 3) % 5;
      row.push(k === 0 ? null : k === 1 ? numbers[(n + i) % numbers.length] : pick() + pick());
    }
    const asStrings = row.map((v) => (v === null ? "" : v as string | number));
    assert.equal(csvRow(row), stringify([asStrings]), JSON.stringify(row));
    const back: string[][] = parse(csvRow(row));
    assert.deepEqual(back[0], asStrings.map(String));
  }
});

Deno.test("FlowJsonWriter writes a JSON array of flow objects (empty array when none)", async () => {
  const dir = await tmp();
  const w = new FlowJsonWriter(AtomicFile.open(`${dir}/f.json`, "JSON export"));
  w.add(flow());
  w.add(flow({ endpoint_a_port: 1 }));
  w.finish();
  const arr = JSON.parse(await Deno.readTextFile(`${dir}/f.json`));
  assert.equal(arr.length, 2);
  assert.deepEqual(Object.keys(arr[0]), CSV_COLUMNS);
  assert.equal(arr[1].endpoint_a_port, 1);
  const e = new FlowJsonWriter(AtomicFile.open(`${dir}/e.json`, "JSON export"));
  e.finish();
  assert.deepEqual(JSON.parse(await Deno.readTextFile(`${dir}/e.json`)), []);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("JsonLinesWriter writes one object per line", async () => {
  const dir = await tmp();
  const w = new JsonLinesWriter(AtomicFile.open(`${dir}/x.jsonl`, "JSON lines"));
  w.add({ a: 1 });
  w.add({ b: "x\ny" });
  w.finish();
  const lines = (await Deno.readTextFile(`${dir}/x.jsonl`)).trimEnd().split("\n");
  assert.deepEqual(lines.map((l) => JSON.parse(l)), [{ a: 1 }, { b: "x\ny" }]);
  await Deno.remove(dir, { recursive: true });
});
