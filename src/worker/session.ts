// The engine worker's one training session: the corpus in use (corpusLoad.ts
// checks it and picks its probe text), the run configuration, the backend
// (backendChoice.ts: WebGPU when navigator.gpu gives an adapter and the GPU
// engine can build the model, otherwise the CPU reference, always saying
// why) and the Trainer around it, whose events it follows (the curves, the
// settings) and posts (trainingWire.ts). A model starts from the seed, from
// imported weights, or from a checkpoint restored exactly; a GPU that fails
// mid-run hands the run to the CPU (gpuFallback.ts).
//
// Compare runs: the session trains a set of up to MAX_COMPARED models, the
// first from the run configuration and the others from `compare` (their own
// cell, E, H and L, and when given their own regularisation: modelSet.ts), all
// on the same corpus, seed and training settings.
// They take turns, one step each (Trainer's stepTurn), so every model is at
// the same step count and none starves; each posts its curves, snapshots and
// rollbacks with its index. One model is `selected`: the status, samples,
// exports, checkpoints and saved runs are its own (`trainer`, `run` and
// `history` read it), so a session of one model works as it always did.
//
// Tasks: each model trains on what its task reads (taskData.ts): the text
// (lm), the tagging task derived from it (spaces, case; V is the derived
// input's vocabulary), or the series in use (forecast, forecastData.ts).
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers.

import { minTokensFor, splitCorpus, type Split } from '../engine/batcher';
import { splitSeries } from '../series/normalize';
import {
  RANGES,
  validateModelConfig,
  validateTrainConfig,
  type ModelConfig,
  type LiveSettings,
  type RegularizationConfig,
} from '../engine/config';
import { readCorpusFile } from '../engine/corpusFile';
import { messageOf } from '../engine/errorMessage';
import { DEFAULT_RUN_CONFIG, modelSettingsOf } from '../engine/settings';
import { isTaggingTask } from '../engine/task';
import { initParams, paramLayout, parameterCount } from '../engine/params';
import {
  MAX_COMPARED,
  type DeviceReport,
  type CompareSettings,
  type EngineMessage,
  type ExportWeights,
  type RunConfig,
  type SeriesSource,
} from './protocol';
import { CELLS } from '../engine/cells';
import { DEFAULT_TRAINER_OPTIONS, type TrainerOptions } from '../engine/training/options';
import { Rng } from '../engine/rng';
import { buildCorpus, CorpusError, type Corpus, type Vocabulary } from '../engine/tokenizer';
import type { BestReport, TrainingEvents } from '../engine/training/events';
import { Trainer } from '../engine/training/trainer';
import {
  captureCheckpoint,
  loadCheckpoint,
  newRunId,
  restoreCheckpoint,
  seriesMetadataOf,
  sha256Hex,
  type SeriesMetadata,
  type TrainingSnapshot,
} from '../io';
import { calibrationStep, createBackend, isDecisionOf } from './backendChoice';
import { openTuningStore, type TuningStore } from './tuningStore';
import { CapacityError, deviceMemoryGiB, planCapacity, type CapacityPlan } from './capacity';
import { checkTogether } from './compareCapacity';
import {
  describeModel,
  inTurn,
  modelLabel,
  trainConfigOf,
  type RunIdentity,
  type SessionModel,
} from './modelSet';
import { misfit, prepareCorpus, PREVIEW_CHARS, probeFor, type LoadedCorpus } from './corpusLoad';
import { GpuFallback } from './gpuFallback';
import { LossHistory } from './history';
import type { TaskQueue } from './queue';
import { recallTaskOf } from './recallTask';
import { statusMessage, trainingWire } from './trainingWire';
import {
  checkLayout,
  defaultLayout,
  readSeries,
  seriesStats,
  seriesText,
  type LoadedSeries,
} from './forecastData';
import { DEFAULT_HORIZON } from '../series/trainingData';
import type { SeriesLayout } from '../series/windows';
import { TaskInputs, trainingBundleOf, trainingDataOf, type TaskInput } from './taskData';

