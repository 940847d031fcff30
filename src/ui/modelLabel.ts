// How the page names a model of a comparison: its cell, H and parameter
// count, e.g. "LSTM H128 · 80.3k params", its regularisation when the models
// compared differ in it ("LSTM H256 · dropout 0.3 · 1.2M params" beside
// "LSTM H256 · no dropout · 1.2M params"), its direction when they differ in
// that ("LSTM H128 · both ways · 90.1k params"), and the colour its curves share.

import { CELLS } from '../engine/cells';
import type { RegularizationConfig } from '../engine/config';
import { SCHEMA } from '../engine/configSchema';
import type { ModelSettings } from '../worker/protocol';

interface Named {
  model: ModelSettings;
  parameters: number;
  /** What it trains with (absent: not known, never named). */
  regularization?: RegularizationConfig;
}

/**
 * A model's name. With `all`, the set it is compared in (the third argument
 * Array.map passes, so `models.map(modelLabel)` names each), its
 * regularisation is part of it when the set's differ.
 */
export function modelLabel(m: Named, _index?: number, all?: readonly Named[]): string {
  const cell = `${CELLS[m.model.cell].label} H${m.model.hiddenSize}`;
  const regularization =
    m.regularization && all && regularizationsDiffer(all)
      ? ` · ${regularizationText(m.regularization)}`
      : '';
  const direction = all && directionsDiffer(all) ? ` · ${directionText(m.model)}` : '';
  return `${cell}${direction}${regularization} · ${compactCount(m.parameters)} params`;
}

/** "left to right", "both ways": the schema's name of a model's direction, in lower case. */
export function directionText(m: Pick<ModelSettings, 'direction'>): string {
  const option = SCHEMA.direction.options.find((o) => o.value === m.direction);
  return (option?.label ?? m.direction).toLowerCase();
}

function directionsDiffer(all: readonly Named[]): boolean {
  return new Set(all.map((m) => m.model.direction)).size > 1;
}

/** "dropout 0.3", "dropout 0.3 variational · early stop 5", "no dropout". */
export function regularizationText(r: RegularizationConfig): string {
  const parts: string[] = [];
  if (r.dropout > 0) {
    parts.push(`dropout ${r.dropout}${r.dropoutMode === 'variational' ? ' variational' : ''}`);
  }
  if (r.patience > 0) parts.push(`early stop ${r.patience}`);
  return parts.length > 0 ? parts.join(' · ') : 'no dropout';
}

function regularizationsDiffer(all: readonly Named[]): boolean {
  const texts = new Set(
    all.map((m) => (m.regularization ? regularizationText(m.regularization) : '')),
  );
  return texts.size > 1;
}

/** 80312 → "80.3k", 1234567 → "1.23M". */
export function compactCount(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e7 ? 1 : 2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(n >= 1e5 ? 0 : 1)}k`;
  return String(Math.round(n));
}

/** One colour per model of a comparison, told apart in both schemes. */
export function modelColors(scheme: 'light' | 'dark'): readonly string[] {
  return scheme === 'dark' ? ['#8b83ff', '#2dd4bf', '#f472b6'] : ['#4f46e5', '#0d9488', '#db2777'];
}
