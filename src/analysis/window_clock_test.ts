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
