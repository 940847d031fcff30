// Generation on the GPU. A sampler owns its (h, c) and a small scratch set
// (B = 1, one position at a time) apart from training's buffers, so it can
// run between training steps without disturbing them. Positions are chained
// entirely on the GPU — embed → L × (GEMM + step) → head → sample writes the
// next token, which the next position embeds, each position recorded by
// passes.ts recordForward with the step kernel — and a chunk of positions is
// one submit with no readback; the host only supplies the uniform random numbers
// (from the seeded Rng, as the CPU sampler draws them) and reads the tokens.
//
// Dimension legend: E embedding, H hidden, V vocabulary, L layers, X layer
// input, G gate columns per unit (cells.ts); C ≤ CHUNK positions per submit. The state ring has two slots, and
// each position reads one and writes the other (the host tracks which).
// Vs = V padded to a multiple of 4, the head's row stride (params.ts).

import type { SampleOptions, Sampler } from '../backend';
import { CELLS } from '../cells';
import { headColumns } from '../params';
import { Rng } from '../rng';
import { checkSampleOptions } from '../batchCheck';
import type { LayerBuffers } from './arena';
import { recordForward, type PassContext } from './passes';
import { ProgramBuilder, type Program } from './program';
import type { StagingPool } from './staging';

const CHUNK = 64;

/** Chunks of CHUNK, then powers of two: few distinct programs whatever the count. */
function chunkLength(remaining: number): number {
  return 1 << Math.floor(Math.log2(Math.min(CHUNK, remaining)));
}

export class GpuSampler implements Sampler {
  private readonly x0: GPUBuffer; // (1, E)
  private readonly layers: LayerBuffers[]; // gates (1, G·H); hAll, cAll (2, H) ping-pong
  private readonly logits: GPUBuffer; // (1, Vs): V real columns, then zeros
  private readonly tokens: GPUBuffer; // (CHUNK + 1) i32: [input of position 0, outputs...]
  private readonly uniforms: GPUBuffer; // (CHUNK) f32 random numbers
  private readonly buffers: GPUBuffer[] = [];
  private readonly programs = new Map<string, Program>();
  private readonly rng: Rng;
  private disposed = false;
  private queue: Promise<unknown> = Promise.resolve();
  /** Slot of the state ring that holds the current (h, c). */
  private slot = 0;

  constructor(
    private readonly ctx: PassContext,
    private readonly staging: StagingPool,
    private readonly options: SampleOptions,
    private readonly hooks: { checkAlive: () => void; onDispose: () => void },
  ) {
    checkSampleOptions(options, ctx.model.vocabSize);
    const { embedSize: E, hiddenSize: H, cell } = ctx.model;
    const G = CELLS[cell].gates;
    const resources = ctx.kernels.resources;
    const f = (label: string, floats: number) => {
      const buffer = resources.storage(`sampler.${label}`, floats);
      this.buffers.push(buffer);
      return buffer;
    };
    this.x0 = f('x0 (1,E)', E);
    this.layers = [];
    for (let l = 0; l < ctx.model.layers; l++) {
      this.layers.push({
        gates: f(`layer${l}.gates (1,G·H)`, G * H),
        hAll: f(`layer${l}.hAll (2,H)`, 2 * H),
        // The LSTM's c or the GRU's hn; the RNN binds none.
        cAll: f(`layer${l}.cAll (2,H)`, cell === 'rnn' ? 4 : 2 * H),
      });
    }
    this.logits = f('logits (1,Vs)', headColumns(ctx.layout));
    this.tokens = f('tokens (C+1) i32', CHUNK + 1);
    this.uniforms = f('uniforms (C)', CHUNK);
    this.rng = new Rng(options.seed);
    this.feedPrime();
  }

  /** Runs the prime except its last token through the network; that token starts generation. */
  private feedPrime(): void {
    const prime = this.options.prime;
    const queue = this.ctx.kernels.device.queue;
    for (let done = 0; done < prime.length - 1;) {
      const length = chunkLength(prime.length - 1 - done);
      queue.writeBuffer(this.tokens, 0, prime.subarray(done, done + length));
      this.run(length, false);
      done += length;
    }
    queue.writeBuffer(this.tokens, 0, prime.subarray(prime.length - 1));
  }

  private run(length: number, sample: boolean): void {
    const program = this.program(length, sample, this.slot);
    this.slot = (this.slot + length) % 2;
    const encoder = this.ctx.kernels.device.createCommandEncoder({ label: program.label });
    program.encode(encoder);
    this.ctx.kernels.device.queue.submit([encoder.finish()]);
  }

  /**
   * Positions 0..length−1 of one chunk starting from state slot `start`;
   * `sample` adds the head and the draw.
   */
  private program(length: number, sample: boolean, start: number): Program {
    const key = `${sample ? 'sample' : 'feed'}:${length}:${start}`;
    let program = this.programs.get(key);
    if (program) return program;
    const { kernels, model } = this.ctx;
    const rec = new ProgramBuilder(kernels, `sampler ${key}`);
    for (let pos = 0; pos < length; pos++) {
      recordForward(
        rec,
        this.ctx,
        { T: 1, B: 1 },
        {
          tokens: this.tokens,
          tokenOffset: pos,
          x0: this.x0,
          layers: this.layers,
          logits: sample ? this.logits : null,
          start: (start + pos) % 2,
          slots: 2,
          recurrence: 'step',
        },
      );
      if (!sample) continue;
      rec.dispatch({
        kernel: 'sample',
        uniforms: {
          V: model.vocabSize,
          logitsOffset: 0,
          position: pos,
          topK: Math.max(0, Math.floor(this.options.topK)),
          temperature: this.options.temperature,
        },
        buffers: [this.logits, this.uniforms, this.tokens],
        workgroups: [1],
      });
    }
    program = rec.build();
    this.programs.set(key, program);
    return program;
  }

  next(count: number): Promise<Int32Array> {
    const generate = async (): Promise<Int32Array> => {
      if (this.disposed) throw new Error('sampler was disposed');
      this.hooks.checkAlive();
      const out = new Int32Array(count);
      const device = this.ctx.kernels.device;
      for (let done = 0; done < count;) {
        const length = chunkLength(count - done);
        const u = new Float32Array(length);
        for (let i = 0; i < length; i++) u[i] = this.rng.next();
        device.queue.writeBuffer(this.uniforms, 0, u);
        this.run(length, true);
        const [bytes] = await this.staging.read(device, [
          { buffer: this.tokens, offset: 4, bytes: length * 4 },
        ]);
        const tokens = new Int32Array(bytes);
        out.set(tokens, done);
        // The last token drawn is the input of the next chunk's first position.
        device.queue.writeBuffer(this.tokens, 0, tokens.subarray(length - 1));
        done += length;
      }
      return out;
    };
    const result = this.queue.then(generate);
    this.queue = result.catch(() => undefined);
    return result;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.hooks.onDispose();
    const resources = this.ctx.kernels.resources;
    for (const program of this.programs.values()) resources.release(program.uniformBuffer);
    for (const buffer of this.buffers) resources.release(buffer);
  }
}
