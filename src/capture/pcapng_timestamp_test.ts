import assert from "node:assert/strict";
import { TimestampConverter } from "./pcapng_timestamp.ts";

// Reference: exact BigInt arithmetic (test only; the converter uses none).
function reference(tsresol: number, hi: number, lo: number, offset = 0): [number, number] {
  const v = (BigInt(hi) << 32n) | BigInt(lo);
  const n = BigInt(tsresol & 0x7f);
  const units = (tsresol & 0x80) !== 0 ? 1n << n : 10n ** n;
  const sec = v / units;
  const nsec = ((v % units) * 1_000_000_000n) / units;
  return [Number(sec) + offset, Number(nsec)];
}

function check(tsresol: number, hi: number, lo: number, offset = 0): void {
  const c = new TimestampConverter(tsresol, offset);
  c.convert(hi, lo);
  const [sec, nsec] = reference(tsresol, hi, lo, offset);
  assert.equal(c.nsec, nsec, `nsec tsresol=0x${tsresol.toString(16)} hi=${hi} lo=${lo}`);
  assert.equal(c.sec, sec, `sec tsresol=0x${tsresol.toString(16)} hi=${hi} lo=${lo}`);
  assert.ok(c.nsec >= 0 && c.nsec < 1e9 && Number.isInteger(c.nsec));
}

/** Deterministic PRNG (xorshift32) so failures reproduce. */
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

Deno.test("microseconds: known values", () => {
  const c = new TimestampConverter(6);
  // 1533585360.505285 s as a microsecond count split into u32 halves.
  const us = 1533585360505285;
  c.convert(Math.floor(us / 2 ** 32), us % 2 ** 32);
  assert.equal(c.sec, 1533585360);
  assert.equal(c.nsec, 505285000);
  c.convert(0, 0);
  assert.equal(c.sec, 0);
  assert.equal(c.nsec, 0);
});

Deno.test("nanoseconds: year 2038+ and far future are exact", () => {
  const c = new TimestampConverter(9);
  // 2038-01-19T03:14:08.123456789Z = 2^31 s; value 2147483648123456789 > 2^53.
  const v = 2147483648123456789n;
  c.convert(Number(v >> 32n), Number(v & 0xffffffffn));
  assert.equal(c.sec, 2147483648);
  assert.equal(c.nsec, 123456789);
  // Largest count: 2^64 - 1 ns = 18446744073.709551615 s (year 2554).
  c.convert(0xffffffff, 0xffffffff);
  assert.equal(c.sec, 18446744073);
  assert.equal(c.nsec, 709551615);
  // Same high half twice (cache) then a different one.
  c.convert(0x17a2bc12, 0x12345678);
  assert.deepEqual([c.sec, c.nsec], reference(9, 0x17a2bc12, 0x12345678));
  c.convert(0x17a2bc12, 0xfedcba98);
  assert.deepEqual([c.sec, c.nsec], reference(9, 0x17a2bc12, 0xfedcba98));
  c.convert(0x17a2bc13, 0);
  assert.deepEqual([c.sec, c.nsec], reference(9, 0x17a2bc13, 0));
});

Deno.test("microseconds: year 2038+ and maximum", () => {
  check(6, 0x0007a120, 0x00000001); // ~2^51 us, 2041
  check(6, 0xffffffff, 0xffffffff); // 2^64-1 us: 18446744073709 s, exact below 2^53
  check(6, 0x00200000, 0); // 2^53 us
});

Deno.test("if_tsresol 10^-3 and 2^-10 (pcapng-02 section 4.2)", () => {
  const ms = new TimestampConverter(3);
  ms.convert(0x18b, 0x12345678); // 1696817501816 ms
  assert.equal(ms.sec, 1696817501);
  assert.equal(ms.nsec, 816000000);
  const b10 = new TimestampConverter(0x8a);
  b10.convert(0, 1741 * 1024 + 513); // 513/1024 s = 0.5009765625 s, truncated to ns
  assert.equal(b10.sec, 1741);
  assert.equal(b10.nsec, 500976562);
  assert.equal(b10.unitsPerSecond, 1024);
  assert.equal(new TimestampConverter(9).nsPerUnit, 1);
  assert.equal(new TimestampConverter(6).nsPerUnit, 1000);
});

Deno.test("if_tsoffset is added to the seconds, also negative", () => {
  const c = new TimestampConverter(6, 1000);
  c.convert(0, 2_500_000);
  assert.equal(c.sec, 1002);
  assert.equal(c.nsec, 500_000_000);
  const n = new TimestampConverter(9, -5);
  n.convert(0, 1_000_000_001);
  assert.equal(n.sec, -4);
  assert.equal(n.nsec, 1);
  check(0x94, 0x1000, 0xffffffff, 7);
});

Deno.test("every decimal exponent 0..25 matches exact arithmetic", () => {
  const r = rng(12345);
  for (let e = 0; e <= 25; e++) {
    for (let i = 0; i < 300; i++) {
      const hi = i < 4 ? [0, 1, 0xffffffff, 0x80000000][i] : r();
      const lo = i % 7 === 0 ? 0xffffffff : r();
      const [sec] = reference(e, hi, lo);
      if (sec > Number.MAX_SAFE_INTEGER) continue; // documented: seconds above 2^53 round
      check(e, hi, lo);
    }
  }
});

Deno.test("every binary exponent 0..127 matches exact arithmetic", () => {
  const r = rng(999);
  for (let e = 0; e <= 127; e++) {
    for (let i = 0; i < 200; i++) {
      const hi = i < 3 ? [0, 0xffffffff, 1][i] : r();
      const lo = i % 5 === 0 ? 0xffffffff : r();
      const [sec] = reference(0x80 | e, hi, lo);
      if (sec > Number.MAX_SAFE_INTEGER) continue;
      check(0x80 | e, hi, lo);
    }
  }
});

Deno.test("nanosecond and microsecond fast paths over many random values", () => {
  const r = rng(4242);
  for (const e of [6, 9]) {
    const c = new TimestampConverter(e);
    for (let i = 0; i < 20000; i++) {
      // Mostly realistic high halves (repeats exercise the cache), some random.
      const hi = i % 10 === 0 ? r() : (e === 9 ? 0x17a2bc00 : 0x00060000) + (r() & 3);
      const lo = r();
      c.convert(hi, lo);
      const [sec, nsec] = reference(e, hi, lo);
      if (sec > Number.MAX_SAFE_INTEGER) continue;
      assert.equal(c.sec, sec);
      assert.equal(c.nsec, nsec);
    }
  }
});
