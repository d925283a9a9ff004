import assert from "node:assert/strict";
import { AtomicFile, ExportError } from "./atomic_file.ts";

Deno.test("AtomicFile writes under a temporary name until commit()", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/flows.json`;
  const f = AtomicFile.open(path, "flow export");
  f.line("[1,2,3]");
  f.flush();
  await assert.rejects(() => Deno.stat(path)); // not there before commit
  assert.equal(await Deno.readTextFile(f.tempPath), "[1,2,3]\n");
  f.commit();
  assert.equal(await Deno.readTextFile(path), "[1,2,3]\n");
  await assert.rejects(() => Deno.stat(f.tempPath));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("AtomicFile.abort() leaves no file behind", async () => {
  const dir = await Deno.makeTempDir();
  const f = AtomicFile.open(`${dir}/a.csv`, "CSV export");
  f.line("x");
  f.abort();
  assert.deepEqual([...Deno.readDirSync(dir)], []);
  await Deno.remove(dir);
});

Deno.test("AtomicFile.open() refuses unwritable paths with one line naming them", async () => {
  const dir = await Deno.makeTempDir();
  const cases = [`${dir}/missing/x.json`, dir, `${dir}/`];
  for (const p of cases) {
    assert.throws(() => AtomicFile.open(p, "flow export"), (e: unknown) => {
      assert.ok(e instanceof ExportError);
      assert.match(e.message, /^Cannot write flow export ".*": /);
      assert.ok(!e.message.includes("\n"));
      return true;
    });
  }
  await Deno.remove(dir, { recursive: true });
});
