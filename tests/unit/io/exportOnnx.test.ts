// The ONNX export run in ONNX Runtime (onnxruntime-node, CPU) against the CPU
// backend's logits: a real engine reading our protobuf, not our own reader.

import { describe, expect, test } from 'vitest';
import * as ort from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { exportOnnx } from '../../../src/io/exportOnnx';
import type { RecurrentState } from '../../../src/engine/state';
import { cpuLogits, maxAbsDiff, seededParams, tinyCorpus, tinyModel, TEXT } from '../../helpers/io';

const corpus = tinyCorpus();

/** Runs the exported model on (T, B) time-major tokens with a given (L, B, H) start state. */
async function run(
  session: ort.InferenceSession,
  tokens: Int32Array,
  T: number,
  B: number,
  L: number,
  H: number,
  state?: RecurrentState,
) {
  const out = await session.run({
    tokens: new ort.Tensor(
      'int64',
      BigInt64Array.from(tokens, (t) => BigInt(t)),
      [T, B],
    ),
    h0: new ort.Tensor('float32', state?.h ?? new Float32Array(L * B * H), [L, B, H]),
    c0: new ort.Tensor('float32', state?.c ?? new Float32Array(L * B * H), [L, B, H]),
  });
  return {
    logits: out.logits.data as Float32Array,
    dims: out.logits.dims,
    hn: out.hn.data as Float32Array,
    cn: out.cn.data as Float32Array,
  };
}

describe.each([1, 2])('ONNX export, L=%i', (L) => {
  const model = tinyModel(L, corpus);
  const params = seededParams(model, 11 + L);
  const tokens = corpus.vocab.encode(TEXT.slice(0, 48));
  const T = tokens.length;
  const { vocabSize: V, hiddenSize: H } = model;

  test('ONNX Runtime gives the CPU backend logits (max abs diff ≤ 1e-4)', async () => {
    const session = await ort.InferenceSession.create(exportOnnx(model, params, corpus.vocab));
    const got = await run(session, tokens, T, 1, L, H);
    expect(got.dims).toEqual([T, 1, V]);
    const want = await cpuLogits(model, params, tokens);
    const diff = maxAbsDiff(got.logits, want);
    console.log(
      `onnxruntime vs CpuBackend.probe, L=${L}, T=${T}: max abs diff ${diff.toExponential(2)}`,
    );
    expect(diff).toBeLessThanOrEqual(1e-4);
  });

  test('batch streams are independent and hn/cn continue a text', async () => {
    const session = await ort.InferenceSession.create(exportOnnx(model, params, corpus.vocab));
    // Two streams (time-major): stream 0 the text, stream 1 the text reversed.
    const reversed = tokens.slice().reverse();
    const both = new Int32Array(T * 2);
    for (let t = 0; t < T; t++) {
      both[t * 2] = tokens[t];
      both[t * 2 + 1] = reversed[t];
    }
    const batched = await run(session, both, T, 2, L, H);
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
    const first = await run(session, tokens.slice(0, half), half, 1, L, H);
    const second = await run(session, tokens.slice(half), T - half, 1, L, H, {
      h: first.hn,
      c: first.cn,
    });
    expect(maxAbsDiff(second.logits, wantA.subarray(half * V))).toBeLessThanOrEqual(1e-4);
  });
});

test('onnxruntime-web (WebAssembly, what a web page would use) runs it too', async () => {
  ortWeb.env.wasm.numThreads = 1;
  const model = tinyModel(2, corpus);
  const params = seededParams(model, 31);
  const session = await ortWeb.InferenceSession.create(exportOnnx(model, params, corpus.vocab));
  const tokens = corpus.vocab.encode(TEXT.slice(0, 30));
  const H = model.hiddenSize;
  const zeros = () => new ortWeb.Tensor('float32', new Float32Array(2 * H), [2, 1, H]);
  const out = await session.run({
    tokens: new ortWeb.Tensor('int64', BigInt64Array.from(tokens, BigInt), [tokens.length, 1]),
    h0: zeros(),
    c0: zeros(),
  });
  const diff = maxAbsDiff(out.logits.data as Float32Array, await cpuLogits(model, params, tokens));
  console.log(`onnxruntime-web vs CpuBackend.probe, L=2: max abs diff ${diff.toExponential(2)}`);
  expect(diff).toBeLessThanOrEqual(1e-4);
});
