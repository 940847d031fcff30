// The dedicated Web Worker that hosts the engine. It owns the corpus, picks a
// backend (WebGPU when navigator.gpu gives an adapter and the GPU engine can
// build the model, otherwise the CPU reference, always saying why) and runs
// the Trainer. The page talks to it only through the messages of protocol.ts.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers.

import type { Backend } from './backend';
import { minTokensFor, splitCorpus, type Split } from './batcher';
import { validateModelConfig, validateTrainConfig, type ModelConfig } from './config';
import { createCpuBackend } from './cpu/create';
import { initParams, paramLayout, parameterCount } from './params';
import {
  transferablesOf,
  type ActiveBackend,
  type CorpusStats,
  type DeviceReport,
  type EngineMessage,
  type RunConfig,
  type UiMessage,
} from './protocol';
import { Rng } from './rng';
import { buildCorpus, CorpusError, type Corpus } from './tokenizer';
import { DivergedError, messageOf, Trainer } from './trainer';

interface GpuModule {
  createGpuBackend(
    gpu: GPU,
    model: ModelConfig,
    params: Float32Array,
    options: { batchSize: number; seqLen: number },
  ): Promise<Backend>;
}

// The GPU engine is loaded lazily (and the build still works while it is being written):
// a CPU-only session never downloads or compiles it.
const gpuEntries = import.meta.glob<GpuModule>(['./gpu/index.ts', './gpu/backend.ts']);

interface LoadedCorpus {
  corpus: Corpus;
  split: Split;
  stats: CorpusStats;
}

const scope = self as unknown as DedicatedWorkerGlobalScope;

function post(message: EngineMessage): void {
  scope.postMessage(message, transferablesOf(message));
}

let corpus: LoadedCorpus | null = null;
let config: RunConfig | null = null;
let trainer: Trainer | null = null;
let probeText = '';
/** Set once a GPU backend has failed at run time, so later models go to the CPU directly. */
let gpuFailure: string | undefined;
const device: Promise<DeviceReport> = detectWebGpu();

device.then((report) => post({ type: 'device', report }));

// Rebuilding a model is asynchronous (GPU set-up); commands that rebuild run one after another.
let queue: Promise<void> = Promise.resolve();
function enqueue(task: () => Promise<void>): void {
  queue = queue.then(task).catch((error) => post({ type: 'error', message: messageOf(error) }));
}

scope.onmessage = (event: MessageEvent<UiMessage>) => {
  const message = event.data;
  switch (message.type) {
    case 'setCorpus':
      enqueue(() => loadCorpus(message.id, message.name, message.text));
      break;
    case 'configure':
      enqueue(() => configure(message.config));
      break;
    case 'reset':
      enqueue(() => rebuild());
      break;
    case 'train':
      enqueue(async () => trainer?.start());
      break;
    case 'pause':
      trainer?.pause();
      break;
    case 'step':
      enqueue(async () => trainer?.stepOnce());
      break;
    case 'setOptimizer':
      if (config) config = { ...config, train: { ...config.train, optimizer: message.optimizer } };
      trainer?.setOptimizer(message.optimizer);
      break;
    case 'setProbe':
      probeText = message.text;
      trainer?.setProbe(probeText);
      break;
    case 'sample':
      enqueue(async () => {
        if (trainer) trainer.sample(message.request);
        else
          post({
            type: 'sampleError',
            id: message.request.id,
            message: 'no model yet: load a corpus first',
          });
      });
      break;
    case 'stopSample':
      trainer?.stopSample(message.id);
      break;
  }
};

async function detectWebGpu(): Promise<DeviceReport> {
  if (!('gpu' in navigator) || !navigator.gpu) {
    return { webgpu: false, reason: 'this browser offers no WebGPU (navigator.gpu is missing)' };
  }
  try {
    const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) {
      return { webgpu: false, reason: 'WebGPU is present but no GPU adapter is available' };
    }
    return { webgpu: true, adapterName: adapterName(adapter.info) };
  } catch (error) {
    return { webgpu: false, reason: `requesting a WebGPU adapter failed: ${messageOf(error)}` };
  }
}

function adapterName(info: GPUAdapterInfo): string {
  const parts = [info.vendor, info.architecture, info.description || info.device].filter(Boolean);
  return parts.length > 0 ? parts.join(' · ') : 'unnamed WebGPU adapter';
}

/** Why this corpus cannot train under this configuration, or null when it can. */
function misfit(split: Split, total: number, run: RunConfig): string | null {
  const { seqLen: T, batchSize: B } = run.train;
  if (total < 2 * T + 1) {
    return `the text has ${total} characters, shorter than two windows of T=${T}: use a longer text or a smaller T`;
  }
  if (split.train.length < minTokensFor(B, T)) {
    return (
      `the training part has ${split.train.length} characters; B=${B} streams × T=${T} need ` +
      `${minTokensFor(B, T)}: use a longer text or lower B or T`
    );
  }
  return null;
}

