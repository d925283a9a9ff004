/**
 * Memory per flow with 1,000,000 flows in the table, for the two layouts:
 * scale mode (no TCP analyzer) and full analysis (TcpAnalyzer with RTT,
 * retransmissions and out-of-order on), plus scale mode with IPv6 flows.
 * Each layout runs in a child process of its own (this file run as a
 * script with `--v8-flags=--expose-gc`), so one layout's freed memory does
 * not hide the next one's growth. Reported per flow: RSS growth (after a
 * full GC) and the typed arrays' byteLength sum.
 *
 * Ignored unless NETSCOPE_MEMORY_TEST=1 (it takes a few seconds and ~0.5 GB):
 *
 *     NETSCOPE_MEMORY_TEST=1 deno test --allow-run --allow-env --allow-read tests/flow_memory_test.ts
 *
 * Goals (issue 3): ≤ 120 B/flow in scale mode, ≤ 250 B/flow with full analysis.
 *
 * @module
 */

import assert from "node:assert/strict";
import { cat, ethernet, frameOf, ipv4, ipv6, tcp } from "../src/protocol/_test_frames.ts";
import { decodeFrame } from "../src/protocol/decode.ts";
import { PacketRecord } from "../src/protocol/packet.ts";
import { FlowTable } from "../src/flow/flow_table.ts";
import { TcpAnalyzer } from "../src/flow/tcp_analyzer.ts";

const FLOWS = 1_000_000;

/** What one child process measured. */
interface Measurement {
  layout: string;
  flows: number;
  rssBytesPerFlow: number;
  tableBytesPerFlow: number;
  analyzerBytesPerFlow: number;
  capacity: number;
}

type Layout = "scale" | "full" | "scale-ipv6";

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Builds FLOWS flows of `layout` and measures; runs in the child process. */
function measure(layout: Layout): Measurement {
  const v6 = layout === "scale-ipv6";
  const seg = tcp({ flags: 0x02, seq: 1000 });
  const bytes = v6
    ? cat(ethernet(0x86dd), ipv6({ next: 6, payloadLen: 20 }), seg)
    : cat(ethernet(0x0800), ipv4({ proto: 6, payloadLen: 20 }), seg);
  const frame = frameOf(bytes);
  const rec = new PacketRecord();
  decodeFrame(frame, rec);
  gc();
  const before = Deno.memoryUsage().rss;
  const tcpAnalyzer = layout === "full"
    ? new TcpAnalyzer(0, { rtt: true, retrans: true, outOfOrder: true })
    : null;
  const table = new FlowTable({ tcp: tcpAnalyzer });
  const b = rec.buf, so = rec.srcAddrOff;
  for (let i = 0; i < FLOWS; i++) {
    const client = 0x0a000000 + (i >>> 6);
    if (v6) {
      b[so + 12] = client >>> 24;
      b[so + 13] = (client >>> 16) & 255;
      b[so + 14] = (client >>> 8) & 255;
      b[so + 15] = client & 255;
    } else rec.srcV4 = client;
    rec.srcPort = 1024 + (i & 63);
    table.observe(rec, i * 1e-6);
  }
  assert.equal(table.size, FLOWS);
  gc();
  const after = Deno.memoryUsage().rss;
  return {
    layout,
    flows: table.size,
    rssBytesPerFlow: (after - before) / FLOWS,
    tableBytesPerFlow: table.byteLength / FLOWS,
    analyzerBytesPerFlow: tcpAnalyzer === null
      ? 0
      : (tcpAnalyzer.bytesPerFlow * tcpAnalyzer.capacity) / FLOWS,
    capacity: table.capacity,
  };
}

if (import.meta.main) {
  const out = measure(Deno.args[0] as Layout);
  await Deno.stdout.write(new TextEncoder().encode(JSON.stringify(out) + "\n"));
}

async function runChild(layout: Layout): Promise<Measurement> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-env",
      "--v8-flags=--expose-gc",
      new URL(import.meta.url).pathname,
      layout,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  assert.ok(out.success, `the ${layout} measurement failed`);
  return JSON.parse(new TextDecoder().decode(out.stdout)) as Measurement;
}

Deno.test({
  name: "memory per flow at 1,000,000 flows: scale and full-analysis layouts",
  ignore: Deno.env.get("NETSCOPE_MEMORY_TEST") !== "1",
  fn: async () => {
    const results: Measurement[] = [];
    for (const layout of ["scale", "full", "scale-ipv6"] as const) {
      results.push(await runChild(layout));
    }
    for (const r of results) {
      const typed = r.tableBytesPerFlow + r.analyzerBytesPerFlow;
      console.log(
        `${r.layout.padEnd(10)} ${r.flows} flows (capacity ${r.capacity}): ` +
          `RSS growth ${r.rssBytesPerFlow.toFixed(1)} B/flow; typed arrays ` +
          `${typed.toFixed(1)} B/flow (table ${r.tableBytesPerFlow.toFixed(1)}, ` +
          `TCP analyzer ${r.analyzerBytesPerFlow.toFixed(1)})`,
      );
    }
    const [scale, full] = results;
    assert.ok(scale!.tableBytesPerFlow <= 120, "scale-mode typed arrays above 120 B/flow");
    assert.ok(scale!.rssBytesPerFlow <= 120, "scale-mode RSS growth above 120 B/flow");
    assert.ok(full!.rssBytesPerFlow <= 250, "full-analysis RSS growth above 250 B/flow");
  },
});
