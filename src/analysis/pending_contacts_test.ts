import assert from "node:assert/strict";
import { DEFAULT_PENDING_CONTACTS, PendingContacts } from "./pending_contacts.ts";

Deno.test("PendingContacts: FIFO order across wrap-around; full and empty", () => {
  const q = new PendingContacts(4);
  assert.equal(q.capacity, 4);
  assert.equal(q.shift(), -1);
  const order: number[] = [];
  let next = 0;
  // Push 3, pop 2, repeatedly: the ring wraps many times.
  for (let round = 0; round < 10; round++) {
    while (q.length < 3) {
      const i = q.push();
      assert.ok(i >= 0 && i < 4);
      q.times[i] = next;
      q.slots[i] = next++;
    }
    for (let k = 0; k < 2; k++) order.push(q.slots[q.shift()]!);
  }
  assert.deepEqual(order, Array.from({ length: 20 }, (_, i) => i));
  while (q.length < 4) q.slots[q.push()] = next++;
  assert.equal(q.push(), -1);
  assert.equal(q.length, 4);
  const rest: number[] = [];
  for (let i = q.shift(); i >= 0; i = q.shift()) rest.push(q.slots[i]!);
  assert.deepEqual(rest, [20, 21, 22, 23]);
  assert.equal(q.length, 0);
});

Deno.test("PendingContacts: sizes", () => {
  const q = new PendingContacts();
  assert.equal(q.capacity, DEFAULT_PENDING_CONTACTS);
  assert.equal(q.addrs.length, 8 * DEFAULT_PENDING_CONTACTS);
  for (const bad of [0, -1, 1.5, NaN, 2 ** 24 + 1]) {
    assert.throws(() => new PendingContacts(bad), RangeError, String(bad));
  }
});
