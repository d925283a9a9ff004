import assert from "node:assert/strict";
import { LruKeyTable } from "./lru_key_table.ts";
import { prng as rng } from "../../tests/_prng.ts";

/** Keys of a list from head (most recent) to tail, as "k0/k4" strings. */
function listKeys(t: LruKeyTable, list: number): string[] {
  const out: string[] = [];
  for (let e = t.head(list); e >= 0; e = t.older(e)) out.push(t.key(e, 0) + "/" + t.key(e, 4));
  return out;
}

Deno.test("LruKeyTable: insert, find, touch order, remove", () => {
  const t = new LruKeyTable(8, 2, 1);
  const a = t.insert(0, 1, 0, 0, 0, 9, 10);
  const b = t.insert(0, 2, 0, 0, 0, 9, 11);
  const c = t.insert(1, 1, 0, 0, 0, 9, 12); // same words, other list: another key
  assert.equal(t.size, 3);
  assert.equal(t.find(0, 1, 0, 0, 0, 9), a);
  assert.equal(t.find(0, 2, 0, 0, 0, 9), b);
  assert.equal(t.find(1, 1, 0, 0, 0, 9), c);
  assert.equal(t.find(0, 1, 0, 0, 0, 8), -1);
  assert.equal(t.find(0, 1, 0, 0, 1, 9), -1);
  assert.deepEqual(listKeys(t, 0), ["2/9", "1/9"]);
  assert.equal(t.count(0), 2);
  assert.equal(t.count(1), 1);
  t.touch(a, 20);
  assert.deepEqual(listKeys(t, 0), ["1/9", "2/9"]);
  assert.equal(t.stamps[a], 20);
  assert.equal(t.tail(0), b);
  t.remove(b);
  assert.equal(t.find(0, 2, 0, 0, 0, 9), -1);
  assert.deepEqual(listKeys(t, 0), ["1/9"]);
  assert.equal(t.head(0), a);
  assert.equal(t.tail(0), a);
  assert.equal(t.size, 2);
});

Deno.test("LruKeyTable: full table refuses inserts, freed entries are reused", () => {
  const t = new LruKeyTable(4, 1, 7);
  for (let i = 0; i < 4; i++) assert.ok(t.insert(0, i, 0, 0, 0, 0, i) >= 0);
  assert.equal(t.insert(0, 99, 0, 0, 0, 0, 0), -1);
  const e = t.find(0, 2, 0, 0, 0, 0);
  t.remove(e);
  assert.equal(t.insert(0, 99, 0, 0, 0, 0, 5), e);
  assert.equal(t.size, 4);
});

Deno.test("LruKeyTable: u32 key words above 2^31 compare equal however given", () => {
  const t = new LruKeyTable(4, 1, 3);
  const e = t.insert(0, 0xffffffff, 0x80000000, 0, 0, 0, 0);
  assert.equal(t.find(0, -1, -0x80000000, 0, 0, 0), e);
  assert.equal(t.find(0, 0xffffffff, 0x80000000, 0, 0, 0), e);
});

Deno.test("LruKeyTable: trimOlderThan drops only the stale tail", () => {
  const t = new LruKeyTable(16, 1, 5);
  for (let i = 0; i < 6; i++) t.insert(0, i, 0, 0, 0, 0, i);
  t.touch(t.find(0, 0, 0, 0, 0, 0), 10); // key 0 becomes the most recent
  assert.equal(t.trimOlderThan(0, 3), 2); // keys 1 and 2 (stamps 1, 2)
  assert.deepEqual(listKeys(t, 0), ["0/0", "5/0", "4/0", "3/0"]);
  assert.equal(t.trimOlderThan(0, 3), 0);
  t.clearList(0);
  assert.equal(t.size, 0);
  assert.equal(t.head(0), -1);
  assert.equal(t.tail(0), -1);
});

