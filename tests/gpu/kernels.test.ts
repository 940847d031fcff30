// Each non-GEMM kernel against its CPU twin from src/engine/cpu, on odd shapes
// that do not divide the workgroup tiles and on round ones: the recurrent
// step kernels (one dispatch per timestep) and the persistent ones (one
// dispatch per window), the head, embedding and optimizer kernels.

import { afterAll, describe, expect, test } from 'vitest';
import { DEFAULT_OPTIMIZER, type OptimizerConfig } from '../../src/engine/config';
import { adamStep, clipScale, globalNorm } from '../../src/engine/cpu/adam';
import { addRowBias, gemmNN } from '../../src/engine/cpu/gemm';
import { softmaxCrossEntropyBackward } from '../../src/engine/cpu/head';
import { lstmLayerBackward, lstmLayerForward } from '../../src/engine/cpu/lstmLayer';
import { sampleToken } from '../../src/engine/cpu/sampling';
import { NORM_PARTIALS } from '../../src/engine/gpu/arena';
import { adamHyperparameters } from '../../src/engine/gpu/adamStep';
import { persistentFits, persistentWorkgroupSize } from '../../src/engine/gpu/plan';
import { grid, rowsGrid } from '../../src/engine/gpu/program';
import { openGpu } from '../helpers/webgpu';
import { KernelBench, expectClose, leftToRight, randomArray, stepBackwardRows } from './support';

const harness = await openGpu();
const bench = harness ? new KernelBench(harness) : null;
afterAll(() => {
  bench?.close();
  harness?.close();
});

const W_OFFSET = 64; // Wh sits at an aligned, non-zero offset of a params-like buffer, as in the arena

/** T steps of one layer: the CPU trace and everything the GPU kernels need. */
function layerCase(T: number, B: number, X: number, H: number) {
  const G = 4 * H;
  const x = randomArray(T * B * X, 1 + T + H);
  const wx = randomArray(X * G, 2 + X, 0.4);
  const wh = randomArray(H * G, 3 + H, 0.4);
  const b = randomArray(G, 4, 0.2);
  const h0 = randomArray(B * H, 5, 0.5);
  const c0 = randomArray(B * H, 6, 0.5);
  const trace = {
    gates: new Float32Array(T * B * G),
    c: new Float32Array(T * B * H),
    hn: new Float32Array(0),
    h: new Float32Array(T * B * H),
  };
  lstmLayerForward(trace, x, h0, c0, { wx, wh, b }, T, B, X, H);
  const gx = new Float32Array(T * B * G); // x·Wx + b: the GEMM's output, the step kernel's input
  gemmNN(gx, x, wx, T * B, G, X);
  addRowBias(gx, b, T * B, G);
  const params = new Float32Array(W_OFFSET + H * G);
  params.set(wh, W_OFFSET);
  return { G, x, wx, wh, b, h0, c0, trace, gx, params };
}

const layerShapes: [number, number, number, number][] = [
  [5, 3, 11, 37], // T, B, X, H: odd
  [4, 8, 16, 64], // round
  [1, 1, 3, 5], // one step, one stream
  [3, 5, 7, 70], // H > one workgroup of units
];

