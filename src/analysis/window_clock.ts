/**
 * Capture time as the anomaly detectors see it: a monotonic clock cut into
 * buckets of 1/{@link WINDOW_BUCKETS} of the detection window.
 *
 * Window semantics (shared by the SYN flood and port scan detectors):
 *
 * - Time is capture time `t` in seconds, relative to the first packet of the
 *   run. Each detector keeps its own clock, moved by the packets it counts
 *   (SYNs for the flood detector; for the scan detector SYN-only TCP and
 *   UDP, or with the failed-contact rule the unanswered contacts, at their
 *   own capture time, judged in time order). It never runs backwards: a packet stamped earlier than one
 *   already counted counts at the latest time seen (captures step back by a
 *   few microseconds now and then), and times below 0 count as 0. A time
 *   whose bucket number would exceed 2^52 (a damaged timestamp) is ignored.
 * - Time is cut into buckets of `g = window_secs / 8`; bucket `n` covers
 *   `[n·g, (n+1)·g)`.
 * - At time `t`, "the window" is the bucket holding `t` and the 7 buckets
 *   before it, i.e. capture times `[(floor(t/g) − 7)·g, t]`. Its length is
 *   at least 7/8 of `window_secs` and less than `window_secs`.
 *
 * So everything counted toward an alert happened within less than
 * `window_secs` (an alert is never raised on older evidence), and any burst
 * that fits within 7/8 of `window_secs` is counted whole by the time its
 * last packet arrives. A burst spread over between 7/8 and all of
 * `window_secs` may be split across two windows. Example, window_secs 5:
 * buckets are 0.625 s; a SYN at t = 7.3 s is in bucket 11, and the window
 * then holds the SYNs of buckets 4..11, i.e. those at t ≥ 2.5 s.
 *
 * @module
 */

/** Buckets per window. */
export const WINDOW_BUCKETS = 8;

/** Largest bucket number kept (2^52: integers stay exact when added to). */
const MAX_EPOCH = 2 ** 52;

/**
 * 1 − 2^-40: for `t < (e + 1)·bucketSecs·EDGE_MARGIN` (computed in floating
 * point, two roundings of 2^-53) the quotient `t / bucketSecs` rounds to
 * less than `e + 1`, whatever the magnitude.
 */
const EDGE_MARGIN = 1 - 2 ** -40;

/** A monotonic capture clock and the bucket it is in. */
export class WindowClock {
  /** Detection window in seconds. */
  readonly windowSecs: number;
  /** Bucket width in seconds (`windowSecs / WINDOW_BUCKETS`). */
  readonly bucketSecs: number;
  /** Latest capture time seen (seconds, ≥ 0). */
  now = 0;
  /** Bucket of `now`. */
  epoch = 0;
  /** Oldest bucket still inside the window (`epoch − 7`). */
  oldestLive: number = -(WINDOW_BUCKETS - 1);
  /**
   * A time below which `floor(t / bucketSecs)` is still `epoch`: the start
   * of the next bucket, lowered by a relative 2^-40 to absorb rounding. A
   * time before it moves `now` without a division; one at or after it
   * divides (so a time just below the true boundary still lands exactly).
   */
  #edge: number;

  constructor(windowSecs: number) {
    if (!(windowSecs > 0 && Number.isFinite(windowSecs))) {
      throw new RangeError(`Cannot create window: window_secs ${windowSecs} is not positive`);
    }
    this.windowSecs = windowSecs;
    this.bucketSecs = windowSecs / WINDOW_BUCKETS;
    this.#edge = this.bucketSecs * EDGE_MARGIN;
  }

  /** Moves the clock to capture time `t` (never backwards). */
  advance(t: number): void {
    if (!(t > this.now)) return; // also ignores NaN
    if (t < this.#edge) {
      this.now = t; // same bucket
      return;
    }
    const e = Math.floor(t / this.bucketSecs);
    // Bucket numbers stay exact integers (a damaged timestamp far in the
    // future is ignored rather than breaking bucket arithmetic).
    if (!(e <= MAX_EPOCH)) return;
    this.now = t;
    this.epoch = e;
    this.oldestLive = e - (WINDOW_BUCKETS - 1);
    this.#edge = (e + 1) * this.bucketSecs * EDGE_MARGIN;
  }
}