Deno.test("LruKeyTable: random operations match a Map model (heavy collisions)", () => {
  for (const seed of [1, 2, 3]) {
    const r = rng(seed);
    const cap = 64, lists = 4;
    // A fixed seed and few distinct words: many equal probe runs.
    const t = new LruKeyTable(cap, lists, seed);
    // model: list -> ordered keys (most recent last)
    const model: string[][] = Array.from({ length: lists }, () => []);
    let size = 0;
    for (let step = 0; step < 20000; step++) {
      const list = Math.floor(r() * lists);
      const k0 = Math.floor(r() * 40), k4 = Math.floor(r() * 3);
      const key = k0 + "/" + k4;
      const op = r();
      const e = t.find(list, k0, 0, 0, 0, k4);
      const idx = model[list]!.indexOf(key);
      assert.equal(e >= 0, idx >= 0, `step ${step}: presence of ${key} in list ${list}`);
      if (op < 0.5) {
        if (e >= 0) {
          t.touch(e, step);
          model[list]!.splice(idx, 1);
          model[list]!.push(key);
        } else if (size < cap) {
          assert.ok(t.insert(list, k0, 0, 0, 0, k4, step) >= 0);
          model[list]!.push(key);
          size++;
        } else {
          assert.equal(t.insert(list, k0, 0, 0, 0, k4, step), -1);
        }
      } else if (op < 0.8) {
        if (e >= 0) {
          t.remove(e);
          model[list]!.splice(idx, 1);
          size--;
        }
      } else if (op < 0.85) {
        const tail = t.tail(list);
        if (tail >= 0) {
          assert.equal(t.key(tail, 0) + "/" + t.key(tail, 4), model[list]![0]);
          t.remove(tail);
          model[list]!.shift();
          size--;
        }
      } else if (op < 0.86) {
        size -= model[list]!.length;
        t.clearList(list);
        model[list] = [];
      }
      assert.equal(t.size, size);
    }
    for (let l = 0; l < lists; l++) {
      assert.deepEqual(listKeys(t, l), [...model[l]!].reverse());
      assert.equal(t.count(l), model[l]!.length);
      for (const key of model[l]!) {
        const [k0, k4] = key.split("/").map(Number);
        assert.ok(t.find(l, k0!, 0, 0, 0, k4!) >= 0, `${key} still findable`);
      }
    }
  }
});

Deno.test("LruKeyTable: bad sizes are refused", () => {
  assert.throws(() => new LruKeyTable(0, 1), RangeError);
  assert.throws(() => new LruKeyTable(4, 0), RangeError);
  assert.throws(() => new LruKeyTable(1.5, 1), RangeError);
});

Deno.test("LruKeyTable: the index grows with the entries; insertAfterMiss equals insert", () => {
  const r = rng(9);
  const t = new LruKeyTable(5000, 50, 11);
  const model = new Map<string, number>();
  for (let step = 0; step < 60000; step++) {
    const list = Math.floor(r() * 50), k0 = Math.floor(r() * 400), k1 = r() < 0.5 ? 0 : 7;
    const key = `${list}/${k0}/${k1}`;
    const e = t.find(list, k0, k1, 0, 0, 0);
    assert.equal(e >= 0, model.has(key), `step ${step}`);
    if (e >= 0) {
      assert.equal(e, model.get(key));
      if (r() < 0.3) {
        t.remove(e);
        model.delete(key);
      } else {
        t.touch(e, step);
      }
    } else if (t.size < t.capacity) {
      // A removal between the miss and the insert (as the detectors do).
      if (r() < 0.3 && t.size > 0) {
        const victim = t.tail(list);
        if (victim >= 0) {
          for (const [k, v] of model) if (v === victim) model.delete(k);
          t.remove(victim);
        }
      }
      const n = r() < 0.5
        ? t.insertAfterMiss(list, k0, k1, 0, 0, 0, step)
        : t.insert(list, k0, k1, 0, 0, 0, step);
      assert.ok(n >= 0);
      model.set(key, n);
    }
    assert.equal(t.size, model.size);
  }
  assert.ok(model.size > 2000, `${model.size} entries`);
  for (const [key, e] of model) {
    const [list, k0, k1] = key.split("/").map(Number);
    assert.equal(t.find(list!, k0!, k1!, 0, 0, 0), e, key);
  }
  // Index of at most half load: 2 words per slot, slots ≥ 2 × entries.
  assert.ok(t.byteLength > 5000 * 32);
});
