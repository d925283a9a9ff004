/**
 * MurmurHash3 (public domain, Austin Appleby) building blocks for the
 * 32-bit hashes of flow keys and detector keys. Small enough that V8
 * inlines them into their callers.
 *
 * @module
 */

/** MurmurHash3's 32-bit finaliser (full avalanche); returns a signed 32-bit integer. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** One MurmurHash3 block step: folds the 32-bit word `k` into `h`. */
export function mixWord(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0x1b873593);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}
