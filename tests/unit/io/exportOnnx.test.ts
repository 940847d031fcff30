// The ONNX export run in ONNX Runtime (onnxruntime-web's WebAssembly engine,
// what a web page runs; tests/helpers/ort.ts) against the CPU backend's
// logits, for every cell (LSTM, GRU with linear_before_reset=1, RNN): a real
// engine reading our protobuf, not our own reader.
//
// Dimension legend: T steps, B batch, H hidden, V vocabulary, L layers.

import { describe, expect, test } from 'vitest';
import * as ort from '../../helpers/ort';
import { CELL_TYPES, CELLS, type CellType } from '../../../src/engine/cells';
import type { ModelConfig } from '../../../src/engine/config';
import { paramLayout } from '../../../src/engine/params';
import { exportOnnx } from '../../../src/io/exportOnnx';
import type { RecurrentState } from '../../../src/engine/state';
import { cpuLogits, maxAbsDiff, seededParams, tinyCorpus, tinyModel, TEXT } from '../../helpers/io';

const corpus = tinyCorpus();

function modelOf(cell: CellType, L: number): ModelConfig {
  return { ...tinyModel(L, corpus), cell };
}

/** Runs the exported model on (T, B) time-major tokens with a given (L, B, H) start state. */
async function run(
  session: ort.InferenceSession,
  model: ModelConfig,
  tokens: Int32Array,
  T: number,
  B: number,
  state?: RecurrentState,
) {
  const { layers: L, hiddenSize: H } = model;
  const feeds: Record<string, ort.Tensor> = {
    tokens: new ort.Tensor(
      'int64',
      BigInt64Array.from(tokens, (t) => BigInt(t)),
      [T, B],
    ),
    h0: new ort.Tensor('float32', state?.h ?? new Float32Array(L * B * H), [L, B, H]),
  };
  // Only the LSTM carries c; the GRU and RNN graphs have no c0/cn at all.
  if (CELLS[model.cell].carriesCell) {
    feeds.c0 = new ort.Tensor('float32', state?.c ?? new Float32Array(L * B * H), [L, B, H]);
  }
  const out = await session.run(feeds);
  return {
    logits: out.logits.data as Float32Array,
    dims: out.logits.dims,
    hn: out.hn.data as Float32Array,
    cn: (out.cn?.data as Float32Array | undefined) ?? new Float32Array(L * B * H),
  };
}

describe.each(CELL_TYPES.flatMap((cell) => [1, 2].map((L) => [cell, L] as const)))(
  'ONNX export, %s, L=%i',
  (cell, L) => {
    const model = modelOf(cell, L);
    const params = seededParams(model, 11 + L);
    const tokens = corpus.vocab.encode(TEXT.slice(0, 48));
    const T = tokens.length;
    const { vocabSize: V } = model;

    test('ONNX Runtime gives the CPU backend logits (max abs diff ≤ 1e-4)', async () => {
      const session = await ort.InferenceSession.create(exportOnnx(model, params, corpus.vocab));
      expect([...session.inputNames].sort()).toEqual(
        CELLS[cell].carriesCell ? ['c0', 'h0', 'tokens'] : ['h0', 'tokens'],
      );
      const got = await run(session, model, tokens, T, 1);
      expect(got.dims).toEqual([T, 1, V]);
      const want = await cpuLogits(model, params, tokens);
      const diff = maxAbsDiff(got.logits, want);
      console.log(
        `onnxruntime vs CpuBackend.probe, ${cell}, L=${L}, T=${T}: max abs diff ${diff.toExponential(2)}`,
      );
      expect(diff).toBeLessThanOrEqual(1e-4);
    });

    test('batch streams are independent and hn (cn) continue a text', async () => {
      const session = await ort.InferenceSession.create(exportOnnx(model, params, corpus.vocab));
      // Two streams (time-major): stream 0 the text, stream 1 the text reversed.
      const reversed = tokens.slice().reverse();
      const both = new Int32Array(T * 2);
      for (let t = 0; t < T; t++) {
        both[t * 2] = tokens[t];
        both[t * 2 + 1] = reversed[t];
      }
      const batched = await run(session, model, both, T, 2);
      const wantA = await cpuLogits(model, params, tokens);
      const wantB = await cpuLogits(model, params, reversed);
      const streamOf = (b: number) => {
        const out = new Float32Array(T * V);
        for (let t = 0; t < T; t++)
          out.set(batched.logits.subarray((t * 2 + b) * V, (t * 2 + b + 1) * V), t * V);
        return out;
      };
      expect(maxAbsDiff(streamOf(0), wantA)).toBeLessThanOrEqual(1e-4);
      expect(maxAbsDiff(streamOf(1), wantB)).toBeLessThanOrEqual(1e-4);

      // The first half, then the second half from (hn, cn), equals the whole text at once.
      const half = T >> 1;
      const first = await run(session, model, tokens.slice(0, half), half, 1);
      const second = await run(session, model, tokens.slice(half), T - half, 1, {
        h: first.hn,
        c: first.cn,
      });
      expect(maxAbsDiff(second.logits, wantA.subarray(half * V))).toBeLessThanOrEqual(1e-4);
    });
  },
);

test('the GRU export keeps b_hn inside r ⊙ (·): zeroing it changes the logits', async () => {
  // Without this, a b_hn written to the wrong place (Wb, or ignored) could pass
  // the parity test only if seeded b_hn were tiny; here it is made large.
  const model = modelOf('gru', 1);
  const params = seededParams(model, 5);
  const { bhn } = paramLayout(model).layers[0];
  for (let j = 0; j < bhn!.size; j++) params[bhn!.offset + j] = j % 2 ? 1.5 : -1.5;
  const tokens = corpus.vocab.encode(TEXT.slice(0, 20));
  const session = await ort.InferenceSession.create(exportOnnx(model, params, corpus.vocab));
  const got = await run(session, model, tokens, tokens.length, 1);
  const want = await cpuLogits(model, params, tokens);
  expect(maxAbsDiff(got.logits, want)).toBeLessThanOrEqual(1e-4);
  const without = params.slice();
  without.fill(0, bhn!.offset, bhn!.offset + bhn!.size);
  expect(maxAbsDiff(await cpuLogits(model, without, tokens), want)).toBeGreaterThan(1e-2);
});
