// A model that cannot fit is refused before anything is allocated and before
// the model in use is given up, with a message naming the limit and the
// largest H (B, T) that fits; the same for a link asking for one at start
// and for a text with more distinct characters than a model can take. The
// page never stays 'building'. Through the worker's real message handler on
// the CPU engine, and the capacity plan itself for WebGPU's limits.

import { afterEach, describe, expect, test } from 'vitest';
import { DEFAULT_RUN_CONFIG } from '../../../src/engine/settings';
import { cpuMemoryBudget, excess, GIB, MIB, type RunShape } from '../../../src/engine/memory';
import type { EngineMessage, RunConfig } from '../../../src/worker/protocol';
import { CapacityError, cpuLimit, planCapacity } from '../../../src/worker/capacity';
import { TaskQueue } from '../../../src/worker/queue';
import { Session } from '../../../src/worker/session';
import { CONFIG, startHost, startWithModel, stepsAdvance, TEXT, type Harness } from './harness';

let harness: Harness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

const HUGE: RunConfig = {
  model: { task: 'lm', direction: 'uni', cell: 'lstm', embedSize: 64, hiddenSize: 2048, layers: 8 },
  train: { ...CONFIG.train, seqLen: 1024, batchSize: 512 },
  backend: 'auto',
};

/** The number after "H=" in a refusal. */
function largestH(message: string): number {
  const match = /largest that fits is H=(\d+)/.exec(message);
  if (!match) throw new Error(`no largest H in: ${message}`);
  return Number(match[1]);
}

