/**
 * Test helper: a small deterministic PRNG (mulberry32), so that property
 * and fuzz tests check the same inputs on every run.
 *
 * @module
 */

/** A generator of numbers in [0, 1) from `seed`. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
