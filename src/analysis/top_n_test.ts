import assert from "node:assert/strict";
import { TopN } from "./top_n.ts";

function model(values: number[], n: number): number[] {
  return values.map((v, i) => [v, i] as const).filter(([v]) => v > 0)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, n).map(([, i]) => i);
}

Deno.test("TopN.select() equals a full sort on random data (ties by index)", () => {
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const top = new TopN(16);
  const out = new Int32Array(16);
  for (let round = 0; round < 300; round++) {
    const count = Math.floor(rnd() * 200);
    const values = Array.from({ length: count }, () => (rnd() < 0.3 ? 0 : Math.floor(rnd() * 20)));
    const n = 1 + Math.floor(rnd() * 16);
    const m = top.select(Float64Array.from(values), count, n, out);
    assert.deepEqual([...out.subarray(0, m)], model(values, n), `round ${round}`);
  }
});

Deno.test("TopN.select() ignores zero and negative values and caps n at capacity", () => {
  const top = new TopN(2);
  const out = new Int32Array(4);
  assert.equal(top.select(new Float64Array([0, -1, 0]), 3, 2, out), 0);
  assert.equal(top.select(new Float64Array([5, 9, 7]), 3, 4, out), 2);
  assert.deepEqual([...out.subarray(0, 2)], [1, 2]);
});
