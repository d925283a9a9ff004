/**
 * pcapng timestamp conversion without BigInt.
 *
 * A pcapng packet block carries a 64-bit count of time units as two u32
 * halves (draft-ietf-opsawg-pcapng-02 section 4.3, Enhanced Packet Block,
 * "Timestamp (High)/(Low)"). The unit is set per interface by the IDB option
 * `if_tsresol` (section 4.2, option code 9): when its most significant bit is
 * 0 the unit is 10^-N seconds, when it is 1 the unit is 2^-N seconds (N = the
 * low 7 bits); the default is 10^-6. `if_tsoffset` (code 14) is a signed
 * 64-bit number of whole seconds added to every timestamp.
 *
 * {@link TimestampConverter} turns (high, low) into whole seconds plus
 * nanoseconds exactly: the nanoseconds are the fraction of a second truncated
 * toward zero (floor), which is what Wireshark's wiretap does
 * (`nsecs = (ts % units) * 10^9 / units`, with its 128-bit-safe path for
 * large units). Every intermediate value stays below 2^53, so all results are
 * exact, except that whole seconds above 2^53 (only reachable with units of a
 * second or coarser and absurd counts) lose precision.
 *
 * @module
 */

/** 2^32 as a number. */
const TWO32 = 4294967296;

/** Powers of ten 10^0 .. 10^9. */
const POW10: readonly number[] = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/** Conversion method chosen from `if_tsresol`. */
const MODE_DEC_SMALL = 0; // 10^-N, N <= 9: cached high-half quotient, one division per packet
const MODE_DEC_LARGE = 1; // 10^-N, N > 9: chained 64-bit divisions
const MODE_BIN = 2; // 2^-N

/**
 * Converts a pcapng 64-bit timestamp (two u32 halves) of one interface into
 * `sec` (whole seconds since the epoch, `if_tsoffset` included) and `nsec`
 * (0..999,999,999). Allocation-free: results land in the `sec`/`nsec` fields.
 */
export class TimestampConverter {
  /** Result: whole seconds (including the interface's `if_tsoffset`). */
  sec = 0;
  /** Result: nanoseconds within the second, 0..999,999,999 (truncated). */
  nsec = 0;
  /** Raw `if_tsresol` byte this converter was built for. */
  readonly tsresol: number;
  /** `if_tsoffset` in seconds. */
  readonly offsetSec: number;

  readonly #mode: number;
  /** Decimal exponent N (unit 10^-N) or binary exponent N (unit 2^-N). */
  readonly #exp: number;
  /** MODE_DEC_SMALL: 10^N. */
  readonly #div: number;
  /** MODE_DEC_SMALL: nanoseconds per unit, 10^(9-N). */
  readonly #nsPerUnit: number;
  /** MODE_DEC_SMALL cache: high half seen last, and (high * 2^32) / 10^N. */
  #cacheHi = -1;
  #cacheQ = 0;
  #cacheR = 0;
  // Scratch for 64-bit division results (quotient halves).
  #qHi = 0;
  #qLo = 0;

  /**
   * Creates a converter for one interface.
   * @param tsresol raw `if_tsresol` byte (6 = microseconds, 9 = nanoseconds,
   *   0x80|N = 2^-N seconds)
   * @param offsetSec `if_tsoffset`, whole seconds added to every timestamp
   */
  constructor(tsresol = 6, offsetSec = 0) {
    this.tsresol = tsresol & 0xff;
    this.offsetSec = offsetSec;
    const n = tsresol & 0x7f;
    this.#exp = n;
    if ((tsresol & 0x80) !== 0) {
      this.#mode = MODE_BIN;
      this.#div = 1;
      this.#nsPerUnit = 0;
    } else if (n <= 9) {
      this.#mode = MODE_DEC_SMALL;
      this.#div = POW10[n];
      this.#nsPerUnit = POW10[9 - n];
    } else {
      this.#mode = MODE_DEC_LARGE;
      this.#div = 1;
      this.#nsPerUnit = 0;
    }
  }

  /** Time units per second (10^N or 2^N; inexact above 2^53). */
  get unitsPerSecond(): number {
    return this.#mode === MODE_BIN ? Math.pow(2, this.#exp) : Math.pow(10, this.#exp);
  }

  /** Nanoseconds per time unit (1000 for microseconds; fractional below 1 ns). */
  get nsPerUnit(): number {
    return 1e9 / this.unitsPerSecond;
  }

