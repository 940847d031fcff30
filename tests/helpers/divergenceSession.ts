// The worker's session and saved runs through a divergence, on whichever
// backend the configuration picks: shared by the CPU test
// (tests/unit/worker/divergence.test.ts) and the GPU test
// (tests/gpu/divergence.test.ts). Saved runs go to fake-indexeddb.
//
// Dimension legend: B batch, T window, E embedding, H hidden, L layers.

import { IDBFactory } from 'fake-indexeddb';
import { expect } from 'vitest';
import type {
  BackendPreference,
  EngineMessage,
  EngineMessageOf,
  RunConfig,
} from '../../src/worker/protocol';
import { isDamaged, loadCheckpoint, openRunStore, type RunStore } from '../../src/io';
import { importFiles } from '../../src/io/bundle';
import { unzipFiles } from '../../src/io/zip';
import { modelSettingsOf } from '../../src/engine/settings';
import { exportChoice } from '../../src/worker/files';
import { TaskQueue } from '../../src/worker/queue';
import { RunKeeper } from '../../src/worker/runs';
import { Session } from '../../src/worker/session';
import { injectNaN } from './divergence';
import { model, train } from './smallRun';
import { until } from './until';

const TEXT = 'the quick brown fox jumps over the lazy dog.\n'.repeat(40);
const LEARNING_RATE = train.optimizer.learningRate;

/** The shared small run (smallRun.ts) on `backend`, with its own seed. */
function config(backend: BackendPreference): RunConfig {
  return { model: modelSettingsOf(model), train: { ...train, seed: 3 }, backend };
}

export async function startSession(backend: BackendPreference, kind: 'cpu' | 'webgpu') {
  const messages: EngineMessage[] = [];
  const queue = new TaskQueue((error) => {
    throw error;
  });
  const post = (m: EngineMessage) => messages.push(m);
  const session = new Session(post, Promise.resolve({ webgpu: kind === 'webgpu' }), queue);
  await session.configure(config(backend));
  await session.loadText(1, 'fox', TEXT);
  const trainer = session.trainer!;
  expect(trainer.backend.info.kind).toBe(kind);
  const store = await openRunStore({ indexedDB: new IDBFactory(), storage: null });
  const keeper = new RunKeeper(session, post, {
    openStore: () => Promise.resolve(store),
    locks: null,
    storage: null,
  });
  return { session, trainer, messages, store, keeper };
}

type Started = Awaited<ReturnType<typeof startSession>>;

const ofType = <T extends EngineMessage['type']>(messages: EngineMessage[], type: T) =>
  messages.filter((m): m is EngineMessageOf<T> => m.type === type);

const allFinite = (xs: ArrayLike<number>) => Array.from(xs).every(Number.isFinite);

/** Every download a person can make, read back with gatescope's own loaders. */
async function expectExportsLoad(s: Started, learningRate: number): Promise<void> {
  const checkpointFile = await exportChoice(s.session, 'checkpoint');
  const checkpoint = loadCheckpoint(checkpointFile.bytes, { requireCheckpoint: true });
  if (checkpoint.kind !== 'checkpoint') throw new Error('not a checkpoint');
  expect(checkpoint.train.optimizer.learningRate).toBe(learningRate);
  expect(allFinite(checkpoint.params) && allFinite(checkpoint.optimizer.v)).toBe(true);
  const vocab = await exportChoice(s.session, 'vocab');
  const weights = await exportChoice(s.session, 'safetensors');
  expect(allFinite(importFiles([weights, vocab]).params)).toBe(true);
  const onnx = unzipFiles((await exportChoice(s.session, 'onnx')).bytes);
  const tfjs = unzipFiles((await exportChoice(s.session, 'tfjs')).bytes);
  expect(onnx.map((f) => f.name)).toEqual(['model.onnx', 'vocab.json', 'README.md']);
  expect(tfjs.map((f) => f.name)).toEqual([
    'model.json',
    'model.weights.bin',
    'vocab.json',
    'README.md',
  ]);
  const tfjsWeights = tfjs[1].bytes;
  expect(allFinite(new Float32Array(tfjsWeights.slice().buffer))).toBe(true);
}