async function loadCorpus(id: number, name: string, text: string): Promise<void> {
  let loaded: LoadedCorpus;
  try {
    const built = buildCorpus(text);
    const split = splitCorpus(built.tokens, config?.train.valFraction ?? 0.1);
    const problem = config ? misfit(split, built.tokens.length, config) : null;
    if (problem) throw new CorpusError(problem);
    loaded = {
      corpus: built,
      split,
      stats: {
        name,
        chars: built.tokens.length,
        vocabSize: built.vocab.size,
        trainChars: split.train.length,
        validationChars: split.validation.length,
        vocabulary: built.vocab.itos.join(''),
      },
    };
  } catch (error) {
    // The previous corpus and model stay as they were.
    post({ type: 'corpusError', id, message: messageOf(error) });
    return;
  }
  corpus = loaded;
  post({ type: 'corpus', id, stats: loaded.stats });
  await rebuild();
}

async function configure(next: RunConfig): Promise<void> {
  try {
    validateModelConfig({ vocabSize: 2, ...next.model });
    validateTrainConfig(next.train);
  } catch (error) {
    post({ type: 'configError', message: messageOf(error), config });
    return;
  }
  if (corpus) {
    const split = splitCorpus(corpus.corpus.tokens, next.train.valFraction);
    const problem = misfit(split, corpus.corpus.tokens.length, next);
    if (problem) {
      post({ type: 'configError', message: problem, config });
      return;
    }
    corpus = { ...corpus, split };
  }
  config = next;
  await rebuild();
}

/** A fresh model from the seed: same corpus and configuration, step 0. */
async function rebuild(): Promise<void> {
  const old = trainer;
  trainer = null;
  await old?.dispose();
  if (!corpus || !config) {
    post({ type: 'status', status: { ready: false, building: false, training: false, step: 0 } });
    return;
  }
  post({ type: 'status', status: { ready: false, building: true, training: false, step: 0 } });
  const run = config;
  const model: ModelConfig = { vocabSize: corpus.corpus.vocab.size, ...run.model };
  const params = initParams(model, new Rng(run.train.seed));
  const options = { batchSize: run.train.batchSize, seqLen: run.train.seqLen };
  const { backend, active } = await createBackend(model, params, options, run);
  const next = new Trainer(backend, corpus.corpus.vocab, corpus.split, run.train, post, (error) =>
    onTrainerFailure(next, error),
  );
  trainer = next;
  post({
    type: 'model',
    backend: active,
    parameters: parameterCount(paramLayout(model)),
    config: run,
  });
  post({ type: 'status', status: { ready: true, building: false, training: false, step: 0 } });
  if (probeText) next.setProbe(probeText);
  next.begin();
}

async function createBackend(
  model: ModelConfig,
  params: Float32Array,
  options: { batchSize: number; seqLen: number },
  run: RunConfig,
): Promise<{ backend: Backend; active: ActiveBackend }> {
  if (run.backend === 'cpu') {
    const backend = await createCpuBackend(model, params, options);
    return { backend, active: { kind: 'cpu', device: backend.info.device } };
  }
  const report = await device;
  let reason = gpuFailure ?? report.reason;
  if (!reason) {
    try {
      const gpu = await loadGpuModule();
      if (gpu) {
        const backend = await gpu.createGpuBackend(navigator.gpu, model, params, options);
        return {
          backend,
          active: { kind: 'webgpu', device: report.adapterName ?? backend.info.device },
        };
      }
      reason = 'the WebGPU engine is not part of this build';
    } catch (error) {
      reason = `WebGPU could not build this model (${messageOf(error)})`;
    }
  }
  const backend = await createCpuBackend(model, params, options);
  return { backend, active: { kind: 'cpu', device: backend.info.device, fallbackReason: reason } };
}

async function loadGpuModule(): Promise<GpuModule | null> {
  for (const load of Object.values(gpuEntries)) {
    const module = await load();
    if (typeof module.createGpuBackend === 'function') return module;
  }
  return null;
}

function onTrainerFailure(failed: Trainer, error: unknown): void {
  const message = messageOf(error);
  const gpuFault = failed.backend.info.kind === 'webgpu' && !(error instanceof DivergedError);
  if (gpuFault && trainer === failed) {
    // A lost device does not come back: finish this session on the CPU.
    gpuFailure = `the GPU failed during training (${message})`;
    post({ type: 'error', message: `${gpuFailure}; a fresh model now trains on the CPU` });
    enqueue(() => rebuild());
    return;
  }
  post({ type: 'error', message });
  post({
    type: 'status',
    status: { ready: true, building: false, training: false, step: failed.step },
  });
}
