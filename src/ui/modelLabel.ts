// How the page names a model of a comparison: its cell, H and parameter
// count, e.g. "LSTM H128 · 80.3k params", and the colour its curves share.

import { CELLS } from '../engine/cells';
import type { ModelSettings } from '../worker/protocol';

export function modelLabel(m: { model: ModelSettings; parameters: number }): string {
  return `${CELLS[m.model.cell].label} H${m.model.hiddenSize} · ${compactCount(m.parameters)} params`;
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
