import assert from "node:assert/strict";
import {
  DEFAULT_PENDING_CONTACTS,
  P_KEY,
  P_OWN_FIRST_SEEN,
  P_SLOT,
  P_STRIDE,
  PendingContacts,
  PF_TIME,
} from "./pending_contacts.ts";

Deno.test("PendingContacts: FIFO order across wrap-around; full and empty", () => {
  const q = new PendingContacts(4);
  assert.equal(q.capacity, 4);
  assert.equal(q.shift(), -1);
  const order: number[] = [];
  let next = 0;
  const put = (i: number, v: number) => {
    q.floats[i * (P_STRIDE / 2) + PF_TIME] = v + 0.5;
    q.words[i * P_STRIDE + P_SLOT] = v;
    // Every third entry has a first-seen time of its own.
    if (v % 3 === 0) {
      q.words[i * P_STRIDE + P_KEY] = P_OWN_FIRST_SEEN;
      q.firstSeen[i] = v + 0.25;
    } else {
      q.words[i * P_STRIDE + P_KEY] = 0;
    }
  };
  // Push 3, pop 2, repeatedly: the ring wraps many times.
  for (let round = 0; round < 10; round++) {
    while (q.length < 3) {
      const i = q.push();
      assert.ok(i >= 0 && i < 4);
      put(i, next++);
    }
    for (let k = 0; k < 2; k++) {
      const i = q.shift();
      const v = q.slot(i);
      assert.equal(q.time(i), v + 0.5);
      assert.equal(q.flowFirstSeen(i), v % 3 === 0 ? v + 0.25 : v + 0.5);
      order.push(v);
    }
  }
  assert.deepEqual(order, Array.from({ length: 20 }, (_, i) => i));
  while (q.length < 4) put(q.push(), next++);
  assert.equal(q.push(), -1);
  assert.equal(q.length, 4);
  const rest: number[] = [];
  for (let i = q.shift(); i >= 0; i = q.shift()) rest.push(q.slot(i));
  assert.deepEqual(rest, [20, 21, 22, 23]);
  assert.equal(q.length, 0);
});

Deno.test("PendingContacts: sizes; the float64 view shares the records", () => {
  const q = new PendingContacts();
  assert.equal(q.capacity, DEFAULT_PENDING_CONTACTS);
  assert.equal(q.words.byteLength, 16 * DEFAULT_PENDING_CONTACTS);
  assert.equal(q.v4.byteLength, 8 * DEFAULT_PENDING_CONTACTS);
  assert.equal(q.v6.byteLength, 32 * DEFAULT_PENDING_CONTACTS);
  assert.equal(q.floats.buffer, q.words.buffer);
  for (const bad of [0, -1, 1.5, NaN, 2 ** 24 + 1]) {
    assert.throws(() => new PendingContacts(bad), RangeError, String(bad));
  }
});
