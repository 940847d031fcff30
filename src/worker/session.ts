// The engine worker's one training session: the corpus in use (corpusLoad.ts
// checks it and picks its probe text), the run configuration, the backend
// (backendChoice.ts: WebGPU when navigator.gpu gives an adapter and the GPU
// engine can build the model, otherwise the CPU reference, always saying
// why) and the Trainer around it, whose events it follows (the curves, the
// settings) and posts (trainingWire.ts). A model starts from the seed, from
// imported weights, or from a checkpoint restored exactly; a GPU that fails
// mid-run hands the run to the CPU (gpuFallback.ts).
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers.

import { splitCorpus, type Split } from '../engine/batcher';
import {
  RANGES,
  validateModelConfig,
  validateTrainConfig,
  type ModelConfig,
  type OptimizerConfig,
} from '../engine/config';
import { readCorpusFile } from '../engine/corpusFile';
import { messageOf } from '../engine/errorMessage';
import { DEFAULT_RUN_CONFIG } from '../engine/settings';
import { initParams, paramLayout, parameterCount } from '../engine/params';
import type { DeviceReport, EngineMessage, RunConfig } from './protocol';
import { Rng } from '../engine/rng';
import { buildCorpus, type Corpus } from '../engine/tokenizer';
import type { TrainingEvents } from '../engine/training/events';
import { Trainer } from '../engine/training/trainer';
import { captureCheckpoint, newRunId, restoreCheckpoint, type TrainingSnapshot } from '../io';
import { createBackend } from './backendChoice';
import { CapacityError, deviceMemoryGiB, planCapacity, type CapacityPlan } from './capacity';
import { misfit, prepareCorpus, PREVIEW_CHARS, probeFor, type LoadedCorpus } from './corpusLoad';
import { GpuFallback } from './gpuFallback';
import { LossHistory } from './history';
import type { TaskQueue } from './queue';
import { statusMessage, trainingWire } from './trainingWire';

export type { LoadedCorpus } from './corpusLoad';

/** The saved-run identity of the model being trained. */
export interface RunIdentity {
  id: string;
  name: string;
}

/** How a new model starts, when not from the seed. */
export interface ModelStart {
  /** Arena layout (params.ts). */
  params: Float32Array;
  run: RunIdentity;
  /** Restores the training state into the new trainer before it begins. */
  restore?: (trainer: Trainer) => Promise<void>;
  /** A saved loss history (JSON) to redraw the curves of a resumed run. */
  history?: string;
}

export class Session {
  corpus: LoadedCorpus | null = null;
  config: RunConfig | null = null;
  trainer: Trainer | null = null;
  run: RunIdentity = { id: newRunId(), name: '' };
  readonly history = new LossHistory();
  /** The gate view's text: chosen with each corpus, then as the person edits it. */
  probeText = '';
  /** Where the run goes when the GPU fails mid-run. */
  private readonly fallback: GpuFallback;
  /** A refusal to repeat once the next model is announced, so the page still shows it. */
  private afterNextModel: EngineMessage | null = null;

  constructor(
    private readonly post: (message: EngineMessage) => void,
    private readonly device: Promise<DeviceReport>,
    /** Where model rebuilds run, one at a time, with the page's commands. */
    queue: TaskQueue,
  ) {
    this.fallback = new GpuFallback(this, post, queue);
  }

  /** Reads a dropped or picked file in the worker, reporting progress, and uses it. */
  async loadFile(id: number, file: File): Promise<void> {
    let text: string;
    try {
      text = await readCorpusFile(file, (loaded, total) =>
        this.post({ type: 'corpusProgress', id, loaded, total }),
      );
    } catch (error) {
      this.post({ type: 'corpusError', id, message: messageOf(error) });
      return;
    }
    await this.loadText(id, file.name, text);
  }