describe('recurrent step kernels vs the CPU layer', () => {
  for (const [T, B, X, H] of layerShapes) {
    test(`forward and backward steps T=${T} B=${B} X=${X} H=${H}`, async () => {
      const k = bench!;
      const c = layerCase(T, B, X, H);
      const params = k.upload('params', c.params);
      const gates = k.upload('gates', c.gx);
      const hAll = new Float32Array((T + 1) * B * H);
      const cAll = new Float32Array((T + 1) * B * H);
      hAll.set(c.h0);
      cAll.set(c.c0);
      const hBuf = k.upload('hAll', hAll);
      const cBuf = k.upload('cAll', cAll);
      const workgroups = [Math.ceil(H / 64), Math.ceil(B / 4)];
      await k.run((p) => {
        for (let t = 0; t < T; t++) {
          p.dispatch({
            kernel: 'lstm_step_forward',
            uniforms: {
              B,
              H,
              row: t,
              prevSlot: t,
              nextSlot: t + 1,
              ...leftToRight(H),
              whOffset4: W_OFFSET / 4,
            },
            buffers: [params, gates, hBuf, cBuf],
            workgroups,
          });
        }
      });
      expectClose('gates', await k.read(gates, T * B * c.G), c.trace.gates);
      expectClose('h', await k.read(hBuf, T * B * H, B * H), c.trace.h);
      expectClose('c', await k.read(cBuf, T * B * H, B * H), c.trace.c);

      // Backward from the CPU's own trace, so the comparison isolates the kernel.
      const dh = randomArray(T * B * H, 77, 0.3);
      const dGates = new Float32Array(T * B * c.G);
      const grads = {
        wx: new Float32Array(X * c.G),
        wh: new Float32Array(H * c.G),
        b: new Float32Array(c.G),
      };
      const dhGpu = k.upload('dH', dh);
      const traceCAll = new Float32Array((T + 1) * B * H);
      traceCAll.set(c.c0);
      traceCAll.set(c.trace.c, B * H);
      const cTrace = k.upload('cAll trace', traceCAll);
      const dGatesGpu = k.upload('activated gates', c.trace.gates);
      const dc = k.zeros('dc', B * H);
      lstmLayerBackward(grads, null, dGates, dh.slice(), c.trace, c.x, c.h0, c.c0, c, T, B, X, H);
      await k.run((p) => {
        for (let t = T - 1; t >= 0; t--) {
          p.dispatch({
            kernel: 'lstm_step_backward',
            uniforms: {
              B,
              H,
              ...stepBackwardRows(t, T),
              ...leftToRight(H),
              whOffset4: W_OFFSET / 4,
            },
            buffers: [params, dGatesGpu, cTrace, dhGpu, dc],
            workgroups,
          });
        }
      });
      expectClose(
        'dz (pre-activation gate gradients)',
        await k.read(dGatesGpu, T * B * c.G),
        dGates,
        1e-6,
        1e-4,
      );
    });
  }
});

// T, B, X, H and optionally the workgroup size (default: the engine's choice).
const persistentShapes: [number, number, number, number, number?][] = [
  [5, 3, 11, 37], // odd, one partial slice of 4 streams
  [4, 8, 16, 64], // round, two slices
  [1, 1, 3, 5], // one step, one stream
  [6, 5, 7, 70], // H > 64; B = 5: a full and a partial slice
  [3, 2, 4, 300], // 256 invocations, the second unit of some past H
  [4, 3, 5, 70, 32], // 32 invocations for 70 units: each walks the unit loop twice
];

