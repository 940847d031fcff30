// What the wasm kernel adds to the CPU engine's memory beyond its arrays:
// each thread's scratch (a tile, a packed block of A, the panels of B) and the
// recurrent weights' panels packed once per step (packed.ts). cpu/backend.ts
// sizes its Arena with these, memory.ts counts them in the CPU estimate.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers, D directions, G gate columns of a layer (cells.ts: 4H LSTM, 3H
// GRU, H RNN).

import { CELLS } from '../../cells';
import { headInputSize, layerInputSize, type ModelConfig } from '../../config';
import { directionCount, outputSize } from '../../task';
import { Arena } from './arena';
import { gemmScratchBytes, packedFloats } from './kernel';

/** The widest product of a model (its N): what a GEMM thread's scratch must hold. */
export function widestProduct(m: ModelConfig): number {
  return Math.max(
    CELLS[m.cell].gates * m.hiddenSize,
    layerInputSize(m, 0),
    headInputSize(m),
    outputSize(m),
  );
}

/** Floats of panels for every recurrent weight Wh (H, G) packed both ways (packed.ts). */
export function packedRecurrentFloats(m: ModelConfig): number {
  const H = m.hiddenSize;
  const G = CELLS[m.cell].gates * H;
  const whs = m.layers * directionCount(m);
  return whs * Arena.floatsFor([packedFloats(G, H), packedFloats(H, G)]);
}

/** Bytes the kernel needs on `threads` threads (the engine's own included), panels included. */
export function kernelBytes(m: ModelConfig, threads: number): number {
  return threads * (gemmScratchBytes(widestProduct(m)) + 16) + 4 * packedRecurrentFloats(m);
}
