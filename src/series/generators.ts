// Built-in series for forecasting, generated from a seed so a link or a test
// names the exact data: a noisy sum of sines (periodic, easy for a baseline that
// knows the period), trend + seasonality (a level that drifts, where last-value
// lags), and Mackey-Glass (chaotic: no period to copy, the case a model earns).
//
// Dimension legend: N samples (one Float64Array per series). T window, B batch
// and C columns do not appear here.

import { Rng } from '../engine/rng';

export interface SinesOptions {
  length: number;
  seed: number;
  /** How many sines (periods drawn in [periodMin, periodMax]). */
  components?: number;
  periodMin?: number;
  periodMax?: number;
  /** Standard deviation of the Gaussian noise added to each sample. */
  noise?: number;
}

/** Σ a_k sin(2π t / p_k + φ_k) + noise, amplitudes in [0.5, 1], all drawn from the seed. */
export function noisySines(o: SinesOptions): Float64Array {
  const rng = new Rng(o.seed);
  const k = o.components ?? 3;
  const pMin = o.periodMin ?? 8;
  const pMax = o.periodMax ?? 64;
  const noise = o.noise ?? 0.1;
  const parts = Array.from({ length: k }, () => ({
    amp: rng.uniform(0.5, 1),
    period: rng.uniform(pMin, pMax),
    phase: rng.uniform(0, 2 * Math.PI),
  }));
  const out = new Float64Array(o.length);
  for (let t = 0; t < o.length; t++) {
    let v = 0;
    for (const p of parts) v += p.amp * Math.sin((2 * Math.PI * t) / p.period + p.phase);
    out[t] = v + noise * rng.normal();
  }
  return out;
}

export interface TrendSeasonOptions {
  length: number;
  seed: number;
  /** Season length in samples (24: hourly data with a daily cycle). */
  period?: number;
  /** Level change per sample. */
  slope?: number;
  /** Amplitude of the seasonal shape. */
  amplitude?: number;
  noise?: number;
}

/**
 * level + slope·t + a seasonal shape of the given period + noise. The shape is a
 * fundamental and a second harmonic with seeded weights and phases, so it is not
 * a pure sine (a seasonal naive forecast must copy the whole shape).
 */
export function trendSeasonal(o: TrendSeasonOptions): Float64Array {
  const rng = new Rng(o.seed);
  const period = o.period ?? 24;
  const slope = o.slope ?? 0.002;
  const amp = o.amplitude ?? 1;
  const noise = o.noise ?? 0.1;
  const level = rng.uniform(-1, 1);
  const w2 = rng.uniform(0.2, 0.6);
  const ph1 = rng.uniform(0, 2 * Math.PI);
  const ph2 = rng.uniform(0, 2 * Math.PI);
  const out = new Float64Array(o.length);
  for (let t = 0; t < o.length; t++) {
    const x = (2 * Math.PI * t) / period;
    const season = amp * (Math.sin(x + ph1) + w2 * Math.sin(2 * x + ph2));
    out[t] = level + slope * t + season + noise * rng.normal();
  }
  return out;
}

export interface MackeyGlassOptions {
  length: number;
  seed: number;
  /** Delay τ; 17 is the classic chaotic setting. */
  tau?: number;
  /** Time between returned samples (the integration runs at `dt`). */
  sampleEvery?: number;
  /** Integration step; τ/dt and sampleEvery/dt should be whole numbers. */
  dt?: number;
  /** Time integrated and thrown away first, so the start-up transient is gone. */
  warmup?: number;
}

// The standard parameters (Mackey & Glass 1977, as in the forecasting literature):
// dx/dt = β x(t−τ) / (1 + x(t−τ)^n) − γ x(t).
const BETA = 0.2;
const GAMMA = 0.1;
const POWER = 10;

/**
 * Mackey-Glass, integrated with RK4 at step dt (0.1 by default), the delayed term
 * linearly interpolated at half steps from the stored history, and sampled every
 * `sampleEvery` time units (1 by default). The seed only perturbs the constant
 * initial history around 1.2, so different seeds give different trajectories on
 * the same attractor (range about 0.4 to 1.35 for τ = 17).
 */
export function mackeyGlass(o: MackeyGlassOptions): Float64Array {
  const rng = new Rng(o.seed);
  const tau = o.tau ?? 17;
  const dt = o.dt ?? 0.1;
  const every = Math.max(1, Math.round((o.sampleEvery ?? 1) / dt));
  const lag = Math.max(1, Math.round(tau / dt));
  const warm = Math.round((o.warmup ?? 500) / dt);
  const steps = warm + o.length * every;
  // x[i] at time i·dt; the first `lag` entries are the initial history on [−τ, 0).
  const x = new Float64Array(lag + steps + 1);
  for (let i = 0; i <= lag; i++) x[i] = 1.2 + 0.05 * rng.uniform(-1, 1);
  const f = (xt: number, xd: number) => (BETA * xd) / (1 + xd ** POWER) - GAMMA * xt;
  for (let i = lag; i < lag + steps; i++) {
    const d0 = x[i - lag];
    const d1 = x[i - lag + 1];
    const dh = 0.5 * (d0 + d1); // the delayed value half a step on
    const k1 = f(x[i], d0);
    const k2 = f(x[i] + 0.5 * dt * k1, dh);
    const k3 = f(x[i] + 0.5 * dt * k2, dh);
    const k4 = f(x[i] + dt * k3, d1);
    x[i + 1] = x[i] + (dt / 6) * (k1 + 2 * k2 + 2 * k3 + k4);
  }
  const out = new Float64Array(o.length);
  const first = lag + warm;
  for (let n = 0; n < o.length; n++) out[n] = x[first + n * every];
  return out;
}

export const BUILTIN_SERIES = ['sines', 'trend-seasonal', 'mackey-glass'] as const;
export type BuiltinSeries = (typeof BUILTIN_SERIES)[number];

/** The built-in series by name, with default parameters. */
export function generateSeries(kind: BuiltinSeries, length: number, seed: number): Float64Array {
  switch (kind) {
    case 'sines':
      return noisySines({ length, seed });
    case 'trend-seasonal':
      return trendSeasonal({ length, seed });
    case 'mackey-glass':
      return mackeyGlass({ length, seed });
  }
}
