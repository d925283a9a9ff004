/**
 * Top-N selection without sorting the whole table: one pass over the
 * candidates with a size-N min-heap (O(count · log N)), then a sort of the
 * N winners. Used for the top flows of each stats tick.
 *
 * @module
 */

/** Reusable top-N selector over `values[0..count)` (typed arrays, no allocation per call). */
export class TopN {
  readonly #heapIdx: Int32Array;
  readonly #heapVal: Float64Array;
  #size = 0;

  constructor(readonly capacity: number) {
    this.#heapIdx = new Int32Array(Math.max(1, capacity));
    this.#heapVal = new Float64Array(Math.max(1, capacity));
  }

  /**
   * Writes into `out` the indexes of the `n` (≤ capacity) largest positive
   * values, largest first (ties: lower index first); returns how many.
   */
  select(values: ArrayLike<number>, count: number, n: number, out: Int32Array): number {
    if (n > this.capacity) n = this.capacity;
    if (n <= 0) return 0;
    const hi = this.#heapIdx, hv = this.#heapVal;
    this.#size = 0;
    for (let i = 0; i < count; i++) {
      const v = values[i]!;
      if (!(v > 0)) continue;
      if (this.#size < n) {
        // sift up
        let k = this.#size++;
        while (k > 0) {
          const p = (k - 1) >> 1;
          if (!less(v, i, hv[p]!, hi[p]!)) break;
          hv[k] = hv[p]!;
          hi[k] = hi[p]!;
          k = p;
        }
        hv[k] = v;
        hi[k] = i;
      } else if (less(hv[0]!, hi[0]!, v, i)) {
        this.#replaceRoot(v, i);
      }
    }
    const m = this.#size;
    // Pop ascending into the tail of `out`, giving largest first.
    for (let k = m - 1; k >= 0; k--) {
      out[k] = hi[0]!;
      const lastV = hv[this.#size - 1]!, lastI = hi[this.#size - 1]!;
      this.#size--;
      if (this.#size > 0) this.#replaceRoot(lastV, lastI);
    }
    return m;
  }

  #replaceRoot(v: number, i: number): void {
    const hi = this.#heapIdx, hv = this.#heapVal, size = this.#size;
    let k = 0;
    for (;;) {
      const l = 2 * k + 1;
      if (l >= size) break;
      const r = l + 1;
      let c = l;
      if (r < size && less(hv[r]!, hi[r]!, hv[l]!, hi[l]!)) c = r;
      if (!less(hv[c]!, hi[c]!, v, i)) break;
      hv[k] = hv[c]!;
      hi[k] = hi[c]!;
      k = c;
    }
    hv[k] = v;
    hi[k] = i;
  }
}

/** Heap order: (va, ia) ranks below (vb, ib) — smaller value, or equal value and higher index. */
function less(va: number, ia: number, vb: number, ib: number): boolean {
  return va < vb || (va === vb && ia > ib);
}
