import assert from "node:assert/strict";
import { formatTick, StatsTicker, type TickFlowSource } from "./stats_ticker.ts";

class FakeFlows implements TickFlowSource {
  size = 0;
  created = 0;
  removed = 0;
  intervalBytes = new Float64Array(8);
  slotCount = 8;
  resetIntervalBytes(): void {
    this.intervalBytes.fill(0);
  }
  describeFlow(slot: number) {
    return {
      protocol: "tcp",
      endpoint_a: `10.0.0.${slot}:1000`,
      endpoint_b: "10.0.0.99:80",
      tcp_state: "established",
      bytes_total: 1000 * slot,
    };
  }
}

Deno.test("StatsTicker ticks on capture-time interval boundaries, skipping empty intervals", () => {
  const flows = new FakeFlows();
  let alerts = 0;
  const t = new StatsTicker(1000, 2, 1_700_000_000, flows, {
    alerts: () => alerts,
    drops: () => 0,
  });
  assert.equal(t.observe(0.2, 100), null);
  assert.equal(t.observe(0.9, 100), null);
  flows.created = 3;
  flows.size = 3;
  flows.intervalBytes[2] = 500;
  flows.intervalBytes[5] = 900;
  flows.intervalBytes[1] = 100;
  alerts = 1;
  const first = t.observe(1.0, 60);
  assert.ok(first);
  assert.equal(first.ts, 1_700_000_000);
  assert.equal(first.packets, 2);
  assert.equal(first.bytes, 200);
  assert.equal(first.bits_per_sec, 1600);
  assert.equal(first.new_flows, 3);
  assert.equal(first.alerts, 1);
  assert.deepEqual(first.top_flows.map((f) => [f.rank, f.bytes]), [[1, 900], [2, 500]]);
  assert.equal(flows.intervalBytes[5], 0, "interval bytes reset after the tick");
  // A gap of 10 s: one tick for [1,2), then the next interval starts at 11.
  const second = t.observe(11.5, 60);
  assert.ok(second);
  assert.equal(second.ts, 1_700_000_001);
  assert.equal(second.packets, 1);
  assert.equal(second.new_flows, 0);
  assert.equal(t.nextAt, 12);
  const last = t.flush(11.75);
  assert.ok(last);
  assert.equal(last.ts, 1_700_000_011);
  assert.equal(last.interval_secs, 0.75); // [11, 11.75): the partial last interval
  assert.match(formatTick(first, "X"), /^\[stats X\] 1\.60 kbit\/s, 2\.0 pkt\/s, 3 active flows/);
});

Deno.test("StatsTicker gives the same ticks for the same packet times", () => {
  const run = () => {
    const t = new StatsTicker(250, 0, 0, null, { alerts: () => 0, drops: () => 0 });
    const ticks = [];
    for (let i = 0; i < 1000; i++) {
      const tick = t.observe(i * 0.0173, 64);
      if (tick) ticks.push(tick);
    }
    return ticks;
  };
  const a = run();
  assert.equal(a.length, Math.floor((999 * 0.0173) / 0.25));
  assert.deepEqual(a, run());
  assert.equal(a.reduce((s, x) => s + x.packets, 0) > 0, true);
});
