// A gate snapshot of the model for the probe text: every signal of every
// layer's cell (cells.ts: the LSTM's gates i, f, g, o, its cell state c and
// output h; the GRU's r, z, n, h; the RNN's h) at every character, plus
// the probability the model gave each next character. The trainer takes one
// by time, not by step count (training/probeSchedule.ts: when the probe text
// changes or training pauses, and while training at most once per
// probeIntervalMs, 800 ms by default, training/options.ts), so a slow model
// costs no more snapshots than a fast one; the page draws it as heatmaps.
//
// Dimension legend: L layers, H hidden, V vocabulary, P probe characters kept.

import type { Backend, LayerActivations } from './backend';
import { CELLS, type CellType, type SignalKey } from './cells';
import { MAX_PROBE_CHARS } from './config';
import { normalizeText, type Vocabulary } from './tokenizer';

/** Each (P, H), row-major by position: the cell's signals (copies), CELLS[cell].signals. */
export type ProbeLayer = LayerActivations;

/** A signal of a layer; which a snapshot has, and in what order the page shows them, is CELLS[cell].signals. */
export type GateKey = SignalKey;

export interface ProbeSnapshot {
  step: number;
  /** The model's cell: which signals each layer holds. */
  cell: CellType;
  /** The probed characters (after dropping ones outside the vocabulary), one per position. */
  chars: string[];
  hidden: number;
  layers: ProbeLayer[];
  /**
   * (P) probability the model gave to each next character of the probe text
   * (NaN at the end); tagging: to class 1 (a space after, upper case) at each
   * character; forecast: empty.
   */
  nextCharProb: Float32Array;
  /** Bidirectional models: the reverse direction of each layer, as `layers` (ProbeResult.reverse). */
  reverse?: ProbeLayer[];
  /**
   * Tagging models: `chars` are the derived input (the probe text without its
   * spaces, or lower-cased) and this is the truth of each: (P) 0 or 1.
   */
  truth?: Uint8Array;
  /**
   * Forecast models: the stretch probed, data rows start … start + P − 1,
   * and each target column's values there in its own units, in the layout's
   * order (Co of P); `chars` is then empty.
   */
  series?: { start: number; columns: { name: string; values: Float64Array }[] };
  /** Characters of the probe text the vocabulary lacks (skipped). */
  unknown: string[];
}

/** A snapshot, or why the text cannot be probed. */
export type ProbeOutcome = { snapshot: ProbeSnapshot } | { problem: string };

/**
 * The snapshot of the gates over `probeText` (characters outside the
 * vocabulary are skipped and named; at most MAX_PROBE_CHARS are kept), or a
 * problem when no character of it is known to the model.
 */
export async function probeSnapshot(
  backend: Backend,
  vocab: Vocabulary,
  probeText: string,
): Promise<ProbeOutcome> {
  const step = backend.step;
  const chars: string[] = [];
  const unknown = new Set<string>();
  for (const ch of normalizeText(probeText)) {
    if (chars.length === MAX_PROBE_CHARS) break;
    if (vocab.has(ch)) chars.push(ch);
    else unknown.add(ch);
  }
  if (chars.length === 0) {
    return { problem: 'the probe text has no character the model knows' };
  }
  const tokens = vocab.encode(chars.join('')); // (P)
  const result = await backend.probe(tokens);
  const V = vocab.size;
  const nextCharProb = new Float32Array(tokens.length).fill(NaN); // (P)
  for (let t = 0; t + 1 < tokens.length; t++) {
    nextCharProb[t] = softmaxAt(result.logits, t * V, V, tokens[t + 1]);
  }
  // Copies, each (P, H): transferring must not detach buffers the backend may reuse.
  const { cell } = backend.model;
  const layers: ProbeLayer[] = result.layers.map((l) =>
    Object.fromEntries(CELLS[cell].signals.map((key) => [key, l[key]!.slice()])),
  );
  return {
    snapshot: {
      step,
      cell,
      chars,
      hidden: backend.model.hiddenSize,
      layers,
      nextCharProb,
      unknown: [...unknown],
    },
  };
}

/** softmax(logits[offset … offset+V))[index], computed stably. */
function softmaxAt(logits: Float32Array, offset: number, V: number, index: number): number {
  let max = -Infinity;
  for (let v = 0; v < V; v++) max = Math.max(max, logits[offset + v]);
  let sum = 0;
  for (let v = 0; v < V; v++) sum += Math.exp(logits[offset + v] - max);
  return Math.exp(logits[offset + index] - max) / sum;
}