describe('a model too large for the CPU engine', () => {
  test('H=2048, L=8, T=1024, B=512 is refused naming the budget and the largest H; the old model trains on', async () => {
    const h = (harness = await startWithModel());
    h.host.handle({ type: 'train' });
    await h.host.idle();
    const trainer = h.host.session.trainer!;
    const config = h.host.session.config;
    const sentAt = h.messages.length;
    h.host.handle({ type: 'configure', config: HUGE });
    await h.host.idle();

    const [refusal] = h.of('configError');
    expect(refusal.config).toEqual(config);
    expect(refusal.message).toMatch(/too large to train here/);
    expect(refusal.message).toMatch(/CPU engine's memory budget of 1\.0 GiB/);
    // The H it names fits, and one more does not.
    const V = h.host.session.corpus!.corpus.vocab.size;
    const H = largestH(refusal.message);
    const shape = (hiddenSize: number): RunShape => ({
      model: { ...HUGE.model, hiddenSize, vocabSize: V },
      seqLen: 1024,
      batchSize: 512,
      validationTokens: h.host.session.corpus!.split.validation.length,
    });
    expect(excess(shape(H), cpuLimit())).toBeNull();
    expect(excess(shape(H + 1), cpuLimit())).not.toBeNull();

    expect(h.host.session.trainer).toBe(trainer);
    expect(h.host.session.config).toEqual(config);
    // Nothing was disposed or built: no 'building', no new model.
    const after = h.messages.slice(sentAt);
    expect(
      after.some((m) => m.type === 'model' || (m.type === 'status' && m.status.building)),
    ).toBe(false);
    await stepsAdvance(h, 5);
    expect(trainer.isTraining).toBe(true);
  });

  test('a link asking for one at start is refused and the defaults train instead, never stuck building', async () => {
    const h = (harness = startHost());
    const link: RunConfig = {
      ...HUGE,
      train: { ...HUGE.train, batchSize: 1 },
    };
    h.host.handle({ type: 'configure', config: link });
    h.host.handle({ type: 'setCorpus', id: 1, name: 'fox', text: TEXT });
    await h.host.idle();

    const [refusal, again] = h.of('configError');
    expect(refusal.message).toMatch(/too large to train here.*default settings are used instead/);
    // Said again right after the model, which clears the page's error line.
    expect(again).toEqual(refusal);
    expect(h.messages.lastIndexOf(again)).toBe(h.messages.findIndex((m) => m.type === 'model') + 1);
    expect(refusal.config?.model).toEqual(DEFAULT_RUN_CONFIG.model);
    const [model] = h.of('model');
    expect(model.config.model).toEqual(DEFAULT_RUN_CONFIG.model);
    expect(model.config.train.seqLen).toBe(DEFAULT_RUN_CONFIG.train.seqLen);
    expect(h.of('status').at(-1)!.status).toMatchObject({ ready: true, building: false });
  });

  test('a text with more distinct characters than a model takes is refused at load; corpus and model kept', async () => {
    const h = (harness = await startWithModel());
    const trainer = h.host.session.trainer!;
    const corpus = h.host.session.corpus;
    // 70,000 private-use code points (unchanged by NFC), each twice.
    const chars = Array.from({ length: 70_000 }, (_, k) => String.fromCodePoint(0xf0000 + k));
    h.host.handle({ type: 'setCorpus', id: 2, name: 'many', text: chars.join('').repeat(2) });
    await h.host.idle();

    expect(h.of('corpusError')).toEqual([
      {
        type: 'corpusError',
        id: 2,
        message:
          'the text has 70,000 distinct characters; a model takes at most 65,536: ' +
          'use a text with fewer different characters',
      },
    ]);
    expect(h.host.session.corpus).toBe(corpus);
    expect(h.host.session.trainer).toBe(trainer);
    expect(h.of('model')).toHaveLength(1);
    expect(h.of('status').at(-1)!.status).toMatchObject({ ready: true, building: false });
  });

  test('a text whose vocabulary makes the model too large is refused at load, naming the limit', async () => {
    const h = (harness = await startWithModel());
    h.host.handle({
      type: 'configure',
      config: { ...CONFIG, model: { ...CONFIG.model, embedSize: 8, hiddenSize: 1024, layers: 1 } },
    });
    await h.host.idle();
    const trainer = h.host.session.trainer!;
    // 60,000 distinct characters: the head (H × V) alone is 1024 × 60,000 floats, 245 MB, and the
    // optimizer keeps six more arrays of every weight.
    const chars = Array.from({ length: 60_000 }, (_, k) => String.fromCodePoint(0xf0000 + k));
    h.host.handle({ type: 'setCorpus', id: 3, name: 'wide', text: chars.join('').repeat(3) });
    await h.host.idle();
    const [error] = h.of('corpusError');
    expect(error.id).toBe(3);
    expect(error.message).toMatch(
      /^with this text's 60000 distinct characters, this model is too large/,
    );
    expect(error.message).toMatch(/memory budget of 1\.0 GiB/);
    expect(h.host.session.trainer).toBe(trainer);
  });
});

describe('the capacity plan', () => {
  const shape = (hiddenSize: number, V = 60): RunShape => ({
    model: { cell: 'lstm', vocabSize: V, embedSize: 32, hiddenSize, layers: 2 },
    seqLen: 64,
    batchSize: 32,
  });
  const smallGpu = {
    webgpu: true,
    limits: { maxBufferSize: 4 * MIB, maxStorageBufferBindingSize: 4 * MIB },
  };

  test('WebGPU when the model fits it', () => {
    expect(planCapacity(shape(128), { preference: 'auto', device: smallGpu })).toEqual({
      gpu: true,
      cpuFits: true,
    });
  });

  test('the CPU, with the reason, when a buffer exceeds the GPU but the CPU holds the model', () => {
    const plan = planCapacity(shape(512), { preference: 'auto', device: smallGpu });
    expect(plan.gpu).toBe(false);
    expect(plan.cpuFits).toBe(true);
    expect(plan.gpuRefusal).toMatch(
      /too large for WebGPU here: its largest buffer, the .*, needs .*, and this GPU allows 4\.0 MiB per buffer/,
    );
  });

  test('refused, naming both limits and the largest H, B and T, when neither holds it', () => {
    let error: unknown;
    try {
      planCapacity(
        { ...shape(256), seqLen: 1024, batchSize: 256 },
        { preference: 'webgpu', device: smallGpu },
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CapacityError);
    const message = (error as Error).message;
    expect(message).toMatch(
      /on WebGPU its .* per buffer, and on the CPU it needs .* memory budget of 1\.0 GiB/,
    );
    expect(message).toMatch(/largest that fits is H=\d+, or B=\d+, or T=\d+\.$/);
  });

  test('Backend: CPU never looks at WebGPU; a GPU failure earlier in the session neither', () => {
    expect(planCapacity(shape(512), { preference: 'cpu', device: smallGpu })).toEqual({
      gpu: false,
      cpuFits: true,
    });
    expect(
      planCapacity(shape(512), { preference: 'auto', device: smallGpu, gpuFailure: 'lost' }),
    ).toEqual({ gpu: false, cpuFits: true });
  });

  test('the CPU budget: 1 GiB, less on a device that reports little memory', () => {
    expect(cpuMemoryBudget()).toBe(GIB);
    expect(cpuMemoryBudget(8)).toBe(GIB);
    expect(cpuMemoryBudget(2)).toBe(GIB / 2);
    expect(cpuMemoryBudget(0.25)).toBe(256 * MIB);
  });
});

describe('the session falls back to the CPU when WebGPU cannot hold the model', () => {
  test('the model says why, and no GPU was asked for', async () => {
    const messages: EngineMessage[] = [];
    const queue = new TaskQueue((error) => {
      throw error;
    });
    // navigator.gpu is absent in Node: trying the GPU here would fail loudly, not fall back.
    const session = new Session((m) => messages.push(m), Promise.resolve(smallDevice()), queue);
    await session.configure({
      ...CONFIG,
      model: {
        task: 'lm',
        direction: 'uni',
        cell: 'lstm',
        embedSize: 16,
        hiddenSize: 512,
        layers: 1,
      },
    });
    await session.loadText(1, 'fox', TEXT);
    const model = messages.find((m) => m.type === 'model');
    expect(model?.type === 'model' && model.backend).toMatchObject({
      kind: 'cpu',
      fallbackReason: expect.stringMatching(/too large for WebGPU here.*per buffer/),
    });
    await session.trainer?.dispose();
  });
});

function smallDevice() {
  return {
    webgpu: true,
    adapterName: 'a GPU with 1 MiB buffers',
    limits: { maxBufferSize: MIB, maxStorageBufferBindingSize: MIB },
  };
}

describe('a build that fails after the old model is gone', () => {
  test('posts ready:false building:false and says why, never stays building', async () => {
    const h = (harness = await startWithModel());
    const { session } = h.host;
    const params = await session.weights();
    await expect(
      session.rebuild({
        params: params.params,
        run: session.run,
        restore: async () => {
          // What V8 throws when an allocation the estimate did not foresee fails.
          throw new RangeError('Array buffer allocation failed');
        },
      }),
    ).rejects.toThrow('the new model could not be built: Array buffer allocation failed');
    expect(session.trainer).toBeNull();
    expect(h.of('status').at(-1)!.status).toEqual({
      ready: false,
      building: false,
      training: false,
      step: 0,
    });
    // The next command builds a model again.
    h.host.handle({ type: 'reset' });
    h.host.handle({ type: 'train' });
    await h.host.idle();
    await stepsAdvance(h, 3);
  });
});
