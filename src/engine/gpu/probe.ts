// The probe pass: every layer's gates, c and h, and the logits, for a text
// fed from zero state (B = 1). Long texts run in chunks of at most
// min(256, T·B) tokens of the configured window, carrying (h, c) on the GPU in the evaluation state; each
// chunk's activations are copied out right behind it and mapped together.
//
// Dimension legend: T tokens of the text, C ≤ chunk tokens per submit,
// H hidden, V vocabulary, L layers; Vs ≥ V the GPU's logits row stride.

import type { LayerActivations, ProbeResult } from '../backend';
import type { ModelConfig } from '../config';
import type { GpuArena } from './arena';
import type { StagingPool } from './staging';

export interface ProbeDeps {
  device: GPUDevice;
  arena: GpuArena;
  model: ModelConfig;
  staging: StagingPool;
  /** Vs: floats per row of arena.logits (V padded, params.ts). */
  logitsStride: number;
  /** Submits the probe program for a window of T tokens at arena.inputs. */
  run: (T: number) => void;
}

export async function probeWindows(
  deps: ProbeDeps,
  tokens: Int32Array,
  chunk: number,
): Promise<ProbeResult> {
  const { device, arena, model, staging } = deps;
  const T = tokens.length;
  const { hiddenSize: H, vocabSize: V, layers: L } = model;
  const Vs = deps.logitsStride;
  const layers = Array.from({ length: L }, () => ({
    i: new Float32Array(T * H), // (T, H) each
    f: new Float32Array(T * H),
    g: new Float32Array(T * H),
    o: new Float32Array(T * H),
    c: new Float32Array(T * H),
    h: new Float32Array(T * H),
  }));
  const logits = new Float32Array(T * V); // (T, V)
  const encoder = device.createCommandEncoder({ label: 'probe: zero state' });
  encoder.clearBuffer(arena.evalState.h);
  encoder.clearBuffer(arena.evalState.c);
  device.queue.submit([encoder.finish()]);
  const reads: Promise<void>[] = [];
  for (let start = 0; start < T; start += chunk) {
    const length = Math.min(chunk, T - start);
    device.queue.writeBuffer(arena.inputs, 0, tokens.subarray(start, start + length));
    deps.run(length);
    // gates (C, 4H) and states (C, H) from slot 1 on, per layer; then logits (C, Vs).
    const ranges = arena.layers.flatMap((layer) => [
      { buffer: layer.gates, offset: 0, bytes: length * 4 * H * 4 },
      { buffer: layer.cAll, offset: H * 4, bytes: length * H * 4 },
      { buffer: layer.hAll, offset: H * 4, bytes: length * H * 4 },
    ]);
    ranges.push({ buffer: arena.logits, offset: 0, bytes: length * Vs * 4 });
    reads.push(
      staging.read(device, ranges).then((parts) => {
        layers.forEach((out, l) => {
          // Gates are interleaved per unit (4j + k); the probe result wants one array per gate.
          const gates = new Float32Array(parts[3 * l]);
          for (let n = 0; n < length * H; n++) {
            out.i[start * H + n] = gates[4 * n];
            out.f[start * H + n] = gates[4 * n + 1];
            out.g[start * H + n] = gates[4 * n + 2];
            out.o[start * H + n] = gates[4 * n + 3];
          }
          out.c.set(new Float32Array(parts[3 * l + 1]), start * H);
          out.h.set(new Float32Array(parts[3 * l + 2]), start * H);
        });
        const rows = new Float32Array(parts[3 * L]); // (C, Vs)
        for (let t = 0; t < length; t++) {
          logits.set(rows.subarray(t * Vs, t * Vs + V), (start + t) * V);
        }
      }),
    );
  }
  await Promise.all(reads);
  return { length: T, layers: layers satisfies LayerActivations[], logits };
}
