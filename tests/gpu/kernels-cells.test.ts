// The GRU's and the plain RNN's recurrent kernels against their CPU twins
// (src/engine/cpu/gruLayer.ts, rnnLayer.ts), per timestep and persistent, on
// odd shapes and round ones: activated gates, h, the GRU's hn forward; the
// gradients w.r.t. the input and recurrent pre-activations (dGates, the
// GRU's dGatesH), the whole dh_t left in dH for gradientFlow, and the GRU's
// dbhn reduction. (The LSTM's are in kernels.test.ts.)

import { afterAll, describe, expect, test } from 'vitest';
import type { CellType } from '../../src/engine/cells';
import { CELLS } from '../../src/engine/cells';
import { addRowBias, gemmNN } from '../../src/engine/cpu/gemm';
import { gruLayerBackward, gruLayerForward } from '../../src/engine/cpu/gruLayer';
import { rnnLayerBackward, rnnLayerForward } from '../../src/engine/cpu/rnnLayer';
import type { LayerTrace } from '../../src/engine/cpu/layerTypes';
import {
  persistentFits,
  persistentWorkgroupSize,
  type RecurrentMode,
} from '../../src/engine/gpu/plan';
import { RECURRENT_KERNELS } from '../../src/engine/gpu/passes';
import type { ProgramBuilder } from '../../src/engine/gpu/program';
import { openGpu } from '../helpers/webgpu';
import { KernelBench, expectClose, leftToRight, randomArray, stepBackwardRows } from './support';

const harness = await openGpu();
const bench = harness ? new KernelBench(harness) : null;
afterAll(() => {
  bench?.close();
  harness?.close();
});

// Wh and bhn sit at aligned, non-zero offsets of a params-like buffer, as in the arena.
const W_OFFSET = 64;

function bhnOffset(H: number, G: number): number {
  return W_OFFSET + Math.ceil((H * G) / 64) * 64;
}

/** T steps of one layer of `cell`: the CPU trace and everything the GPU kernels need. */
function layerCase(cell: 'gru' | 'rnn', T: number, B: number, X: number, H: number) {
  const G = CELLS[cell].gates * H;
  const x = randomArray(T * B * X, 1 + T + H);
  const wx = randomArray(X * G, 2 + X, 0.4);
  const wh = randomArray(H * G, 3 + H, 0.4);
  const b = randomArray(G, 4, 0.2);
  const bhn = cell === 'gru' ? randomArray(H, 8, 0.3) : undefined;
  const h0 = randomArray(B * H, 5, 0.5);
  const trace = {
    gates: new Float32Array(T * B * G),
    c: new Float32Array(0),
    hn: new Float32Array(cell === 'gru' ? T * B * H : 0),
    h: new Float32Array(T * B * H),
  } satisfies LayerTrace;
  const w = { wx, wh, b, bhn };
  if (cell === 'gru') gruLayerForward(trace, x, h0, w, T, B, X, H);
  else rnnLayerForward(trace, x, h0, w, T, B, X, H);
  const gx = new Float32Array(T * B * G); // x·Wx + b: the GEMM's output, the kernels' input
  gemmNN(gx, x, wx, T * B, G, X);
  addRowBias(gx, b, T * B, G);
  const params = new Float32Array(bhnOffset(H, G) + H);
  params.set(wh, W_OFFSET);
  if (bhn) params.set(bhn, bhnOffset(H, G));
  return { G, x, w, h0, trace, gx, params };
}

// T, B, X, H, and optionally a forced WG for the persistent kernels
const shapes: [number, number, number, number, number?][] = [
  [5, 3, 11, 37], // odd, one partial slice of 4 streams
  [4, 8, 16, 64], // round, two slices
  [1, 1, 3, 5], // one step, one stream
  [6, 5, 7, 70], // H > 64; B = 5: a full and a partial slice
  [3, 2, 4, 300], // H > 256; WG = 128 covers ⌈H/4⌉ = 75 four-unit tiles, the last one partial
  [2, 3, 5, 150, 32], // WG = 32: the four-unit tiles wrap (4·32 < 150), the second pass partial
];

const CASES: [Exclude<CellType, 'lstm'>, RecurrentMode][] = [
  ['gru', 'step'],
  ['gru', 'persistent'],
  ['rnn', 'step'],
  ['rnn', 'persistent'],
];