  /**
   * Checks a text and, if it can train under the current settings, builds a
   * fresh model on it; `probe` is the probe text chosen for it, if any.
   */
  async loadText(id: number, name: string, text: string, probe?: string): Promise<void> {
    let loaded: LoadedCorpus;
    let corpus: Corpus | null = null;
    try {
      corpus = buildCorpus(text);
      loaded = await this.prepareCorpus(name, corpus, this.config);
    } catch (error) {
      // The previous corpus and model stay as they were.
      const message =
        error instanceof CapacityError && corpus
          ? `with this text's ${corpus.vocab.size} distinct characters, ${error.message}`
          : messageOf(error);
      this.post({ type: 'corpusError', id, message });
      return;
    }
    this.useCorpus(id, loaded, probe);
    await this.rebuild();
  }

  /**
   * Splits and measures a corpus (corpusLoad.ts); throws CorpusError when it
   * cannot train under `run`, CapacityError when the model it makes would not fit.
   */
  prepareCorpus(name: string, corpus: Corpus, run: RunConfig | null): Promise<LoadedCorpus> {
    const V = corpus.vocab.size;
    return prepareCorpus(name, corpus, run, (run, split) =>
      this.capacity({ vocabSize: V, ...run.model }, run, split),
    );
  }

  /**
   * Makes `loaded` the corpus in use and tells the page, with the probe text
   * that goes with it (probeFor: `chosen`, else its first line or so).
   */
  useCorpus(id: number, loaded: LoadedCorpus, chosen?: string): void {
    this.corpus = loaded;
    // The model about to be built takes it (build); the model about to go never probes it.
    const probe = probeFor(loaded.corpus.text, chosen);
    if (probe) this.probeText = probe;
    // A new model on it follows (every caller rebuilds): the page shows the corpus only once
    // its Train waits for that model, so a press cannot reach the model about to go.
    this.post(statusMessage({ building: true, step: this.trainer?.step ?? 0 }));
    this.post({
      type: 'corpus',
      id,
      stats: loaded.stats,
      preview: loaded.corpus.text.slice(0, PREVIEW_CHARS),
      probe: this.probeText,
    });
  }

  async configure(next: RunConfig): Promise<void> {
    try {
      validateModelConfig({ vocabSize: 2, ...next.model });
      validateTrainConfig(next.train);
    } catch (error) {
      this.post({ type: 'configError', message: messageOf(error), config: this.config });
      return;
    }
    const split = this.corpus
      ? splitCorpus(this.corpus.corpus.tokens, next.train.valFraction)
      : undefined;
    try {
      // First, whatever the text: a model no engine here can hold. Without a corpus yet, V is
      // unknown; the smallest vocabulary still catches a model that cannot fit whatever text
      // comes (a link asking for one, at start).
      const V = this.corpus?.corpus.vocab.size ?? RANGES.vocabSize[0];
      await this.capacity({ vocabSize: V, ...next.model }, next, split);
    } catch (error) {
      if (!(error instanceof CapacityError)) throw error;
      if (this.config || next === DEFAULT_RUN_CONFIG) {
        this.post({ type: 'configError', message: error.message, config: this.config });
        return;
      }
      // The first settings (from a link, at start) cannot fit: train with the engine's
      // defaults rather than with nothing, and say so, now and again once the model is built
      // (the page clears its error line when a model arrives).
      const refusal: EngineMessage = {
        type: 'configError',
        message: `${error.message} The default settings are used instead.`,
        config: DEFAULT_RUN_CONFIG,
      };
      this.post(refusal);
      this.afterNextModel = refusal;
      await this.configure(DEFAULT_RUN_CONFIG);
      return;
    }
    if (this.corpus && split) {
      const problem = misfit(split, this.corpus.corpus.tokens.length, next);
      if (problem) {
        this.post({ type: 'configError', message: problem, config: this.config });
        return;
      }
      this.corpus = { ...this.corpus, split };
    }
    this.config = next;
    await this.rebuild();
  }

