import assert from "node:assert/strict";
import { editDistance, nearest } from "./suggest.ts";

Deno.test("editDistance counts edits, an adjacent swap as one", () => {
  assert.equal(editDistance("snaplen", "snaplen"), 0);
  assert.equal(editDistance("snaplen", "snaplenn"), 1);
  assert.equal(editDistance("snaplne", "snaplen"), 1);
  assert.equal(editDistance("", "abc"), 3);
  assert.equal(editDistance("kitten", "sitting"), 3);
});

Deno.test("nearest: close names, same leaf in another section, or nothing", () => {
  const keys = ["capture.snaplen", "capture.filter", "web.port"];
  assert.equal(nearest("capture.snaplne", keys), "capture.snaplen");
  assert.equal(nearest("run.snaplen", keys), "capture.snaplen");
  assert.equal(nearest("web.colour", keys), null);
  assert.equal(nearest("--hexdump", ["--hex-dump", "--json"]), "--hex-dump");
  assert.equal(nearest("--zz", ["--hex-dump", "--json"]), null);
});
