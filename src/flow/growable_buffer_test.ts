import assert from "node:assert/strict";
import { growBuffer, reserveBuffer } from "./growable_buffer.ts";

Deno.test("a reserved buffer grows in place: views see old and new bytes, nothing is copied", () => {
  const buf = reserveBuffer(16, 1 << 20);
  assert.ok(buf.resizable);
  const view = new Uint32Array(buf);
  view[3] = 7;
  const grown = growBuffer(buf, 64);
  assert.equal(grown, buf, "same buffer");
  assert.equal(view.length, 16, "a length-tracking view follows the growth");
  assert.equal(view[3], 7);
  assert.equal(view[15], 0);
});

Deno.test("past its maximum, or for a plain buffer, growth copies", () => {
  const buf = reserveBuffer(16, 32);
  new Uint8Array(buf)[5] = 9;
  const grown = growBuffer(buf, 64);
  assert.notEqual(grown, buf);
  assert.equal(grown.byteLength, 64);
  assert.equal(new Uint8Array(grown)[5], 9);
  const plain = reserveBuffer(16, 16);
  assert.equal(plain.resizable, false);
  assert.equal(growBuffer(plain, 8), plain, "never shrinks");
  assert.equal(growBuffer(plain, 24).byteLength, 24);
});
