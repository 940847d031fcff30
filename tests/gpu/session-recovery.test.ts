// The worker's session when the GPU device is lost mid-training (the real
// GPU engine on Dawn, its device destroyed under it): the run goes on, on the
// CPU, from its last checkpoint, training again if it was training, and its
// next losses continue the GPU run's curve; before any checkpoint exists, a
// fresh CPU model takes over and says so.

import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_OPTIMIZER, DEFAULT_REGULARIZATION } from '../../src/engine/config';
import type { GpuBackend } from '../../src/engine/gpu';
import type { EngineMessage, RunConfig } from '../../src/worker/protocol';
import { TaskQueue } from '../../src/worker/queue';
import { Session } from '../../src/worker/session';
import { until } from '../helpers/until';
import { openGpu } from '../helpers/webgpu';

const harness = await openGpu();
// The session asks navigator.gpu for its own device, as in the browser worker.
Object.defineProperty(globalThis, 'navigator', {
  value: { ...globalThis.navigator, gpu: harness.gpu },
  configurable: true,
});
afterAll(() => harness.close());

const TEXT = 'the quick brown fox jumps over the lazy dog.\n'.repeat(40);
const CONFIG: RunConfig = {
  model: { task: 'lm', direction: 'uni', cell: 'lstm', embedSize: 8, hiddenSize: 16, layers: 1 },
  train: {
    seqLen: 8,
    batchSize: 4,
    seed: 3,
    valFraction: 0.1,
    regularization: DEFAULT_REGULARIZATION,
    optimizer: { ...DEFAULT_OPTIMIZER, learningRate: 1e-2 },
  },
  backend: 'webgpu',
};

/** A session on the GPU engine and everything it posts. */
async function startSession() {
  const messages: EngineMessage[] = [];
  const queue = new TaskQueue((error) => {
    throw error;
  });
  const session = new Session((m) => messages.push(m), Promise.resolve({ webgpu: true }), queue);
  await session.configure(CONFIG);
  await session.loadText(1, 'fox', TEXT);
  expect(session.trainer!.backend.info.kind).toBe('webgpu');
  return { session, messages, queue };
}

/** Training losses posted so far, by step. */
function trainLosses(messages: EngineMessage[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const m of messages) {
    if (m.type !== 'metrics') continue;
    for (let k = 0; k < m.train.length; k += 2) out.set(m.train[k], m.train[k + 1]);
  }
  return out;
}

function errors(messages: EngineMessage[]): string[] {
  return messages.flatMap((m) => (m.type === 'error' ? [m.message] : []));
}

describe('a GPU device lost while training', () => {
  it('continues the run on the CPU from its last checkpoint, still training', async () => {
    const { session, messages, queue } = await startSession();
    const gpuTrainer = session.trainer!;
    gpuTrainer.start();
    await until('12 GPU steps', () => gpuTrainer.step >= 12);
    const { step: saved } = await session.checkpoint(); // what the autosave does every 5 s
    await until('GPU losses past the checkpoint', () =>
      [1, 2, 3].every((k) => trainLosses(messages).has(saved + k)),
    );
    const gpuCurve = new Map(trainLosses(messages));

    (gpuTrainer.backend as GpuBackend).device.destroy();
    await until('the recovery message', () => errors(messages).length > 0);
    await queue.idle();

    expect(errors(messages)).toEqual([
      expect.stringMatching(
        new RegExp(
          `GPU failed during training.*on the CPU from its last checkpoint, step ${saved}$`,
        ),
      ),
    ]);
    const cpuTrainer = session.trainer!;
    expect(cpuTrainer).not.toBe(gpuTrainer);
    expect(cpuTrainer.backend.info.kind).toBe('cpu');
    expect(cpuTrainer.isTraining).toBe(true);
    // The CPU model starts training right after it says so, maybe before this line runs: its
    // losses are the ones posted after the recovery message.
    const resumedAt = messages.findIndex((m) => m.type === 'error') + 1;
    await until('CPU steps past the checkpoint', () => cpuTrainer.step >= saved + 5);
    cpuTrainer.pause();
    await until('the losses of those steps', () =>
      [1, 2, 3].every((k) => trainLosses(messages.slice(resumedAt)).has(saved + k)),
    );
    // The CPU redoes steps the GPU had taken after the checkpoint: same batches, same state.
    const cpuCurve = trainLosses(messages.slice(resumedAt));
    for (const k of [1, 2, 3]) {
      const gpu = gpuCurve.get(saved + k)!;
      expect(Math.abs(cpuCurve.get(saved + k)! - gpu) / gpu, `step ${saved + k}`).toBeLessThan(
        1e-3,
      );
    }
    await cpuTrainer.dispose();
  });

  it('without a checkpoint yet, a fresh CPU model takes over and says so', async () => {
    const { session, messages, queue } = await startSession();
    const gpuTrainer = session.trainer!;
    gpuTrainer.start();
    await until('a few GPU steps', () => gpuTrainer.step >= 3);
    (gpuTrainer.backend as GpuBackend).device.destroy();
    await until('the recovery message', () => errors(messages).length > 0);
    await queue.idle();

    expect(errors(messages)).toEqual([expect.stringMatching(/fresh model trains on the CPU$/)]);
    const cpuTrainer = session.trainer!;
    expect(cpuTrainer.backend.info.kind).toBe('cpu');
    expect(cpuTrainer.isTraining).toBe(true);
    await until('CPU steps', () => cpuTrainer.step >= 3);
    await cpuTrainer.dispose();
  });
});
