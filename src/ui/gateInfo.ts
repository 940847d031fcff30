// Names and colour scales of the signals a probe returns per layer (cells.ts).

import type { GateKey } from '../engine/snapshot';
import type { Scale } from './colormap';

/** `title` heads a heatmap (saying how it is drawn); `name` labels a raw value. */
export const GATE_INFO: Record<
  GateKey,
  { title: string; name: string; scale: Scale; squash?: boolean }
> = {
  i: { title: 'input gate', name: 'input gate', scale: 'unit' },
  f: { title: 'forget gate', name: 'forget gate', scale: 'unit' },
  g: { title: 'candidate', name: 'candidate', scale: 'signed' },
  o: { title: 'output gate', name: 'output gate', scale: 'unit' },
  c: { title: 'cell state (tanh)', name: 'cell state', scale: 'signed', squash: true },
  r: { title: 'reset gate', name: 'reset gate', scale: 'unit' },
  z: { title: 'update gate', name: 'update gate', scale: 'unit' },
  n: { title: 'candidate', name: 'candidate', scale: 'signed' },
  h: { title: 'hidden output', name: 'hidden output', scale: 'signed' },
};

export function showChar(ch: string): string {
  if (ch === '\n') return '↵';
  if (ch === ' ') return '␣';
  if (ch === '\t') return '⇥';
  return ch;
}