export type { LoadedCorpus } from './corpusLoad';
export type { RunIdentity, SessionModel } from './modelSet';

/** Weights read for an export: which step they are of, and the best validation when they are its. */
export interface ExportedWeights {
  model: ModelConfig;
  /** Arena layout. */
  params: Float32Array;
  step: number;
  best?: BestReport;
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

/**
 * The data-shape fields of a model of these settings before its data is known,
 * for checking the settings alone: V (a forecast has none) and one column each way.
 */
function placeholderShape(
  m: CompareSettings,
): Pick<ModelConfig, 'vocabSize' | 'seriesInputs' | 'seriesOutputs'> {
  return m.task === 'forecast'
    ? { vocabSize: 0, seriesInputs: 1, seriesOutputs: 1 }
    : { vocabSize: 2 };
}

export class Session {
  corpus: LoadedCorpus | null = null;
  /** The series in use for forecast models (loadSeries); null before one is loaded. */
  series: LoadedSeries | null = null;
  /** Rows of the forecast chart's rollout (setHorizon). */
  horizon = DEFAULT_HORIZON;
  /** The tagging tasks derived from the corpus in use, made once per corpus and split. */
  private readonly taskInputs = new TaskInputs();
  /** The first model's settings and the training settings every model of the set shares. */
  config: RunConfig | null = null;
  /** The page's count of configure messages handled so far (protocol.ts 'configure'.seq). */
  configSeq = 0;
  /** The other models of a comparison (at most MAX_COMPARED − 1); V comes from the corpus. */
  compare: CompareSettings[] = [];
  /** The models in training: the first from `config`, then one per `compare` entry. */
  models: SessionModel[] = [];
  /** The model the page's status, samples, gates, exports and saved runs are about. */
  selected = 0;
  /** The run identity while there is no model (the saved runs read it). */
  private idleRun: RunIdentity = { id: newRunId(), name: '' };
  private readonly noHistory = new LossHistory();
  /** The gate view's text: chosen with each corpus, then as the person edits it. */
  probeText = '';
  /** A forecast's gate stretch: its first row, as the person chose it (null: the default). */
  private probeFromRow: number | null = null;
  /** Where the run goes when the GPU fails mid-run. */
  private readonly fallback: GpuFallback;
  /** A refusal to repeat once the next model is announced, so the page still shows it. */
  private afterNextModel: EngineMessage | null = null;

  /** The engines' kept measurements (tuningStore.ts), opened at the first build. */
  private tuningStore: Promise<TuningStore> | null = null;

  constructor(
    private readonly post: (message: EngineMessage) => void,
    private readonly device: Promise<DeviceReport>,
    /** Where model rebuilds run, one at a time, with the page's commands. */
    queue: TaskQueue,
    /** Where Auto's decisions and the autotune's choices are kept (default: IndexedDB, tuningStore.ts). */
    openTuning: () => Promise<TuningStore> = () => openTuningStore(),
  ) {
    this.fallback = new GpuFallback(this, post, queue);
    this.openTuning = openTuning;
  }

  private readonly openTuning: () => Promise<TuningStore>;

  /** The kept measurements, opened once (never rejects: tuningStore.ts falls back to memory). */
  private tuning(): Promise<TuningStore> {
    this.tuningStore ??= this.openTuning();
    return this.tuningStore;
  }

  /** The selected model's trainer, or null before a model is built. */
  get trainer(): Trainer | null {
    return this.models[this.selected]?.trainer ?? null;
  }

  /** The selected model's saved-run identity (runs.ts renames it when it goes on as a copy). */
  get run(): RunIdentity {
    return this.models[this.selected]?.run ?? this.idleRun;
  }

  set run(run: RunIdentity) {
    const model = this.models[this.selected];
    if (model) model.run = run;
    else this.idleRun = run;
  }

