/**
 * Flow table cost per packet. Each bench iteration makes {@link BATCH}
 * (1000) `observe` calls, so the per-iteration overhead of `Deno.bench`
 * does not dominate: the reported time per iteration in µs equals the time
 * per call in ns.
 *
 * One decoded TCP record is reused; before each call the bench writes the
 * flow's addresses and ports into it from a precomputed table (a few field
 * stores, included in the time). That is all `observe` reads of the packet,
 * so no decode is measured here.
 *
 * Groups:
 * - existing: the flow is in the table (goal ≤ 40 ns). One hot flow; 4096
 *   flows in random order (cache-resident); 1,000,000 flows in random order
 *   (mostly cache misses, the realistic worst case). Baseline: a JS `Map`
 *   keyed by a template string, the design this table avoids.
 * - new: the flow is not in the table (goal ≤ 150 ns). Into a full table
 *   (`maxFlows` 4096, cache-resident, or 65,536), so every insert also evicts
 *   the least recently active flow (steady state of a busy capture); into a
 *   growing table (grows and rehashes on the way, replaced every 2^20 flows).
 * - flowHash alone (shard routing).
 *
 * Run: deno bench --allow-read bench/flow_bench.ts
 *
 * @module
 */

import { cat, ethernet, frameOf, ipv4, tcp } from "../src/protocol/_test_frames.ts";
import { decodeFrame } from "../src/protocol/decode.ts";
import { PacketRecord } from "../src/protocol/packet.ts";
import { flowHash } from "../src/flow/flow_key.ts";
import { FlowTable } from "../src/flow/flow_table.ts";
import { TcpAnalyzer } from "../src/flow/tcp_analyzer.ts";

/** observe() calls per bench iteration: µs per iteration = ns per call. */
const BATCH = 1000;

const frame = frameOf(
  cat(ethernet(0x0800), ipv4({ proto: 6, payloadLen: 20 }), tcp({ flags: 0x10 })),
);
const rec = new PacketRecord();
decodeFrame(frame, rec);

/** `n` distinct flows as (source address, destination address, ports) triples. */
function makeFlows(n: number, seed: number): Uint32Array {
  const out = new Uint32Array(3 * n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[3 * i] = (0x0a000000 | (i >>> 8)) >>> 0; // 10.x.y.z clients, 256 flows each
    out[3 * i + 1] = (0xc0a80000 | (x & 0xff)) >>> 0; // 256 servers
    out[3 * i + 2] = ((1024 + (i & 0xff) * 200 + ((x >>> 24) % 200)) << 16) |
      (((x >>> 8) & 0x3) + 80);
  }
  return out;
}

/** Sets the reused record to flow `i` of `flows`, in direction `dir`. */
function setFlow(flows: Uint32Array, i: number, dir: number): void {
  const s = flows[3 * i]!, d = flows[3 * i + 1]!, p = flows[3 * i + 2]!;
  if (dir === 0) {
    rec.srcV4 = s;
    rec.dstV4 = d;
    rec.srcPort = p >>> 16;
    rec.dstPort = p & 0xffff;
  } else {
    rec.srcV4 = d;
    rec.dstV4 = s;
    rec.srcPort = p & 0xffff;
    rec.dstPort = p >>> 16;
  }
}

/** A random visiting order over `n` flows, `len` entries long. */
function order(n: number, len: number, seed: number): Uint32Array {
  const o = new Uint32Array(len);
  let x = seed >>> 0;
  for (let i = 0; i < len; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    o[i] = x % n;
  }
  return o;
}

function filled(table: FlowTable, flows: Uint32Array, n: number): FlowTable {
  for (let i = 0; i < n; i++) {
    setFlow(flows, i, 0);
    table.observe(rec, 0);
  }
  return table;
}

let t = 0;
let sink = 0;

// ---- existing flows ----

const flows4k = makeFlows(4096, 1);
const table1 = filled(new FlowTable(), flows4k, 1);
Deno.bench("observe: existing flow, one hot flow", { group: "existing", baseline: true }, () => {
  setFlow(flows4k, 0, 0);
  for (let i = 0; i < BATCH; i++) sink += table1.observe(rec, t += 1e-6);
});

const table4k = filled(new FlowTable(), flows4k, 4096);
const order4k = order(4096, 1 << 16, 2);
let pos4k = 0;
Deno.bench("observe: existing flow, 4096 flows, random order", { group: "existing" }, () => {
  for (let i = 0; i < BATCH; i++) {
    setFlow(flows4k, order4k[pos4k]!, i & 1);
    pos4k = (pos4k + 1) & 0xffff;
    sink += table4k.observe(rec, t += 1e-6);
  }
});