  /**
   * Converts the count `hi * 2^32 + lo` (both u32) into `sec` / `nsec`.
   */
  convert(hi: number, lo: number): void {
    if (this.#mode === MODE_DEC_SMALL) {
      const d = this.#div;
      if (hi !== this.#cacheHi) {
        // (hi * 2^32) / d once per distinct high half (every ~71 minutes at
        // microseconds, ~4.3 s at nanoseconds).
        const r = this.#divmod(hi, 0, d);
        this.#cacheHi = hi;
        this.#cacheQ = this.#qHi * TWO32 + this.#qLo;
        this.#cacheR = r;
      }
      // cacheR < d <= 10^9 and lo < 2^32, so t < 2^33: exact.
      const t = this.#cacheR + lo;
      const q = Math.floor(t / d);
      this.sec = this.#cacheQ + q + this.offsetSec;
      this.nsec = (t - q * d) * this.#nsPerUnit;
      return;
    }
    if (this.#mode === MODE_DEC_LARGE) {
      // q = floor(v / 10^(N-9)) by chained divisions (floor(floor(v/a)/b) =
      // floor(v/(a*b))); then sec = q / 10^9, nsec = q % 10^9.
      let h = hi;
      let l = lo;
      let k = this.#exp - 9;
      while (k > 0 && (h !== 0 || l !== 0)) {
        const step = k > 9 ? 9 : k;
        this.#divmod(h, l, POW10[step]);
        h = this.#qHi;
        l = this.#qLo;
        k -= step;
      }
      const r = this.#divmod(h, l, 1e9);
      this.sec = this.#qHi * TWO32 + this.#qLo + this.offsetSec;
      this.nsec = r;
      return;
    }
    this.#convertBinary(hi, lo);
  }

  /**
   * 64-bit (hi, lo) divided by d (1 <= d <= 10^10): quotient into #qHi/#qLo
   * (u32 halves), remainder returned. Works in 16-bit steps so every
   * intermediate stays below 2^50; Math.floor of a correctly rounded quotient
   * below 2^32 is exact here because the rounding error is far below 1/d.
   */
  #divmod(hi: number, lo: number, d: number): number {
    const qh = Math.floor(hi / d);
    let r = hi - qh * d;
    const c = r * 65536 + (lo >>> 16);
    const q1 = Math.floor(c / d);
    r = c - q1 * d;
    const e = r * 65536 + (lo & 0xffff);
    const q0 = Math.floor(e / d);
    r = e - q0 * d;
    this.#qHi = qh;
    this.#qLo = q1 * 65536 + q0;
    return r;
  }

  /** Unit 2^-N: seconds = v >> N; nsec = floor((v mod 2^N) * 10^9 / 2^N). */
  #convertBinary(hi: number, lo: number): void {
    const n = this.#exp;
    let sec: number;
    let fh: number; // fraction, high u32
    let fl: number; // fraction, low u32
    if (n === 0) {
      sec = hi * TWO32 + lo;
      fh = 0;
      fl = 0;
    } else if (n < 32) {
      sec = hi * Math.pow(2, 32 - n) + (lo >>> n);
      fh = 0;
      fl = (lo & ((1 << n) - 1)) >>> 0;
    } else if (n < 64) {
      sec = n === 32 ? hi : hi >>> (n - 32);
      fh = n === 32 ? 0 : (hi & ((1 << (n - 32)) - 1)) >>> 0;
      fl = lo;
    } else {
      sec = 0;
      fh = hi;
      fl = lo;
    }
    this.sec = sec + this.offsetSec;
    if (fh === 0 && fl === 0) {
      this.nsec = 0;
      return;
    }
    // Product P = frac * 10^9 in 16-bit limbs p0..p5 (frac < 2^64, P < 2^94).
    const m = 1e9;
    let t = (fl & 0xffff) * m;
    const p0 = t % 65536;
    let carry = Math.floor(t / 65536);
    t = (fl >>> 16) * m + carry;
    const p1 = t % 65536;
    carry = Math.floor(t / 65536);
    t = (fh & 0xffff) * m + carry;
    const p2 = t % 65536;
    carry = Math.floor(t / 65536);
    t = (fh >>> 16) * m + carry;
    const p3 = t % 65536;
    carry = Math.floor(t / 65536);
    const p4 = carry % 65536;
    const p5 = Math.floor(carry / 65536);
    // floor(P / 2^n): take limbs from index s = n >> 4 upwards (value < 2^45),
    // then shift the remaining n & 15 bits.
    const s = n >> 4;
    let v = 0;
    if (s <= 5) v = p5;
    if (s <= 4) v = v * 65536 + p4;
    if (s <= 3) v = v * 65536 + p3;
    if (s <= 2) v = v * 65536 + p2;
    if (s <= 1) v = v * 65536 + p1;
    if (s <= 0) v = v * 65536 + p0;
    this.nsec = s > 5 ? 0 : Math.floor(v / (1 << (n & 15)));
  }
}
