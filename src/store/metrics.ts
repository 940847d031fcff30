// Hot training data kept outside React: the loss series grow at step rate, so
// charts and counters subscribe here and redraw on their own schedule instead
// of re-rendering the tree per step.

import type { MetricsMessage } from '../worker/protocol';

export interface LossPoint {
  step: number;
  /** Nats. */
  loss: number;
}

export interface MetricsSnapshot {
  step: number;
  epoch: number;
  elapsedMs: number;
  tokensPerSecond: number;
  train: LossPoint[];
  validation: LossPoint[];
  /** Bumped on every change, so subscribers can tell stale data cheaply. */
  version: number;
}

type Listener = (snapshot: MetricsSnapshot) => void;

function empty(): MetricsSnapshot {
  return {
    step: 0,
    epoch: 0,
    elapsedMs: 0,
    tokensPerSecond: 0,
    train: [],
    validation: [],
    version: 0,
  };
}

let current = empty();
const listeners = new Set<Listener>();

function notify(): void {
  for (const l of listeners) l(current);
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
    // Arrays are appended in place: copying thousands of points per message would be waste.
    for (let k = 0; k + 1 < message.train.length; k += 2) {
      current.train.push({ step: message.train[k], loss: message.train[k + 1] });
    }
    for (let k = 0; k + 1 < message.validation.length; k += 2) {
      current.validation.push({ step: message.validation[k], loss: message.validation[k + 1] });
    }
    current = {
      ...current,
      step: message.step,
      epoch: message.epoch,
      elapsedMs: message.elapsedMs,
      tokensPerSecond: message.tokensPerSecond,
      version: current.version + 1,
    };
    notify();
  },
  /** After the engine rolled back to `step`: the losses of the abandoned steps go. */
  truncate(step: number): void {
    current = {
      ...current,
      train: current.train.filter((p) => p.step <= step),
      validation: current.validation.filter((p) => p.step <= step),
      step: Math.min(current.step, step),
      version: current.version + 1,
    };
    notify();
  },
  clear(): void {
    current = { ...empty(), version: current.version + 1 };
    notify();
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
