import assert from "node:assert/strict";
import { formatHexDump } from "./hex_dump.ts";

Deno.test("formatHexDump() matches tcpdump -X layout", () => {
  // First 18 bytes of the NULL-loopback DNS frame tcpdump dumps as
  //   0x0000:  4500 0189 0000 4000 4011 24da 0a00 008a  E.....@.@.$.....
  const b = new Uint8Array([
    0x45,
    0x00,
    0x01,
    0x89,
    0x00,
    0x00,
    0x40,
    0x00,
    0x40,
    0x11,
    0x24,
    0xda,
    0x0a,
    0x00,
    0x00,
    0x8a,
    0x0a,
    0x00,
  ]);
  const out = formatHexDump(b, 0, b.length).split("\n");
  assert.equal(out[0], "\t0x0000:  4500 0189 0000 4000 4011 24da 0a00 008a  E.....@.@.$.....");
  assert.equal(out[1], "\t0x0010:  0a00                                     ..");
});

Deno.test("formatHexDump() stops at the limit and says how much is left", () => {
  const b = new Uint8Array(40).fill(0x41);
  const out = formatHexDump(b, 0, 40, 32).split("\n");
  assert.equal(out.length, 3);
  assert.equal(out[2], "\t... 8 more bytes");
});
