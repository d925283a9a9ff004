import assert from "node:assert/strict";
import { clockText, epochText, isoText } from "./timestamp.ts";

Deno.test("clockText() prints UTC HH:MM:SS.ffffff, truncating nanoseconds", () => {
  assert.equal(clockText(1258133614, 430569999), "17:33:34.430569");
  assert.equal(clockText(0, 0), "00:00:00.000000");
  assert.equal(clockText(-1, 0), "23:59:59.000000");
});

Deno.test("isoText() keeps nanoseconds and never throws on out-of-range times", () => {
  assert.equal(isoText(1258133614, 430569001), "2009-11-13T17:33:34.430569001Z");
  // pcapng-example.pcapng frame 60 really carries this time (tshark agrees).
  assert.equal(isoText(18446744073204, 126329000), "@18446744073204.126329000");
});

Deno.test("epochText() matches tshark's frame.time_epoch", () => {
  assert.equal(epochText(1422528033, 92163945), "1422528033.092163945");
});