const tcp4k = new TcpAnalyzer(0, { rtt: true, retrans: true, outOfOrder: true });
const table4kTcp = filled(new FlowTable({ tcp: tcp4k }), flows4k, 4096);
Deno.bench(
  "observe: existing flow, 4096 flows, random order, with TcpAnalyzer",
  { group: "existing" },
  () => {
    for (let i = 0; i < BATCH; i++) {
      setFlow(flows4k, order4k[pos4k]!, i & 1);
      pos4k = (pos4k + 1) & 0xffff;
      sink += table4kTcp.observe(rec, t += 1e-6);
    }
  },
);

const flows1m = makeFlows(1_000_000, 3);
const table1m = filled(new FlowTable(), flows1m, 1_000_000);
const order1m = order(1_000_000, 1 << 20, 4);
let pos1m = 0;
Deno.bench("observe: existing flow, 1,000,000 flows, random order", { group: "existing" }, () => {
  for (let i = 0; i < BATCH; i++) {
    setFlow(flows1m, order1m[pos1m]!, i & 1);
    pos1m = (pos1m + 1) & 0xfffff;
    sink += table1m.observe(rec, t += 1e-6);
  }
});

const stringMap = new Map<string, { p: Float64Array }>();
Deno.bench(
  "baseline: Map keyed by a template string, 4096 flows, random order",
  { group: "existing" },
  () => {
    for (let i = 0; i < BATCH; i++) {
      setFlow(flows4k, order4k[pos4k]!, i & 1);
      pos4k = (pos4k + 1) & 0xffff;
      const a = rec.srcV4 < rec.dstV4;
      const k = a
        ? `6|${rec.srcV4}:${rec.srcPort}|${rec.dstV4}:${rec.dstPort}`
        : `6|${rec.dstV4}:${rec.dstPort}|${rec.srcV4}:${rec.srcPort}`;
      let f = stringMap.get(k);
      if (f === undefined) {
        f = { p: new Float64Array(4) };
        stringMap.set(k, f);
      }
      f.p[a ? 0 : 1]!++;
      f.p[a ? 2 : 3]! += rec.frame.wireLen;
    }
  },
);

// ---- new flows ----

const flowsNew = makeFlows(1 << 20, 5);

/** A full table of `max` flows: every new flow evicts the least recently active one. */
function fullTable(max: number, tcp: TcpAnalyzer | null): { table: FlowTable; next: number } {
  return { table: filled(new FlowTable({ maxFlows: max, tcp }), flowsNew, max), next: max };
}

const full4k = fullTable(4096, null);
Deno.bench("observe: new flow, full table of 4096 (insert + evict, cache-resident)", {
  group: "new",
  baseline: true,
}, () => {
  const f = full4k;
  for (let i = 0; i < BATCH; i++) {
    setFlow(flowsNew, f.next, 0);
    f.next = (f.next + 1) & 0xfffff;
    sink += f.table.observe(rec, t += 1e-6);
  }
});

const full64k = fullTable(65536, null);
Deno.bench("observe: new flow, full table of 65,536 (insert + evict, 4 MB)", {
  group: "new",
}, () => {
  const f = full64k;
  for (let i = 0; i < BATCH; i++) {
    setFlow(flowsNew, f.next, 0);
    f.next = (f.next + 1) & 0xfffff;
    sink += f.table.observe(rec, t += 1e-6);
  }
});

let growing = new FlowTable();
let nextGrow = 0;
Deno.bench("observe: new flow, growing table (from 1024 slots, reset every 2^20)", {
  group: "new",
}, () => {
  for (let i = 0; i < BATCH; i++) {
    setFlow(flowsNew, nextGrow, 0);
    nextGrow = (nextGrow + 1) & 0xfffff;
    if (nextGrow === 0) growing = new FlowTable();
    sink += growing.observe(rec, t += 1e-6);
  }
});

const full4kTcp = fullTable(
  4096,
  new TcpAnalyzer(0, { rtt: true, retrans: true, outOfOrder: true }),
);
Deno.bench("observe: new flow, full table of 4096, with TcpAnalyzer", { group: "new" }, () => {
  const f = full4kTcp;
  for (let i = 0; i < BATCH; i++) {
    setFlow(flowsNew, f.next, 0);
    f.next = (f.next + 1) & 0xfffff;
    sink += f.table.observe(rec, t += 1e-6);
  }
});

// ---- hash only ----

Deno.bench("flowHash: IPv4 TCP", { group: "hash" }, () => {
  for (let i = 0; i < BATCH; i++) {
    setFlow(flows4k, i & 4095, i & 1);
    sink += flowHash(rec);
  }
});

globalThis.addEventListener("unload", () => {
  if (sink === 0.5) console.log(sink);
});
