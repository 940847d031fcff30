// The recurrent weights packed once per training step. A timestep's product
// h_{t-1}·Wh (and, going back, dG_t·Whᵀ) has only B rows, yet the kernel
// packs all of Wh (H × G) into panels before it multiplies: with B = 32 that
// packing is about a tenth of the product, done T times forward and T − 1 back
// per layer. Here each weight is packed once, in both layouts (NN and NT),
// into room reserved in the engine's memory, and the products read the panels
// (gemm.wat's op NP) while the step holds them: the weights do not change
// between the step's forward and backward passes, only in Adam after it.
//
// Dimension legend: B batch, T window, H hidden, G gate columns of a layer
// (cells.ts: 4H LSTM, 3H GRU, H RNN); a packed op(B) is (K, N).

import type { Arr } from '../gemm';
import type { Arena } from './arena';
import { packedFloats, type KernelInstance } from './kernel';

interface Packed {
  /** The weight as stored: (K, N), or (N, K) when `trans` (an NT product). */
  source: Float32Array;
  trans: boolean;
  N: number;
  K: number;
  panels: Float32Array;
}

export class PackedWeights {
  private readonly list: Packed[] = [];
  private held = false;

  constructor(private readonly arena: Arena) {}

  /** Floats of arena to reserve for add(N, K) of a weight, in one layout. */
  static floats(N: number, K: number): number {
    return packedFloats(N, K);
  }

  /** Reserves panels for `source` as op(B) (K, N) of NN products, or (trans) of NT ones. */
  add(source: Float32Array, trans: boolean, N: number, K: number): void {
    if (source.length !== N * K) throw new Error('a packed weight is N·K floats');
    const panels = this.arena.allocate(packedFloats(N, K));
    this.list.push({ source, trans, N, K, panels });
  }

  /** Packs every weight as it is now; products read the panels until release(). */
  hold(kernel: KernelInstance): void {
    for (const p of this.list) kernel.pack(p.panels, p.source, p.trans, p.N, p.K);
    this.held = true;
  }

  /** Back to packing per product: the weights may change from here on. */
  release(): void {
    this.held = false;
  }

  /** The panels standing for B in an NN (or, trans, NT) product N wide over K, while held. */
  find(B: Arr, trans: boolean, N: number, K: number): Float32Array | null {
    if (!this.held) return null;
    for (const p of this.list) {
      const s = p.source;
      if (
        B.buffer === s.buffer &&
        B.byteOffset === s.byteOffset &&
        B.length === s.length &&
        p.trans === trans &&
        p.N === N &&
        p.K === K
      ) {
        return p.panels;
      }
    }
    return null;
  }
}