describe('persistent recurrent kernels (one dispatch per window) vs the CPU layer', () => {
  for (const [T, B, X, H, wg] of persistentShapes) {
    test(`forward and backward windows T=${T} B=${B} X=${X} H=${H}${wg ? ` WG=${wg}` : ''}`, async () => {
      const k = bench!;
      const limits = k.device.limits;
      expect(persistentFits(H, limits, 'forward') && persistentFits(H, limits, 'backward')).toBe(
        true,
      );
      const constantsFor = (direction: 'forward' | 'backward') => ({
        WG: wg ?? persistentWorkgroupSize(H, direction, limits.maxComputeInvocationsPerWorkgroup),
        HMAX: H,
      });
      const c = layerCase(T, B, X, H);
      const params = k.upload('params', c.params);
      const gates = k.upload('gates', c.gx);
      const hAll = new Float32Array((T + 1) * B * H);
      const cAll = new Float32Array((T + 1) * B * H);
      hAll.set(c.h0);
      cAll.set(c.c0);
      const hBuf = k.upload('hAll', hAll);
      const cBuf = k.upload('cAll', cAll);
      await k.run((p) =>
        p.dispatch({
          kernel: 'lstm_seq_forward',
          constants: constantsFor('forward'),
          uniforms: { B, H, T, reverse: 0, ...leftToRight(H), whOffset4: W_OFFSET / 4 },
          buffers: [params, gates, hBuf, cBuf],
          workgroups: [Math.ceil(B / 4)],
        }),
      );
      expectClose('gates', await k.read(gates, T * B * c.G), c.trace.gates);
      expectClose('h', await k.read(hBuf, T * B * H, B * H), c.trace.h);
      expectClose('c', await k.read(cBuf, T * B * H, B * H), c.trace.c);
      expectClose('carried-in h untouched', await k.read(hBuf, B * H), c.h0, 0, 0);

      const dh = randomArray(T * B * H, 78, 0.3);
      const dhCpu = dh.slice(); // the CPU leaves the whole dh_t in it
      const dGates = new Float32Array(T * B * c.G);
      const grads = {
        wx: new Float32Array(X * c.G),
        wh: new Float32Array(H * c.G),
        b: new Float32Array(c.G),
      };
      lstmLayerBackward(grads, null, dGates, dhCpu, c.trace, c.x, c.h0, c.c0, c, T, B, X, H);
      const traceCAll = new Float32Array((T + 1) * B * H);
      traceCAll.set(c.c0);
      traceCAll.set(c.trace.c, B * H);
      const cTrace = k.upload('cAll trace', traceCAll);
      const dGatesGpu = k.upload('activated gates', c.trace.gates);
      const dhGpu = k.upload('dH', dh);
      // Stale values in dc must not leak in: the first step (t = T−1) starts the carry at zero.
      const dc = k.upload('dc', randomArray(B * H, 79));
      await k.run((p) =>
        p.dispatch({
          kernel: 'lstm_seq_backward',
          constants: constantsFor('backward'),
          uniforms: { B, H, T, reverse: 0, ...leftToRight(H), whOffset4: W_OFFSET / 4 },
          buffers: [params, dGatesGpu, cTrace, dhGpu, dc],
          workgroups: [Math.ceil(B / 4)],
        }),
      );
      expectClose(
        'dz (pre-activation gate gradients)',
        await k.read(dGatesGpu, T * B * c.G),
        dGates,
        1e-6,
        1e-4,
      );
      // Left behind for gradientFlow: the whole dh_t in dH, dc_t in cAll slot t + 1.
      expectClose('whole dh_t', await k.read(dhGpu, T * B * H), dhCpu, 1e-6);
      const dcWant = new Float32Array(T * B * H);
      for (let t = T - 1; t >= 0; t--) {
        for (let bj = 0; bj < B * H; bj++) {
          const at = t * B * H + bj;
          const tc = Math.tanh(c.trace.c[at]);
          const carried = t < T - 1 ? dcWant[at + B * H] * c.trace.gates[4 * (at + B * H) + 1] : 0;
          dcWant[at] = carried + dhCpu[at] * c.trace.gates[4 * at + 3] * (1 - tc * tc);
        }
      }
      expectClose('dc_t', await k.read(cTrace, T * B * H, B * H), dcWant, 1e-6);
      expectClose('carried-in c untouched', await k.read(cTrace, B * H), c.c0, 0, 0);
    });
  }
});

