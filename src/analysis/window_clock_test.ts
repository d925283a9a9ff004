import assert from "node:assert/strict";
import { WINDOW_BUCKETS, WindowClock } from "./window_clock.ts";

Deno.test("WindowClock: buckets of window/8 from capture time 0", () => {
  const c = new WindowClock(5);
  assert.equal(WINDOW_BUCKETS, 8);
  assert.equal(c.bucketSecs, 0.625);
  assert.equal(c.epoch, 0);
  assert.equal(c.oldestLive, -7);
  c.advance(0.624999);
  assert.equal(c.epoch, 0);
  c.advance(0.625);
  assert.equal(c.epoch, 1);
  c.advance(7.5);
  assert.equal(c.epoch, 12);
  assert.equal(c.oldestLive, 5); // window = buckets 5..12 = [3.125, 7.5]
  assert.equal(c.now, 7.5);
});

Deno.test("WindowClock: never runs backwards; ignores NaN, negatives and absurd times", () => {
  const c = new WindowClock(10);
  c.advance(-3);
  assert.equal(c.now, 0);
  c.advance(4);
  c.advance(3.9);
  assert.equal(c.now, 4);
  assert.equal(c.epoch, 3);
  c.advance(NaN);
  assert.equal(c.now, 4);
  c.advance(Infinity);
  assert.equal(c.now, 4);
  c.advance(1e300);
  assert.equal(c.now, 4);
  assert.equal(c.epoch, 3);
});

Deno.test("WindowClock: non-positive windows are refused", () => {
  assert.throws(() => new WindowClock(0), RangeError);
  assert.throws(() => new WindowClock(-1), RangeError);
  assert.throws(() => new WindowClock(NaN), RangeError);
});

Deno.test("WindowClock: the bucket is floor(t / bucket) for every time, next to bucket edges too", () => {
  for (const w of [5, 10, 0.3, 1e-3, 7.77, 2 ** -20, 1e6]) {
    const c = new WindowClock(w);
    const g = c.bucketSecs;
    let t = 0;
    for (let i = 0; i < 20000; i++) {
      // Steps that land on, just below and just above bucket edges, and plain ones.
      const k = Math.floor(t / g) + 1;
      const edge = k * g;
      const u = i % 4;
      const next = u === 0
        ? edge
        : u === 1
        ? edge - Math.abs(edge) * 2 ** -52
        : u === 2
        ? edge + Math.abs(edge) * 2 ** -52
        : t + g * 0.37;
      if (next > t) t = next;
      c.advance(t);
      assert.equal(c.now, t);
      assert.equal(c.epoch, Math.floor(t / g), `window ${w}, t ${t}`);
      assert.equal(c.oldestLive, c.epoch - 7);
    }
    // Far from 0 as well (a long capture).
    const far = new WindowClock(w);
    const t0 = 1e7 * w;
    for (let i = 0; i < 1000; i++) {
      const ti = t0 + i * g * 0.49;
      far.advance(ti);
      assert.equal(far.epoch, Math.floor(ti / g));
    }
  }
});
