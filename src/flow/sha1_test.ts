import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { sha1Base64 } from "./sha1.ts";

const enc = new TextEncoder();

Deno.test("sha1Base64: the FIPS 180 examples", () => {
  // FIPS 180-2 appendix A: "abc", the two-block 448-bit message.
  assert.equal(sha1Base64(enc.encode("abc")), "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=");
  assert.equal(
    sha1Base64(enc.encode("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
    Buffer.from("84983e441c3bd26ebaae4aa1f95129e5e54670f1", "hex").toString("base64"),
  );
  assert.equal(sha1Base64(new Uint8Array(0)), "2jmj7l5rSw0yVb/vlWAYkK/YBwk=");
});

Deno.test("sha1Base64 equals node:crypto on every length 0..300 and on a prefix", () => {
  let x = 12345;
  for (let len = 0; len <= 300; len++) {
    const msg = new Uint8Array(len + 7);
    for (let i = 0; i < msg.length; i++) {
      msg[i] = (x = (Math.imul(x, 1103515245) + 12345) | 0) >>> 24;
    }
    const want = createHash("sha1").update(msg.subarray(0, len)).digest("base64");
    assert.equal(sha1Base64(msg, len), want, `length ${len}`);
  }
});