async function savedRun(store: RunStore, id: string) {
  const { info, checkpoint } = await store.loadRun(id);
  const loaded = loadCheckpoint(checkpoint, { requireCheckpoint: true });
  if (loaded.kind !== 'checkpoint') throw new Error('not a checkpoint');
  return { info, loaded };
}

/**
 * NaN in the live weights mid-run: the run rolls back, the session's
 * learning rate (what checkpoints carry) halves, its curve drops the
 * abandoned steps, training goes on, and the next save and every export load.
 */
export async function rollbackScenario(s: Started): Promise<void> {
  const { session, trainer, messages, store, keeper } = s;
  trainer.start();
  await until('12 steps', () => trainer.step >= 12);
  const injectedAfter = await trainer.exclusive(async (backend) => {
    injectNaN(backend);
    return backend.step;
  });
  await until('the rollback', () => ofType(messages, 'rollback').length > 0);
  const [rollback] = ofType(messages, 'rollback');
  expect(rollback).toMatchObject({ fromStep: injectedAfter + 1, learningRate: LEARNING_RATE / 2 });
  expect(rollback.toStep).toBeLessThan(injectedAfter);
  expect(rollback.message).toMatch(/rolled back to step \d+ and halved the learning rate/);
  expect(session.config!.train.optimizer.learningRate).toBe(LEARNING_RATE / 2);

  await until('training past the divergence', () => trainer.step >= injectedAfter + 15);
  await until('its losses', () =>
    ofType(messages, 'metrics').some((m) =>
      m.train.some((x, k) => k % 2 === 0 && x > injectedAfter + 5),
    ),
  );
  await keeper.saveNow(false);
  const [saved] = ofType(messages, 'saved');
  expect(saved.run.step).toBeGreaterThan(injectedAfter);
  const { loaded } = await savedRun(store, saved.run.id);
  expect(loaded.train.optimizer.learningRate).toBe(LEARNING_RATE / 2);
  expect(allFinite(loaded.params)).toBe(true);
  // The saved curve has each step once: the abandoned steps' losses were dropped.
  const history = JSON.parse(loaded.extra!.history) as { train: number[] };
  const steps = history.train.filter((_, k) => k % 2 === 0);
  expect(steps.every((step, k) => k === 0 || step > steps[k - 1])).toBe(true);
  expect(steps[steps.length - 1]).toBeGreaterThan(injectedAfter);
  expect(allFinite(history.train)).toBe(true);
  expect(ofType(messages, 'error')).toEqual([]);

  await expectExportsLoad(s, LEARNING_RATE / 2);
  await trainer.dispose();
}

/**
 * A model whose weights are not finite (here written in with setParams,
 * which leaves no snapshot to return to) is never saved: the last good save
 * stays, the skip is said once, and every export refuses with a clear message.
 */
export async function refusalScenario(s: Started): Promise<void> {
  const { trainer, messages, store, keeper } = s;
  trainer.start();
  await until('8 steps', () => trainer.step >= 8);
  trainer.pause();
  await keeper.saveNow(true);
  const [good] = ofType(messages, 'saved');
  for (let k = 0; k < 3; k++) trainer.stepOnce();
  await until('three more steps', () => trainer.step === good.run.step + 3);
  await trainer.exclusive(async (backend) => {
    const params = await backend.getParams();
    params[params.length >> 1] = NaN;
    await backend.setParams(params, await backend.getOptimizerState());
  });

  await keeper.saveNow(true);
  await keeper.saveNow(true);
  expect(ofType(messages, 'saved')).toHaveLength(1);
  expect(ofType(messages, 'saveError').map((m) => m.message)).toEqual([
    expect.stringMatching(
      /^not saved: the weights hold NaN or infinite values.*last good save is kept$/,
    ),
  ]);
  const runs = await store.listRuns();
  expect(runs.map((r) => (isDamaged(r) ? 'damaged' : r.step))).toEqual([good.run.step]);
  const { loaded } = await savedRun(store, good.run.id);
  expect(allFinite(loaded.params)).toBe(true);

  for (const choice of ['checkpoint', 'safetensors', 'onnx', 'tfjs'] as const) {
    await expect(exportChoice(s.session, choice), choice).rejects.toThrow(
      /weights hold NaN or infinite values because training diverged/,
    );
  }
  await trainer.dispose();
}
