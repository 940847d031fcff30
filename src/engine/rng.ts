// Seeded pseudo-random numbers: the same seed gives the same initial weights,
// batch order and samples on every backend (the GPU backend draws its random
// numbers here on the host too, so both agree bit for bit on the inputs).
//
// PCG32 (O'Neill, pcg-random.org: XSH-RR output, 64-bit LCG state), done with
// two 32-bit halves because BigInt is slow in hot loops.
//
// Dimension legend: none (scalars; the callers fill (V, E), (T, B), ... arrays).

export interface RngState {
  hi: number;
  lo: number;
}

const MUL_HI = 0x5851f42d;
const MUL_LO = 0x4c957f2d;
const INC_HI = 0x14057b7e;
const INC_LO = 0xf767814f;

export class Rng {
  private hi = 0;
  private lo = 0;

  constructor(seed: number) {
    // Seed as the reference does: state = 0, step, state += seed, step.
    this.step();
    this.lo = (this.lo + (seed >>> 0)) >>> 0;
    this.hi = (this.hi + (this.lo < seed >>> 0 ? 1 : 0)) >>> 0;
    this.step();
  }

  private step(): void {
    // state = state * MUL + INC (mod 2^64), in 16-bit limbs to stay exact in doubles.
    const aLo = this.lo;
    const aHi = this.hi;
    const lo = Math.imul(aLo, MUL_LO) >>> 0;
    const carry = mulHighU32(aLo, MUL_LO);
    const hi = (carry + Math.imul(aHi, MUL_LO) + Math.imul(aLo, MUL_HI)) >>> 0;
    const sumLo = (lo + INC_LO) >>> 0;
    const c = sumLo < lo ? 1 : 0;
    this.lo = sumLo;
    this.hi = (hi + INC_HI + c) >>> 0;
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const oldHi = this.hi;
    const oldLo = this.lo;
    this.step();
    // xorshifted = ((old >> 18) ^ old) >> 27, as 32 bits
    const xHi = (oldHi >>> 18) ^ oldHi;
    const xLo = ((oldLo >>> 18) | (oldHi << 14)) ^ oldLo;
    const xorshifted = ((xLo >>> 27) | (xHi << 5)) >>> 0;
    const rot = oldHi >>> 27;
    return ((xorshifted >>> rot) | (xorshifted << (-rot & 31))) >>> 0;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Standard normal (Box–Muller; one value per call keeps the stream simple to replay). */
  normal(): number {
    const u1 = 1 - this.next(); // (0, 1]: log is finite
    const u2 = this.next();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  getState(): RngState {
    return { hi: this.hi, lo: this.lo };
  }

  setState(s: RngState): void {
    this.hi = s.hi >>> 0;
    this.lo = s.lo >>> 0;
  }
}

/** High 32 bits of the 64-bit product of two unsigned 32-bit integers. */
function mulHighU32(a: number, b: number): number {
  const aL = a & 0xffff;
  const aH = a >>> 16;
  const bL = b & 0xffff;
  const bH = b >>> 16;
  const ll = aL * bL;
  const lh = aL * bH;
  const hl = aH * bL;
  const hh = aH * bH;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (hh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) >>> 0;
}