  /** The selected model's loss curves, kept for its checkpoints. */
  get history(): LossHistory {
    return this.models[this.selected]?.history ?? this.noHistory;
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
   * Reads, parses and checks a series (forecastData.ts) and makes it the one in
   * use, answering 'series'; a forecast model is built on it. A series that
   * cannot train is refused with 'seriesError', and the one in use stays.
   */
  async loadSeries(
    id: number,
    name: string,
    source: SeriesSource,
    layout?: SeriesLayout,
  ): Promise<void> {
    let next: LoadedSeries;
    try {
      const seed = this.config?.train.seed ?? DEFAULT_RUN_CONFIG.train.seed;
      const read = await readSeries(source, seed);
      next = { id, name, ...read, layout: layout ?? defaultLayout(read.info) };
      this.checkSeries(next);
    } catch (error) {
      this.post({ type: 'seriesError', id, message: messageOf(error) });
      return;
    }
    await this.useSeries(next);
  }

  /** Other columns of the series in use: refused with 'seriesError' when they cannot train. */
  async setSeriesLayout(layout: SeriesLayout): Promise<void> {
    const series = this.series;
    if (!series) {
      this.post({ type: 'seriesError', id: 0, message: 'load a series first' });
      return;
    }
    const next = { ...series, layout };
    try {
      this.checkSeries(next);
    } catch (error) {
      this.post({ type: 'seriesError', id: series.id, message: messageOf(error) });
      return;
    }
    await this.useSeries(next);
  }

  /** Rows of the forecast chart's rollout, from the next chart on. */
  setHorizon(rows: number): void {
    this.horizon = rows;
    if (this.series) this.postSeries(this.series);
  }

  /** Throws CorpusError when `series` cannot train under the run's settings (its columns, its rows). */
  private checkSeries(
    series: LoadedSeries,
    train = (this.config ?? DEFAULT_RUN_CONFIG).train,
  ): void {
    checkLayout(series.layout, series.info);
    const rows = series.columns[0].length;
    const { trainRows } = splitSeries(rows, train.valFraction);
    const { batchSize: B, seqLen: T } = train;
    if (trainRows < minTokensFor(B, T)) {
      throw new CorpusError(
        `the series has ${rows} rows, ${trainRows} of them for training; B=${B} streams × ` +
          `T=${T} need ${minTokensFor(B, T)}: use a longer series or lower B or T`,
      );
    }
  }

  /**
   * Makes `series` the one in use and tells the page; rebuilds when a model
   * forecasts (unless the caller builds one itself: a resumed run).
   */
  async useSeries(series: LoadedSeries, rebuild = true): Promise<void> {
    this.series = series;
    this.postSeries(series);
    const settings = this.config ? [this.config.model, ...this.compare] : [];
    if (rebuild && settings.some((m) => m.task === 'forecast')) await this.rebuild();
  }

  private postSeries(series: LoadedSeries): void {
    const valFraction = (this.config ?? DEFAULT_RUN_CONFIG).train.valFraction;
    this.post({
      type: 'series',
      id: series.id,
      stats: seriesStats(series, valFraction, this.horizon),
    });
  }

  /**
   * Splits and measures a corpus (corpusLoad.ts); throws CorpusError when it
   * cannot train under `run`, CapacityError when the model it makes would not fit.
   */
  prepareCorpus(name: string, corpus: Corpus, run: RunConfig | null): Promise<LoadedCorpus> {
    const V = corpus.vocab.size;
    return prepareCorpus(name, corpus, run, (run, split) =>
      // A forecast model reads the series, not this text: its size does not depend on it.
      run.model.task === 'forecast'
        ? this.capacity({ ...this.forecastShape(), ...run.model }, run)
        : this.capacity({ vocabSize: V, ...run.model }, run, split),
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

  /**
   * New settings, and when `compare` is given a new set of models compared
   * beside the first ([] for none): all are rebuilt from the seed, or none
   * when the set cannot train here (configError says why).
   */
  async configure(next: RunConfig, compare?: CompareSettings[]): Promise<void> {
    const others = compare ?? this.compare;
    try {
      validateModelConfig({ ...placeholderShape(next.model), ...next.model });
      validateTrainConfig(next.train);
      if (others.length >= MAX_COMPARED) {
        throw new Error(`at most ${MAX_COMPARED} models can be compared`);
      }
      for (const m of others) {
        validateModelConfig({ ...placeholderShape(m), ...modelSettingsOf(m) });
        validateTrainConfig(trainConfigOf(next.train, m));
      }
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
      await this.planSet(V, [next.model, ...others], next, split);
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
      await this.configure(DEFAULT_RUN_CONFIG, []);
      return;
    }
    if (this.corpus && split) {
      // A forecast reads the series: the text need not fit its window.
      const readsText = [next.model, ...others].some((m) => m.task !== 'forecast');
      const problem = readsText ? misfit(split, this.corpus.corpus.tokens.length, next) : null;
      if (problem) {
        this.post({ type: 'configError', message: problem, config: this.config });
        return;
      }
      this.corpus = { ...this.corpus, split };
    }
    if (this.series && [next.model, ...others].some((m) => m.task === 'forecast')) {
      try {
        this.checkSeries(this.series, next.train);
      } catch (error) {
        this.post({ type: 'configError', message: messageOf(error), config: this.config });
        return;
      }
    }
    this.config = next;
    // A new set of models: the first is shown again (the index selected may name another model).
    if (JSON.stringify(others) !== JSON.stringify(this.compare)) this.selected = 0;
    this.compare = others.slice();
    await this.rebuild();
  }

  /**
   * The engine of each model of a set (capacity), checked together too
   * (compareCapacity.ts); throws CapacityError, naming the model, when the
   * set cannot train here.
   */
  private async planSet(
    V: number,
    settings: CompareSettings[],
    run: RunConfig,
    split?: Split,
  ): Promise<CapacityPlan[]> {
    const plans: CapacityPlan[] = [];
    const shapeOf = (m: CompareSettings): ModelConfig => ({
      ...(m.task === 'forecast' ? this.forecastShape() : { vocabSize: V }),
      ...modelSettingsOf(m),
    });
    for (const [k, m] of settings.entries()) {
      try {
        plans.push(await this.capacity(shapeOf(m), run, split));
      } catch (error) {
        if (!(error instanceof CapacityError) || k === 0) throw error;
        throw new CapacityError(`model ${k + 1} (${modelLabel(m)}): ${error.message}`);
      }
    }
    const shapes = settings.map((m) => ({
      model: shapeOf(m),
      seqLen: run.train.seqLen,
      batchSize: run.train.batchSize,
      ...(split ? { validationTokens: split.validation.length } : {}),
    }));
    const device: DeviceReport = run.backend === 'cpu' ? { webgpu: false } : await this.device;
    checkTogether(shapes, plans, device, deviceMemoryGiB());
    return plans;
  }

  /** A forecast model's data shape: the series in use's columns (one each way before one is loaded). */
  private forecastShape(): Pick<ModelConfig, 'vocabSize' | 'seriesInputs' | 'seriesOutputs'> {
    const layout = this.series?.layout;
    return {
      vocabSize: 0,
      seriesInputs: layout?.inputColumns.length ?? 1,
      seriesOutputs: layout?.targetColumns.length ?? 1,
    };
  }

  /**
   * What each model of `settings` reads (taskData.ts), or null when the data
   * one of them needs is not loaded yet (no corpus, no series).
   */
  private inputsFor(settings: CompareSettings[], valFraction: number): TaskInput[] | null {
    const needsText = settings.some((m) => m.task !== 'forecast');
    const needsSeries = settings.some((m) => m.task === 'forecast');
    if ((needsText && !this.corpus) || (needsSeries && !this.series)) return null;
    return settings.map((m) => this.taskInputs.of(m.task, this.corpus, this.series, valFraction));
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

  /**
   * The live settings (configSchema.ts), from the next step: the optimizer's
   * for every model, the regularisation for those without their own (a
   * compared model's own is what it is compared for, so it stays).
   */
  setLive({ optimizer, regularization }: LiveSettings): void {
    if (this.config) {
      this.config = { ...this.config, train: { ...this.config.train, optimizer, regularization } };
    }
    for (const m of this.models) {
      m.trainer.setOptimizer(optimizer);
      if (!m.regularization) m.trainer.setRegularization(regularization);
    }
    // The page names each compared model's regularisation (its legend).
    if (this.models.length > 1) this.postModels();
  }

  setProbe(text: string): void {
    this.probeText = text;
    for (const m of this.models) m.trainer.setProbe(text);
  }

  setProbeRows(fromRow: number | null): void {
    this.probeFromRow = fromRow;
    for (const m of this.models) m.trainer.setProbeRows(fromRow);
  }

  /** Train: every model of the set, taking turns. */
  start(): void {
    for (const m of this.models) m.trainer.start();
  }

  pause(): void {
    for (const m of this.models) m.trainer.pause();
  }

  /** One step of every model, so they stay at the same step count. */
  stepOnce(): void {
    for (const m of this.models) m.trainer.stepOnce();
  }

  /** Stops generation `id` wherever it runs (the selection may have changed since it began). */
  stopSample(id: number): void {
    for (const m of this.models) m.trainer.stopSample(id);
  }

  /** Makes model `index` of the set the one the page's panels act on. */
  select(index: number): void {
    const model = this.models[index];
    if (!model) {
      this.post({
        type: 'error',
        message: `there is no model ${index + 1} to select: ${this.models.length} in training`,
      });
      return;
    }
    this.selected = index;
    this.postModels();
    this.post(
      statusMessage({ ready: true, training: model.trainer.isTraining, step: model.trainer.step }),
    );
  }

  /**
   * New models on the current corpus and configuration, the compared ones
   * too: from the seed (a new run), or the first from `start`'s weights and,
   * when it restores one, a checkpoint; a model started so trains alone.
   */
  async rebuild(start?: ModelStart): Promise<void> {
    const { corpus, config } = this;
    if (start) this.compare = [];
    const settings: CompareSettings[] = config ? [config.model, ...this.compare] : [];
    // Derived before the models in use are given up: a text that leaves a tagger nothing
    // to train on is refused (CorpusError) and the old models go on as they were.
    const inputs = config && this.inputsFor(settings, config.train.valFraction);
    if (!config || !inputs) {
      await this.abandonModel();
      return;
    }
    // Before the models in use are given up: a set that no engine here can hold is refused
    // (CapacityError) and the old models go on as they were.
    const V = corpus?.corpus.vocab.size ?? RANGES.vocabSize[0];
    const plans = await this.planSet(V, settings, config, corpus?.split);
    await this.disposeModels();
    this.post(statusMessage({ building: true, step: 0 }));
    try {
      await this.build(inputs, config, settings, plans, start);
    } catch (error) {
      // The old model is gone and the new one failed (an allocation the estimate did not
      // foresee, a checkpoint that does not restore): never leave the page 'building'.
      await this.abandonModel();
      throw new Error(`the new model could not be built: ${messageOf(error)}`, { cause: error });
    }
  }

  /**
   * "Measure again": Auto's kept decisions for this adapter are forgotten and
   * the model in use is rebuilt, so Auto times the engines anew. A lone model
   * goes on from a checkpoint of where it is (as after a GPU failure); a
   * compared set starts again, as a new comparison does. Training goes on if
   * it was.
   */
  async remeasure(): Promise<void> {
    const [store, report] = await Promise.all([this.tuning(), this.device]);
    store.forget((key) => isDecisionOf(key, report));
    const trainer = this.trainer;
    if (!trainer || !this.config) return;
    const wasTraining = trainer.isTraining;
    this.pause();
    if (this.models.length === 1 && trainer.step > 0) {
      const { bytes } = await this.checkpoint();
      const snapshot = loadCheckpoint(bytes, { file: 'the model in use', requireCheckpoint: true });
      if (snapshot.kind !== 'checkpoint') throw new Error('the model in use has no training state');
      await this.rebuild(resumeFrom(snapshot, this.run));
    } else {
      await this.rebuild();
    }
    if (wasTraining) this.start();
  }

  private async disposeModels(): Promise<void> {
    const old = this.models;
    this.models = [];
    for (const m of old) await m.trainer.dispose();
  }

  /** Stops and frees every model (a closing worker, a test's end). */
  async dispose(): Promise<void> {
    await this.disposeModels();
  }

  /** Disposes the models in use, if any, and tells the page nothing can train. */
  async abandonModel(): Promise<void> {
    await this.disposeModels();
    this.postStatus(0, false);
  }

  private async build(
    inputs: TaskInput[],
    config: RunConfig,
    settings: CompareSettings[],
    plans: CapacityPlan[],
    start?: ModelStart,
  ): Promise<void> {
    const built: SessionModel[] = [];
    try {
      for (const [k, m] of settings.entries()) {
        const input = inputs[k];
        const model: ModelConfig = {
          vocabSize: input.vocabSize,
          ...modelSettingsOf(m),
          ...input.shape,
        };
        const from = k === 0 ? start : undefined;
        built.push(
          await this.buildModel(k, settings.length, input, config, model, plans[k], from, m),
        );
      }
    } catch (error) {
      for (const m of built) await m.trainer.dispose();
      throw error;
    }
    this.models = built;
    if (start || this.selected >= built.length) this.selected = 0;
    const first = built[0];
    this.post({
      type: 'model',
      backend: first.backend,
      parameters: first.parameters,
      config,
      runId: first.run.id,
      configSeq: this.configSeq,
    });
    if (this.afterNextModel) this.post(this.afterNextModel);
    this.afterNextModel = null;
    this.postModels();
    if (start?.restore) {
      const progress = first.history.asMessage(0, 0, 0);
      if (progress.train.length + progress.validation.length > 0) this.post(progress);
      await start.restore(first.trainer);
    }
    this.postStatus(this.trainer!.step, true);
    for (const m of built) {
      if (this.probeText) m.trainer.setProbe(this.probeText);
      if (this.probeFromRow !== null) m.trainer.setProbeRows(this.probeFromRow);
      m.trainer.begin();
    }
  }

  /** Model `index` of a set of `count`: its weights, engine and trainer. */
  private async buildModel(
    index: number,
    count: number,
    input: TaskInput,
    config: RunConfig,
    model: ModelConfig,
    plan: CapacityPlan,
    start?: ModelStart,
    /** A compared model's own regularisation, if it has one. */
    own?: { regularization?: RegularizationConfig },
  ): Promise<SessionModel> {
    const params = start?.params ?? initParams(model, new Rng(config.train.seed));
    // Filled in once the trainer exists; its callbacks read it only after that.
    const slot: { model?: SessionModel } = {};
    // Alone, the trainer runs as many steps per tick as its budget allows; compared, one step
    // per turn, and a turn only when no other model training is behind it.
    const corpus = this.corpus;
    // Recall is a next-character figure: only a language model on a delayed-recall text has it.
    const recall = input.task === 'lm' && corpus ? recallTaskOf(corpus.corpus) : null;
    const alone: TrainerOptions = { ...DEFAULT_TRAINER_OPTIONS, recall: recall ?? undefined };
    const options: TrainerOptions =
      count === 1
        ? alone
        : { ...alone, tickBudgetMs: 0, stepTurn: () => inTurn(slot.model, this.models) };
    const train = trainConfigOf(config.train, own ?? {});
    // Made before the engine: Auto times the engines on this model's own first window.
    const data = trainingBundleOf(
      input.vocab,
      trainingDataOf(input, corpus?.split, model, train, options, () => this.horizon),
      train,
      options,
    );
    const { backend, active } = await createBackend({
      model,
      params,
      run: config,
      plan,
      device: this.device,
      gpuFailure: this.fallback.failure,
      auto: {
        step: calibrationStep(data.batches, train),
        store: await this.tuning(),
        onMeasuring: () => this.post(statusMessage({ building: true, step: 0, calibrating: true })),
      },
    });
    let trainer: Trainer;
    try {
      trainer = new Trainer(
        backend,
        // Read with a text split only (a language model); a task's bundle carries its own.
        input.vocab,
        data,
        train,
        this.eventsOf(index, () => slot.model),
        options,
      );
    } catch (error) {
      backend.dispose();
      throw error;
    }
    const history = new LossHistory();
    if (index === 0) history.restore(start?.history);
    const entry: SessionModel = {
      index,
      trainer,
      run: start?.run ?? {
        id: newRunId(),
        name: `${dataName(input, corpus)} · ${model.layers}×${model.hiddenSize} ${CELLS[model.cell].label}`,
      },
      vocab: input.vocab,
      ...(input.series ? { series: input.series } : {}),
      history,
      backend: active,
      parameters: parameterCount(paramLayout(model)),
      ...(own?.regularization ? { regularization: own.regularization } : {}),
    };
    slot.model = entry;
    return entry;
  }

  /** Tells the page which models train and which is selected. */
  private postModels(): void {
    this.post({ type: 'models', models: this.models.map(describeModel), selected: this.selected });
  }

  /**
   * What the session does with model `index`'s events: its curves and
   * settings follow, and the page is told, the status only by the selected
   * model. A replaced model's last words (a tick that ends after the swap)
   * would overwrite the new model's status and curves on the page, so they
   * are dropped.
   */
  private eventsOf(index: number, entry: () => SessionModel | undefined): TrainingEvents {
    const current = (): SessionModel | null => {
      const model = entry();
      return model && this.models.includes(model) ? model : null;
    };
    const wire = trainingWire(
      (message) => {
        if (!current()) return;
        if (message.type === 'status' && index !== this.selected) return;
        this.post(message);
      },
      (error, wasTraining) => {
        const model = entry();
        if (model) this.onTrainerFailure(model, error, wasTraining);
      },
      index,
    );
    return {
      ...wire,
      metrics: (report) => {
        // Before it is posted: posting transfers (detaches) the loss arrays.
        current()?.history.add(report);
        wire.metrics(report);
      },
      rollback: (report) => {
        const model = current();
        if (model) this.afterRollback(model, report.toStep, report.learningRate);
        wire.rollback(report);
      },
    };
  }

  /**
   * Divergence rolled a model back: its curves follow, and for the first
   * model the learning rate of the settings (for checkpoints) too.
   */
  private afterRollback(model: SessionModel, toStep: number, learningRate: number): void {
    model.history.truncate(toStep);
    const config = this.config;
    if (!config || model.index !== 0) return;
    const optimizer = { ...config.train.optimizer, learningRate };
    this.config = { ...config, train: { ...config.train, optimizer } };
  }

  /** The vocabulary the selected model's checkpoints keep: the tokens it reads. */
  /**
   * What the selected model's checkpoints and exports say it reads: its
   * vocabulary (null for a forecast), a forecast's columns and normalisation
   * statistics, and the data's name and hash (the text's, or the series'
   * saved text: forecastData.ts seriesText).
   */
  async dataRecord(): Promise<{
    vocab: Vocabulary | null;
    series?: SeriesMetadata;
    name: string;
    sha256: string;
    /** What saved runs keep to resume it: the text, or the series as CSV text. */
    text: string;
  }> {
    const model = this.models[this.selected];
    if (!model) throw new Error('no model yet: load a corpus first');
    if (model.series && this.series) {
      const { text } = seriesText(this.series);
      const { names, layout, stats } = model.series;
      return {
        vocab: null,
        series: seriesMetadataOf(names, layout, stats),
        name: this.series.name,
        sha256: await sha256Hex(text),
        text,
      };
    }
    const corpus = this.corpus;
    if (!corpus) throw new Error('no model yet: load a corpus first');
    return {
      vocab: model.vocab,
      name: corpus.name,
      sha256: corpus.sha256,
      text: corpus.corpus.text,
    };
  }

  /** The whole training state as checkpoint bytes, taken between two steps. */
  async checkpoint(): Promise<{ bytes: Uint8Array; step: number }> {
    const { trainer, config, run } = this;
    if (!trainer || !config) throw new Error('no model yet: load a corpus first');
    const data = await this.dataRecord();
    return trainer.exclusive(async (backend, batcher) => {
      const progress = trainer.progress;
      const bytes = await captureCheckpoint(backend, batcher, {
        earlyStopping: trainer.earlyStoppingState,
        // The trainer's optimizer: a rollback just before this capture halved its rate.
        // And its regularisation: a compared model's own, when it has one.
        train: {
          ...config.train,
          optimizer: trainer.optimizerConfig,
          regularization: trainer.regularizationConfig,
        },
        vocab: data.vocab,
        ...(data.series ? { series: data.series } : {}),
        corpusSha256: data.sha256,
        extra: {
          runName: run.name,
          corpusName: data.name,
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

  /**
   * A copy of the weights (arena layout) and the model they belong to: the
   * latest, or those of the best validation so far when `which` is 'best'
   * and there are any (`best` then says their step and validation loss).
   */
  async weights(which: ExportWeights = 'latest'): Promise<ExportedWeights> {
    const trainer = this.trainer;
    if (!trainer) throw new Error('no model yet: load a corpus first');
    return trainer.exclusive(async (backend) => {
      const best = trainer.earlyStoppingState;
      // When the best is the model as it is (paused on its validation step), the export
      // is the model as it is, named as always: the page offers the choice only then too.
      const bestIsOlder = backend.bestStep !== null && backend.bestStep !== backend.step;
      if (which === 'best' && bestIsOlder && best.bestLoss !== null) {
        const params = await backend.getBestParams();
        if (params) {
          return {
            model: backend.model,
            params,
            step: backend.bestStep,
            best: { step: backend.bestStep, loss: best.bestLoss },
          };
        }
      }
      return { model: backend.model, params: await backend.getParams(), step: backend.step };
    });
  }

  private postStatus(step: number, ready: boolean): void {
    this.post(statusMessage({ ready, training: false, step }));
  }

  /**
   * A trainer stopped on an error: a lone model's GPU failure goes to the CPU
   * (gpuFallback.ts); the rest is said, naming the model in a comparison,
   * whose other models go on.
   */
  private onTrainerFailure(failed: SessionModel, error: unknown, wasTraining: boolean): void {
    if (!this.models.includes(failed)) return;
    const alone = this.models.length === 1;
    if (alone && this.fallback.takeOver(failed.trainer, error, wasTraining)) return;
    const who = alone
      ? ''
      : `model ${failed.index + 1} (${modelLabel(modelSettingsOf(failed.trainer.backend.model))}) stopped: `;
    this.post({ type: 'error', message: who + messageOf(error) });
    if (failed.index === this.selected) this.postStatus(failed.trainer.step, true);
  }
}

/** How a run's name calls what it trains on: the text, or its derived task. */
function dataName(input: TaskInput, corpus: LoadedCorpus | null): string {
  if (input.series) return input.series.name;
  const name = corpus?.name ?? '';
  return isTaggingTask(input.task) ? `${name} (${input.task})` : name;
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
      if (snapshot.earlyStopping) trainer.restoreEarlyStopping(snapshot.earlyStopping);
      trainer.restoreProgress({
        epoch: Number(extra.epoch) || 0,
        elapsedMs: Number(extra.elapsedMs) || 0,
      });
    },
  };
}