describe('head, embedding and optimizer kernels vs the CPU', () => {
  // ld > V: rows padded as the GPU backend pads the head (params.ts); the
  // padding must neither enter the softmax nor be written.
  for (const [N, V, ld] of [
    [15, 53, 53],
    [64, 128, 128],
    [3, 300, 300],
    [37, 65, 68],
  ]) {
    test(`softmax + cross-entropy + gradient N=${N} V=${V} row stride ${ld}`, async () => {
      const k = bench!;
      const logits = randomArray(N * V, N + V, 4);
      const padded = randomArray(N * ld, N + ld, 50); // garbage in the padding
      for (let n = 0; n < N; n++) padded.set(logits.subarray(n * V, (n + 1) * V), n * ld);
      const targets = Int32Array.from({ length: N }, (_, n) => (n * 7) % V);
      const d = logits.slice();
      const lossSum = softmaxCrossEntropyBackward(d, targets, N, V, 1 / N);
      const expected = padded.slice();
      for (let n = 0; n < N; n++) expected.set(d.subarray(n * V, (n + 1) * V), n * ld);
      const lBuf = k.upload('logits', padded);
      const tBuf = k.upload('targets', targets);
      const rowLoss = k.zeros('rowLoss', N);
      await k.run((p) =>
        p.dispatch({
          kernel: 'softmax_cross_entropy',
          uniforms: { N, V, ld, targetOffset: 0, scale: 1 / N },
          buffers: [lBuf, tBuf, rowLoss],
          workgroups: grid(Math.ceil(N / 64)),
        }),
      );
      expectClose('dlogits', await k.read(lBuf, N * ld), expected, 1e-7, 1e-4);
      const rows = await k.read(rowLoss, N);
      expectClose('summed loss', [rows.reduce((a, b) => a + b, 0)], [lossSum], 0, 1e-5);
    });
  }

  for (const [N, E, V] of [
    [15, 11, 53],
    [64, 64, 16],
    [200, 130, 7], // E > 64 columns per invocation, N > one scan block
  ]) {
    test(`embedding gather and gradient N=${N} E=${E} V=${V}`, async () => {
      const k = bench!;
      const offset = 128;
      const emb = randomArray(V * E, 9);
      const params = new Float32Array(offset + V * E);
      params.set(emb, offset);
      const tokens = Int32Array.from({ length: N }, (_, n) => (n * n + 3) % V);
      const pBuf = k.upload('params', params);
      const tBuf = k.upload('tokens', tokens);
      const x0 = k.zeros('x0', N * E);
      const dx0 = randomArray(N * E, 13);
      const dxBuf = k.upload('dx0', dx0);
      const grads = k.upload('grads', randomArray(offset + V * E, 2)); // stale values must be overwritten
      await k.run((p) => {
        p.dispatch({
          kernel: 'embedding_forward',
          uniforms: { N, E, tokenOffset: 0, embOffset: offset, outOffset: 0 },
          buffers: [pBuf, tBuf, x0],
          workgroups: rowsGrid(Math.ceil(E / 64), N),
        });
        p.dispatch({
          kernel: 'embedding_backward',
          uniforms: { N, E, V, tokenOffset: 0, gradOffset: offset },
          buffers: [tBuf, dxBuf, grads],
          workgroups: grid(V),
        });
      });
      const want = new Float32Array(N * E);
      const dEmb = new Float32Array(V * E);
      for (let n = 0; n < N; n++) {
        for (let e = 0; e < E; e++) {
          want[n * E + e] = emb[tokens[n] * E + e];
          dEmb[tokens[n] * E + e] += dx0[n * E + e];
        }
      }
      expectClose('gather', await k.read(x0, N * E), want, 0, 0);
      expectClose('scatter-add', await k.read(grads, V * E, offset), dEmb, 1e-6, 1e-5);
    });
  }

  for (const clipNorm of [0, 0.5]) {
    test(`global norm + clipping + AdamW (clipNorm ${clipNorm})`, async () => {
      const k = bench!;
      const P = 70_016; // a multiple of 64 like the arena, beyond one 256 × 64 × 4 norm sweep
      const o: OptimizerConfig = {
        ...DEFAULT_OPTIMIZER,
        learningRate: 3e-3,
        beta1: 0.9,
        beta2: 0.999,
        epsilon: 1e-8,
        weightDecay: 0.1,
        clipNorm,
      };
      const params = randomArray(P, 21);
      const grads = randomArray(P, 22, 0.01);
      const m = randomArray(P, 23, 0.001);
      const v = randomArray(P, 24, 0.001).map(Math.abs);
      const mask = Float32Array.from({ length: P }, (_, i) => (i % 3 === 0 ? 0 : 1));
      const rowLoss = randomArray(37, 25).map(Math.abs);
      const step = 7;
      const buffers = {
        params: k.upload('params', params),
        grads: k.upload('grads', grads),
        m: k.upload('m', m),
        v: k.upload('v', v),
        mask: k.upload('mask', mask),
        partials: k.zeros('partials', NORM_PARTIALS),
        rowLoss: k.upload('rowLoss', rowLoss),
        log: k.zeros('lossLog', 16),
      };
      const hyper = k.resources.buffer(
        'hyper',
        64,
        GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      );
      k.device.queue.writeBuffer(hyper, 0, adamHyperparameters(o, step, 3));
      const partials = Math.min(NORM_PARTIALS, Math.ceil(P / 4 / 64));
      await k.run((p) => {
        p.dispatch({
          kernel: 'grad_norm',
          uniforms: { count4: P / 4 },
          buffers: [buffers.grads, buffers.partials],
          workgroups: [partials],
        });
        p.dispatch({
          kernel: 'adam',
          uniforms: { count4: P / 4, partialCount: partials, lossRows: rowLoss.length },
          buffers: [
            hyper,
            buffers.params,
            buffers.grads,
            buffers.m,
            buffers.v,
            buffers.mask,
            buffers.partials,
            buffers.rowLoss,
            buffers.log,
          ],
          workgroups: [64],
        });
      });
      const norm = globalNorm(grads);
      const [wantP, wantM, wantV] = [params.slice(), m.slice(), v.slice()];
      adamStep(wantP, grads, wantM, wantV, mask, clipScale(norm, clipNorm), step, o);
      expectClose('params', await k.read(buffers.params, P), wantP, 1e-6, 1e-5);
      expectClose('m', await k.read(buffers.m, P), wantM, 1e-9, 1e-4);
      expectClose('v', await k.read(buffers.v, P), wantV, 1e-12, 1e-4);
      // Slot 3 of the (R, 4) log: [loss, norm, flag, unused]; the flag stays 0 (finite).
      const log = await k.read(buffers.log, 2, 12);
      expect(new Uint32Array((await k.read(buffers.log, 1, 14)).buffer)[0]).toBe(0);
      const meanLoss = rowLoss.reduce((a, b) => a + b, 0) / rowLoss.length;
      expectClose('loss log [mean loss, norm]', log, [meanLoss, norm], 0, 1e-5);
    });
  }

  test('sampling with temperature and top-k (ties included) draws what the CPU draws', async () => {
    const k = bench!;
    const V = 53;
    // Logits on a coarse grid so several tie at the top-k boundary.
    const logits = randomArray(V, 31, 3).map((x) => Math.round(x * 2) / 2);
    const lBuf = k.upload('logits', logits);
    const us = Float32Array.from([0, 0.01, 0.25, 0.5, 0.77, 0.999]);
    const uBuf = k.upload('uniforms', us);
    for (const [temperature, topK] of [
      [1, 0],
      [0.5, 5],
      [2, 1],
      [0.8, 52],
      [1.3, 53],
    ]) {
      const tokens = k.zeros('tokens', us.length + 1);
      await k.run((p) => {
        for (let position = 0; position < us.length; position++) {
          p.dispatch({
            kernel: 'sample',
            uniforms: { V, logitsOffset: 0, position, topK, temperature },
            buffers: [lBuf, uBuf, tokens],
            workgroups: [1],
          });
        }
      });
      const got = new Int32Array((await k.read(tokens, us.length + 1)).buffer).subarray(1);
      const want = Array.from(us, (u) => sampleToken(logits, temperature, topK, u));
      expect(Array.from(got), `T=${temperature} k=${topK}`).toEqual(want);
    }
  });
});
