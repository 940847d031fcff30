// The probe pass: every layer's signals (CELLS[cell].signals: the gates, the
// LSTM's c, h) of each direction (a bidirectional layer's reverse direction in
// text order too: row t is its state having read t … T−1), and the head's
// outputs, for a text or a stretch of a series fed from zero state (B = 1). Long texts run in chunks of at most
// min(256, T·B) tokens of the configured window, carrying (h, c) on the GPU in the evaluation state; each
// chunk's activations are copied out right behind it and mapped together.
//
// Dimension legend: T tokens of the text (or timesteps), C ≤ chunk tokens per
// submit, H hidden, L layers, D directions, V = O the head's outputs
// (task.ts outputSize), Vs ≥ V the GPU's row stride of them, Ci a forecast's
// values per timestep.

import type { LayerActivations, ProbeInput, ProbeResult } from '../backend';
import { checkTokens } from '../batchCheck';
import { CELLS } from '../cells';
import { layerInputSize, type ModelConfig } from '../config';
import { directionCount, outputSize, readsTokens } from '../task';
import { directionBuffers, directionsOf } from './passes';
import type { GpuArena } from './arena';
import type { StagingPool } from './staging';

export interface ProbeDeps {
  device: GPUDevice;
  arena: GpuArena;
  model: ModelConfig;
  staging: StagingPool;
  /** Vs: floats per row of arena.logits (V padded, params.ts). */
  logitsStride: number;
  /** Submits the probe program for a window of T tokens at arena.inputs (values at arena.values). */
  run: (T: number) => void;
}

/**
 * T of a probe input, once it is one the model reads: token ids of the
 * vocabulary, or a forecast's (T, Ci) finite values.
 */
export function probeLength(model: ModelConfig, input: ProbeInput): number {
  if (readsTokens(model)) {
    if (!(input instanceof Int32Array)) throw new Error('this model probes a text: token ids');
    checkTokens(input, model.vocabSize);
    return input.length;
  }
  const Ci = layerInputSize(model, 0);
  if (!(input instanceof Float32Array) || input.length % Ci !== 0) {
    throw new Error(`a forecast probes a stretch of the series: (T, ${Ci}) values`);
  }
  const bad = input.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) throw new Error(`probe value ${input[bad]} at ${bad} is not a number`);
  return input.length / Ci;
}

export async function probeWindows(
  deps: ProbeDeps,
  input: ProbeInput,
  chunk: number,
): Promise<ProbeResult> {
  const { device, arena, model, staging } = deps;
  const T = probeLength(model, input);
  const { hiddenSize: H, layers: L } = model;
  const V = outputSize(model);
  // Floats of input per position: a token, or Ci values.
  const width = readsTokens(model) ? 1 : layerInputSize(model, 0);
  const inputBuffer = readsTokens(model) ? arena.inputs : arena.values;
  const Vs = deps.logitsStride;
  const { cell } = model;
  const G = CELLS[cell].gates;
  // The gate signals, in the interleaved column order of a unit (cells.ts): i f g o, r z n.
  const gateSignals = CELLS[cell].signals.filter((k) => k !== 'c' && k !== 'h');
  const D = directionCount(model);
  const directions = directionsOf(model);
  const signalArrays = (): LayerActivations =>
    Object.fromEntries(CELLS[cell].signals.map((k) => [k, new Float32Array(T * H)])); // (T, H) each
  // [d][l]: the forward direction's layers, then (bidirectional) the reverse's, in text order.
  const out = directions.map(() => Array.from({ length: L }, signalArrays));
  const logits = new Float32Array(T * V); // (T, V)
  const encoder = device.createCommandEncoder({ label: 'probe: zero state' });
  encoder.clearBuffer(arena.evalState.h);
  encoder.clearBuffer(arena.evalState.c);
  device.queue.submit([encoder.finish()]);
  const reads: Promise<void>[] = [];
  for (let start = 0; start < T; start += chunk) {
    const length = Math.min(chunk, T - start);
    device.queue.writeBuffer(
      inputBuffer,
      0,
      input.subarray(start * width, (start + length) * width),
    );
    deps.run(length);
    // Per layer and direction: gates (C, G·H) but the RNN's (its one gate is h), c (C, H)
    // of the LSTM from slot 1 on; per layer h (C, D·H) from slot 1 on, both directions side
    // by side (both in text order); then logits (C, Vs).
    const ranges = arena.layers.flatMap((layer) => [
      ...directions.flatMap((d) => {
        const own = directionBuffers(layer, d);
        return [
          ...(gateSignals.length > 0
            ? [{ buffer: own.gates, offset: 0, bytes: length * G * H * 4 }]
            : []),
          ...(CELLS[cell].carriesCell
            ? [{ buffer: own.cAll, offset: H * 4, bytes: length * H * 4 }]
            : []),
        ];
      }),
      { buffer: layer.hAll, offset: D * H * 4, bytes: length * D * H * 4 },
    ]);
    const perLayer = ranges.length / L;
    ranges.push({ buffer: arena.logits, offset: 0, bytes: length * Vs * 4 });
    reads.push(
      staging.read(device, ranges).then((parts) => {
        for (let l = 0; l < L; l++) {
          let part = perLayer * l;
          for (const d of directions) {
            const signals = out[d][l];
            if (gateSignals.length > 0) {
              // Gates are interleaved per unit (G·j + k); the result wants one array per gate.
              const gates = new Float32Array(parts[part++]);
              gateSignals.forEach((key, k) => {
                const signal = signals[key]!;
                for (let n = 0; n < length * H; n++) signal[start * H + n] = gates[G * n + k];
              });
            }
            if (CELLS[cell].carriesCell) signals.c!.set(new Float32Array(parts[part++]), start * H);
          }
          const h = new Float32Array(parts[part]); // (C, D·H)
          for (const d of directions) {
            for (let t = 0; t < length; t++) {
              const row = h.subarray((t * D + d) * H, (t * D + d + 1) * H);
              out[d][l].h!.set(row, (start + t) * H);
            }
          }
        }
        const rows = new Float32Array(parts[perLayer * L]); // (C, Vs)
        for (let t = 0; t < length; t++) {
          logits.set(rows.subarray(t * Vs, t * Vs + V), (start + t) * V);
        }
      }),
    );
  }
  await Promise.all(reads);
  return D === 2
    ? { length: T, layers: out[0], reverse: out[1], logits }
    : { length: T, layers: out[0], logits };
}