  /**
   * Which engine can hold this model (capacity.ts); throws CapacityError when
   * none can. `split` sizes the validation windows (default: as training's).
   */
  async capacity(model: ModelConfig, run: RunConfig, split?: Split): Promise<CapacityPlan> {
    const device: DeviceReport = run.backend === 'cpu' ? { webgpu: false } : await this.device;
    return planCapacity(
      {
        model,
        seqLen: run.train.seqLen,
        batchSize: run.train.batchSize,
        ...(split ? { validationTokens: split.validation.length } : {}),
      },
      {
        preference: run.backend,
        device,
        ...(this.fallback.failure !== undefined ? { gpuFailure: this.fallback.failure } : {}),
        ...(deviceMemoryGiB() !== undefined ? { deviceMemoryGiB: deviceMemoryGiB() } : {}),
      },
    );
  }

  setOptimizer(optimizer: OptimizerConfig): void {
    if (this.config) this.config = { ...this.config, train: { ...this.config.train, optimizer } };
    this.trainer?.setOptimizer(optimizer);
  }

  setProbe(text: string): void {
    this.probeText = text;
    this.trainer?.setProbe(text);
  }

  /**
   * A new model on the current corpus and configuration: from the seed (a new
   * run), or from `start`'s weights and, when it restores one, a checkpoint.
   */
  async rebuild(start?: ModelStart): Promise<void> {
    const { corpus, config } = this;
    if (!corpus || !config) {
      await this.abandonModel();
      return;
    }
    const model: ModelConfig = { vocabSize: corpus.corpus.vocab.size, ...config.model };
    // Before the model in use is given up: one that no engine here can hold is refused
    // (CapacityError) and the old model goes on as it was.
    const plan = await this.capacity(model, config, corpus.split);
    await this.disposeTrainer();
    this.post(statusMessage({ building: true, step: 0 }));
    try {
      await this.build(corpus, config, model, plan, start);
    } catch (error) {
      // The old model is gone and the new one failed (an allocation the estimate did not
      // foresee, a checkpoint that does not restore): never leave the page 'building'.
      await this.abandonModel();
      throw new Error(`the new model could not be built: ${messageOf(error)}`, { cause: error });
    }
  }

  private async disposeTrainer(): Promise<void> {
    const old = this.trainer;
    this.trainer = null;
    await old?.dispose();
  }

  /** Disposes the model in use, if any, and tells the page nothing can train. */
  async abandonModel(): Promise<void> {
    await this.disposeTrainer();
    this.postStatus(0, false);
  }

  private async build(
    corpus: LoadedCorpus,
    config: RunConfig,
    model: ModelConfig,
    plan: CapacityPlan,
    start?: ModelStart,
  ): Promise<void> {
    const params = start?.params ?? initParams(model, new Rng(config.train.seed));
    const { backend, active } = await createBackend({
      model,
      params,
      run: config,
      plan,
      device: this.device,
      gpuFailure: this.fallback.failure,
    });
    let trainer: Trainer;
    try {
      trainer = new Trainer(
        backend,
        corpus.corpus.vocab,
        corpus.split,
        config.train,
        this.eventsOf(() => trainer),
      );
    } catch (error) {
      backend.dispose();
      throw error;
    }
    this.trainer = trainer;
    this.run = start?.run ?? {
      id: newRunId(),
      name: `${corpus.name} · ${model.layers}×${model.hiddenSize} LSTM`,
    };
    this.history.restore(start?.history);
    this.post({
      type: 'model',
      backend: active,
      parameters: parameterCount(paramLayout(model)),
      config,
      runId: this.run.id,
    });
    if (this.afterNextModel) this.post(this.afterNextModel);
    this.afterNextModel = null;
    if (start?.restore) {
      const progress = this.history.asMessage(0, 0, 0);
      if (progress.train.length + progress.validation.length > 0) this.post(progress);
      await start.restore(trainer);
    }
    this.postStatus(trainer.step, true);
    if (this.probeText) trainer.setProbe(this.probeText);
    trainer.begin();
  }