describe.each(CASES)('%s %s kernels vs the CPU layer', (cell, mode) => {
  for (const [T, B, X, H, wg] of shapes) {
    test(`forward and backward T=${T} B=${B} X=${X} H=${H}${wg ? ` WG=${wg}` : ''}`, async () => {
      const k = bench!;
      const limits = k.device.limits;
      if (mode === 'persistent') {
        expect(persistentFits(H, limits, 'forward', cell)).toBe(true);
        expect(persistentFits(H, limits, 'backward', cell)).toBe(true);
      }
      const constants = (direction: 'forward' | 'backward') => ({
        WG:
          wg ??
          persistentWorkgroupSize(H, direction, limits.maxComputeInvocationsPerWorkgroup, cell),
        HMAX: H,
      });
      const c = layerCase(cell, T, B, X, H);
      const G = c.G;
      const params = k.upload('params', c.params);
      const gates = k.upload('gates', c.gx);
      const hAll = new Float32Array((T + 1) * B * H);
      hAll.set(c.h0);
      const hBuf = k.upload('hAll', hAll);
      const hnBuf = k.zeros('hnAll', (T + 1) * B * H);
      const weights: Record<string, number> =
        cell === 'gru'
          ? { whOffset: W_OFFSET, bhnOffset: bhnOffset(H, G) }
          : { whOffset: W_OFFSET };
      const forwardBuffers = cell === 'gru' ? [params, gates, hBuf, hnBuf] : [params, gates, hBuf];
      const kernels = RECURRENT_KERNELS[cell];
      await k.run((p: ProgramBuilder) => {
        if (mode === 'persistent') {
          p.dispatch({
            kernel: kernels.forward.persistent,
            constants: constants('forward'),
            uniforms: { B, H, T, reverse: 0, ...leftToRight(H), ...weights },
            buffers: forwardBuffers,
            workgroups: [Math.ceil(B / 4)],
          });
          return;
        }
        for (let t = 0; t < T; t++) {
          p.dispatch({
            kernel: kernels.forward.step,
            uniforms: { B, H, row: t, prevSlot: t, nextSlot: t + 1, ...leftToRight(H), ...weights },
            buffers: forwardBuffers,
            workgroups: [Math.ceil(H / 64), Math.ceil(B / 4)],
          });
        }
      });
      expectClose('activated gates', await k.read(gates, T * B * G), c.trace.gates);
      expectClose('h', await k.read(hBuf, T * B * H, B * H), c.trace.h);
      expectClose('carried-in h untouched', await k.read(hBuf, B * H), c.h0, 0, 0);
      if (cell === 'gru') expectClose('hn', await k.read(hnBuf, T * B * H, B * H), c.trace.hn);

      // Backward from the CPU's own trace, so the comparison isolates the kernel.
      const dh = randomArray(T * B * H, 77, 0.3);
      const dhCpu = dh.slice(); // the CPU leaves the whole dh_t in it
      const dGates = new Float32Array(T * B * G);
      const dGatesH = new Float32Array(T * B * G);
      const grads = {
        wx: new Float32Array(X * G),
        wh: new Float32Array(H * G),
        b: new Float32Array(G),
        bhn: new Float32Array(H),
      };
      if (cell === 'gru') {
        gruLayerBackward(grads, null, dGates, dGatesH, dhCpu, c.trace, c.x, c.h0, c.w, T, B, X, H);
      } else {
        rnnLayerBackward(grads, null, dGates, dhCpu, c.trace, c.x, c.h0, c.w, T, B, X, H);
      }
      const traceH = new Float32Array((T + 1) * B * H);
      traceH.set(c.h0);
      traceH.set(c.trace.h, B * H);
      const traceHn = new Float32Array((T + 1) * B * H);
      traceHn.set(c.trace.hn, B * H);
      const dz = k.upload('activated gates', c.trace.gates);
      const dhGpu = k.upload('dH', dh);
      // Stale values in the carry must not leak in: the first step (t = T−1) starts it at zero.
      const carry = k.upload('carry', randomArray(B * H, 79));
      const gatesH = k.zeros('gatesH', T * B * G);
      const backwardBuffers =
        cell === 'gru'
          ? [
              params,
              dz,
              k.upload('hAll trace', traceH),
              k.upload('hn', traceHn),
              dhGpu,
              carry,
              gatesH,
            ]
          : [params, dz, dhGpu];
      const bhnGrad = k.zeros('grads', 64 + H);
      await k.run((p: ProgramBuilder) => {
        if (mode === 'persistent') {
          p.dispatch({
            kernel: kernels.backward.persistent,
            constants: constants('backward'),
            uniforms: { B, H, T, reverse: 0, ...leftToRight(H), whOffset: W_OFFSET },
            buffers: backwardBuffers,
            workgroups: [Math.ceil(B / 4)],
          });
        } else {
          for (let t = T - 1; t >= 0; t--) {
            p.dispatch({
              kernel: kernels.backward.step,
              uniforms: { B, H, ...stepBackwardRows(t, T), ...leftToRight(H), whOffset: W_OFFSET },
              buffers: backwardBuffers,
              workgroups: [Math.ceil(H / 64), Math.ceil(B / 4)],
            });
          }
        }
        if (cell === 'gru') {
          p.dispatch({
            kernel: 'gru_bhn_grad',
            uniforms: { N: T * B, H, gradOffset: 64 },
            buffers: [gatesH, bhnGrad],
            workgroups: [Math.ceil(H / 64)],
          });
        }
      });
      expectClose('dGates (input pre-activations)', await k.read(dz, T * B * G), dGates, 1e-6);
      expectClose('whole dh_t', await k.read(dhGpu, T * B * H), dhCpu, 1e-6);
      if (cell === 'gru') {
        expectClose(
          'dGatesH (recurrent pre-activations)',
          await k.read(gatesH, T * B * G),
          dGatesH,
          1e-6,
        );
        expectClose('dbhn', await k.read(bhnGrad, H, 64), grads.bhn, 1e-5);
      }
    });
  }
});
