// Hot training data kept outside React: the loss series grow at step rate, so
// charts and counters subscribe here and redraw on their own schedule instead
// of re-rendering the tree per step.

import type { MetricsMessage } from '../worker/protocol';

export interface LossPoint {
  step: number;
  /** Nats. */
  loss: number;
}

/** The learning rate a training step used (its schedule's, halved by any rollback). */
export interface RatePoint {
  step: number;
  rate: number;
}

/** One model's curves and running figures. */
export interface ModelSeries {
  step: number;
  epoch: number;
  elapsedMs: number;
  tokensPerSecond: number;
  train: LossPoint[];
  validation: LossPoint[];
  /** Per training step; empty for a replayed history saved before rates were kept. */
  learningRates: RatePoint[];
}

/**
 * The selected model's series at the top (what the tiles and a lone model's
 * chart read), every model's in `models` (compare runs, index as the worker's).
 */
export interface MetricsSnapshot extends ModelSeries {
  models: ModelSeries[];
  selected: number;
  /** Bumped on every change, so subscribers can tell stale data cheaply. */
  version: number;
}

type Listener = (snapshot: MetricsSnapshot) => void;

function emptySeries(): ModelSeries {
  return {
    step: 0,
    epoch: 0,
    elapsedMs: 0,
    tokensPerSecond: 0,
    train: [],
    validation: [],
    learningRates: [],
  };
}

function view(models: ModelSeries[], selected: number, version: number): MetricsSnapshot {
  return { ...models[selected], models, selected, version };
}

let current = view([emptySeries()], 0, 0);
const listeners = new Set<Listener>();

/** Replaces the snapshot (a new object, so subscribers see the change) and tells them. */
function update(models: ModelSeries[], selected = current.selected): void {
  current = view(models, selected, current.version + 1);
  for (const l of listeners) l(current);
}

/** The models' series with model `k`'s present (empty series up to it). */
function withModel(k: number): ModelSeries[] {
  const models = current.models.slice();
  while (models.length <= k) models.push(emptySeries());
  return models;
}

export const metrics = {
  get(): MetricsSnapshot {
    return current;
  },
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  append(message: MetricsMessage): void {
    const k = message.model ?? 0;
    const models = withModel(k);
    const series = models[k];
    // Arrays are appended in place: copying thousands of points per message would be waste.
    for (let i = 0; i + 1 < message.train.length; i += 2) {
      series.train.push({ step: message.train[i], loss: message.train[i + 1] });
    }
    for (let i = 0; i + 1 < message.validation.length; i += 2) {
      series.validation.push({ step: message.validation[i], loss: message.validation[i + 1] });
    }
    const rates = message.learningRates;
    if (rates) {
      for (let i = 0; i + 1 < rates.length; i += 2) {
        // A step the engine has no rate for (NaN) draws a gap, not a zero.
        if (Number.isFinite(rates[i + 1])) {
          series.learningRates.push({ step: rates[i], rate: rates[i + 1] });
        }
      }
    }
    models[k] = {
      ...series,
      step: message.step,
      epoch: message.epoch,
      elapsedMs: message.elapsedMs,
      tokensPerSecond: message.tokensPerSecond,
    };
    update(models);
  },
  /** After the engine rolled model `model` back to `step`: the losses of the abandoned steps go. */
  truncate(step: number, model = 0): void {
    const models = withModel(model);
    const series = models[model];
    models[model] = {
      ...series,
      train: series.train.filter((p) => p.step <= step),
      validation: series.validation.filter((p) => p.step <= step),
      learningRates: series.learningRates.filter((p) => p.step <= step),
      step: Math.min(series.step, step),
    };
    update(models);
  },
  /** The model whose series the top of the snapshot shows. */
  select(model: number): void {
    update(withModel(model), model);
  },
  clear(): void {
    update([emptySeries()], 0);
  },
};

/** Evenly thinned copy of a series, at most `max` points, always keeping the last. */
export function thin(points: LossPoint[], max: number): LossPoint[] {
  if (points.length <= max) return points.slice();
  const stride = points.length / max;
  const out: LossPoint[] = [];
  for (let k = 0; k < max - 1; k++) {
    // Average each bucket: a thinned noisy curve then still shows the trend.
    const from = Math.floor(k * stride);
    const to = Math.floor((k + 1) * stride);
    let sum = 0;
    for (let j = from; j < to; j++) sum += points[j].loss;
    out.push({ step: points[to - 1].step, loss: sum / (to - from) });
  }
  out.push(points[points.length - 1]);
  return out;
}

/**
 * Learning rates thinned like `thin` thins losses (the same buckets, so a
 * train series of the same steps lands on the same steps), each bucket
 * keeping its last rate: a rate is a stepped line, and an average would blur
 * a step decay's drops into ramps.
 */
export function thinRates(points: RatePoint[], max: number): RatePoint[] {
  if (points.length <= max) return points.slice();
  const stride = points.length / max;
  const out: RatePoint[] = [];
  for (let k = 0; k < max - 1; k++) out.push(points[Math.floor((k + 1) * stride) - 1]);
  out.push(points[points.length - 1]);
  return out;
}