  /**
   * What the session does with a trainer's events: the run's curves and
   * settings follow, and the page is told. A replaced model's last words (a
   * tick that ends after the swap) would overwrite the new model's status
   * and curves on the page, so they are dropped.
   */
  private eventsOf(trainer: () => Trainer): TrainingEvents {
    const current = () => this.trainer === trainer();
    const wire = trainingWire(
      (message) => {
        if (current()) this.post(message);
      },
      (error, wasTraining) => this.onTrainerFailure(trainer(), error, wasTraining),
    );
    return {
      ...wire,
      metrics: (report) => {
        // Before it is posted: posting transfers (detaches) the loss arrays.
        if (current()) this.history.add(report);
        wire.metrics(report);
      },
      rollback: (report) => {
        if (current()) this.afterRollback(report.toStep, report.learningRate);
        wire.rollback(report);
      },
    };
  }

  /** Divergence rolled the run back: its curves and its learning rate (for checkpoints) follow. */
  private afterRollback(toStep: number, learningRate: number): void {
    this.history.truncate(toStep);
    const config = this.config;
    if (!config) return;
    const optimizer = { ...config.train.optimizer, learningRate };
    this.config = { ...config, train: { ...config.train, optimizer } };
  }

  /** The whole training state as checkpoint bytes, taken between two steps. */
  async checkpoint(): Promise<{ bytes: Uint8Array; step: number }> {
    const { trainer, corpus, config, run } = this;
    if (!trainer || !corpus || !config) throw new Error('no model yet: load a corpus first');
    return trainer.exclusive(async (backend, batcher) => {
      const progress = trainer.progress;
      const bytes = await captureCheckpoint(backend, batcher, {
        // The trainer's optimizer: a rollback just before this capture halved its rate.
        train: { ...config.train, optimizer: trainer.optimizerConfig },
        vocab: corpus.corpus.vocab,
        corpusSha256: corpus.sha256,
        extra: {
          runName: run.name,
          corpusName: corpus.name,
          probe: this.probeText,
          epoch: String(progress.epoch),
          elapsedMs: String(Math.round(progress.elapsedMs)),
          history: JSON.stringify(this.history.toJSON()),
        },
      });
      this.fallback.remember({ runId: run.id, step: backend.step, bytes });
      return { bytes, step: backend.step };
    });
  }

  /** A copy of the weights (arena layout) and the model they belong to. */
  async weights(): Promise<{ model: ModelConfig; params: Float32Array }> {
    const trainer = this.trainer;
    if (!trainer) throw new Error('no model yet: load a corpus first');
    const params = await trainer.exclusive((backend) => backend.getParams());
    return { model: trainer.backend.model, params };
  }

  private postStatus(step: number, ready: boolean): void {
    this.post(statusMessage({ ready, training: false, step }));
  }

  /** A trainer stopped on an error: the GPU's goes to the CPU (gpuFallback.ts), the rest is said. */
  private onTrainerFailure(failed: Trainer, error: unknown, wasTraining: boolean): void {
    if (this.fallback.takeOver(failed, error, wasTraining)) return;
    this.post({ type: 'error', message: messageOf(error) });
    this.postStatus(failed.step, true);
  }
}

/** A model start that continues `snapshot` exactly: weights, optimizer, stream positions, curves. */
export function resumeFrom(snapshot: TrainingSnapshot, run: RunIdentity): ModelStart {
  const extra = snapshot.extra ?? {};
  return {
    params: snapshot.params,
    run,
    history: extra.history,
    restore: async (trainer) => {
      await trainer.exclusive((backend, batcher) => restoreCheckpoint(backend, batcher, snapshot));
      trainer.restoreProgress({
        epoch: Number(extra.epoch) || 0,
        elapsedMs: Number(extra.elapsedMs) || 0,
      });
    },
  };
}
