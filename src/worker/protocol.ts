// Typed messages between the page and the engine worker. The page never calls
// the engine directly: it posts a UiMessage and reacts to EngineMessages, so
// a slow step (CPU) or a GPU wait can never block the main thread.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers; P length of the probe text in characters.

import type { ModelConfig, OptimizerConfig, RegularizationConfig } from '../engine/config';
import type { RunConfig } from '../engine/configSchema';
import type { SampleRequest } from '../engine/sampleRequest';
import { CELLS } from '../engine/cells';
import type { ProbeSnapshot } from '../engine/snapshot';
import type {
  BestReport,
  DiagnosticsReport,
  EarlyStopReport,
  ForecastReport,
  MetricsReport,
  RecallReport,
  RollbackReport,
  TaskScoresReport,
} from '../engine/training/events';
import type { BuiltinSeries } from '../series/generators';
import type { SeriesLayout } from '../series/windows';

export type { SampleRequest } from '../engine/sampleRequest';
export type { ProbeLayer } from '../engine/snapshot';

/**
 * What the export buttons offer: three weight formats, the full training state,
 * and a PyTorch project that continues the run (src/io/project).
 */
export const EXPORT_CHOICES = [
  'safetensors',
  'vocab',
  'onnx',
  'tfjs',
  'checkpoint',
  'pytorch-project',
] as const;
export type ExportChoice = (typeof EXPORT_CHOICES)[number];

/** Which weights an export writes: those of the best validation so far, or the latest. */
export const EXPORT_WEIGHTS = ['best', 'latest'] as const;
export type ExportWeights = (typeof EXPORT_WEIGHTS)[number];

/**
 * The faults a browser test may inject: an exception outside every handler,
 * an endless loop, or the worker closing itself.
 */
export const TEST_FAULTS = ['throw', 'hang', 'exit'] as const;
export type TestFault = (typeof TEST_FAULTS)[number];

/** A file made in the worker for the page to download. */
export interface DownloadFile {
  name: string;
  mimeType: string;
  bytes: Uint8Array;
}

/** A run saved in the browser, as the saved-runs list shows it. */
export interface SavedRun {
  id: string;
  name: string;
  /** Milliseconds since the epoch. */
  updatedAt: number;
  step: number;
  model: ModelConfig;
  corpusLength: number;
  checkpointBytes: number;
  lastLoss?: number;
  /**
   * Set when the record cannot be resumed (incomplete, or its checkpoint does
   * not load), saying why; then only id, name and updatedAt are meaningful and
   * the page offers Delete alone.
   */
  damaged?: string;
}

export interface StorageReport {
  /** False when this browser offers no IndexedDB (private windows of some browsers). */
  available: boolean;
  usage?: number;
  quota?: number;
  /** Why saving is off or the last save failed. */
  problem?: string;
  /** Whether the browser keeps these runs under storage pressure (navigator.storage.persisted()). */
  persisted?: boolean;
  /** Something about saving the person should know that is not a failure (a run continued as a copy). */
  notice?: string;
}

/** The run configuration and its backend choice, declared setting by setting in the engine. */
export type { BackendPreference, RunConfig } from '../engine/configSchema';

/** A model's own settings (cell, E, H, L); V comes from the corpus. */
export type ModelSettings = RunConfig['model'];

/**
 * A model compared beside the first: its settings and, when it has its own,
 * the regularisation (dropout, its masks, early-stopping patience) it trains
 * with instead of the run's, so "no dropout" and "dropout 0.3" train side by
 * side on the same text and seed. Without one it follows the run's, live.
 */
export type CompareSettings = ModelSettings & { regularization?: RegularizationConfig };

/** Most models trained side by side in one comparison, the first included. */
export const MAX_COMPARED = 3;

/** One model of the session's set (a comparison, or the one model trained alone). */
export interface ComparedModel {
  model: ModelSettings;
  parameters: number;
  backend: ActiveBackend;
  /** The saved-run id it is trained (and saved, while selected) under. */
  runId: string;
  name: string;
  /** The regularisation it trains with now: its own, or the run's it follows. */
  regularization: RegularizationConfig;
  /** True when `regularization` is its own (a compared model's override), not the run's. */
  ownRegularization: boolean;
}

/**
 * Where a series comes from: pasted CSV text, a dropped file (read and parsed
 * in the worker), or a built-in generated series.
 */
export type SeriesSource =
  | { kind: 'text'; text: string }
  | { kind: 'file'; file: File }
  | { kind: 'builtin'; series: BuiltinSeries };

/** One column of a loaded series, as the column chooser lists it. */
export interface SeriesColumnInfo {
  name: string;
  /** Missing or non-numeric cells: how many, and the first few messages (row and column named). */
  problems: number;
  messages: string[];
}

/** Errors of a naive one-step baseline on the validation split, normalised, averaged over the targets. */
export interface BaselineScores {
  mse: number;
  mae: number;
}

/** Most rows of a forecast chart's rollout (setHorizon). */
export const MAX_HORIZON = 1000;

/** A series in use for the forecast task (the 'series' message). */
export interface SeriesStats {
  name: string;
  /** N: data rows. */
  rows: number;
  trainRows: number;
  validationRows: number;
  /** The numeric columns; SeriesLayout indexes into this list. */
  columns: SeriesColumnInfo[];
  /** The columns the model reads and the ones it forecasts. */
  layout: SeriesLayout;
  /** Columns left out as not numeric (dates, labels) and file-wide problems (ragged rows, an open quote). */
  notes: string[];
  /**
   * The baselines a forecast has to beat, averaged over the target columns as
   * the model's scores are; the seasonal one only when every target has a
   * season (`periods`: each target's P).
   */
  baselines: {
    lastValue: BaselineScores;
    seasonal: (BaselineScores & { periods: number[] }) | null;
    /** (Co) Each target's own, in the layout's order; its seasonal one when it has a season. */
    perTarget: {
      lastValue: BaselineScores;
      seasonal: (BaselineScores & { period: number }) | null;
    }[];
  };
  /** Rows the N-step rollout runs for. */
  horizon: number;
}

export type UiMessage =
  /** `probe`: the probe text chosen for this text (a built-in corpus's); else the worker picks one. */
  | { type: 'setCorpus'; id: number; name: string; text: string; probe?: string }
  /** A dropped or picked file, read in the worker so the page never stalls on it. */
  | { type: 'loadCorpusFile'; id: number; file: File }
  /**
   * `compare`: the other models of a comparison (at most MAX_COMPARED − 1),
   * each trained beside the first on the same corpus, seed and training
   * settings (its own regularisation, when it has one, instead of the run's);
   * [] ends the comparison; absent keeps the current set. `seq`: the page's
   * count of its configure messages, echoed by every later 'model' as
   * `configSeq`, so the page can tell a build of settings it has since
   * replaced from the current one (absent: not counted).
   */
  | { type: 'configure'; config: RunConfig; compare?: CompareSettings[]; seq?: number }
  /** The model of a comparison (0 = the first) that samples, gates, exports and saves act on. */
  | { type: 'select'; model: number }
  | { type: 'train' }
  | { type: 'pause' }
  | { type: 'step' }
  | { type: 'reset' }
  /**
   * The live settings (configSchema.ts `live`: the optimizer's, the LR
   * schedule, regularisation) apply from the next step; no reset.
   */
  | { type: 'setLive'; optimizer: OptimizerConfig; regularization: RegularizationConfig }
  | { type: 'setProbe'; text: string }
  /** A forecast's gates: the stretch of the series starts at data row `from` (0-based; null: the first validation row). */
  | { type: 'setProbeRows'; from: number | null }
  /**
   * The series of the forecast task: parsed and checked in the worker, which
   * answers with 'series' (or 'seriesError', keeping the series in use).
   * `layout` chooses the columns (default: the last numeric column is the
   * target and the only input). A model is built for it when the task is
   * 'forecast', as a new corpus rebuilds a text model.
   */
  | { type: 'loadSeries'; id: number; name: string; source: SeriesSource; layout?: SeriesLayout }
  /** Other columns of the series in use: a fresh model (Ci and Co change); answered with 'series'. */
  | { type: 'setSeriesLayout'; layout: SeriesLayout }
  /** Rows of the forecast chart's autoregressive rollout (1 … 1000); answered with 'series'. */
  | { type: 'setHorizon'; rows: number }
  | { type: 'sample'; request: SampleRequest }
  | { type: 'stopSample'; id: number }
  /**
   * `weights`: the weights of the best validation so far (the default the page
   * offers, when there are any) or the latest; a checkpoint holds both.
   */
  | { type: 'export'; id: number; choice: ExportChoice; weights: ExportWeights }
  /**
   * Weights or a checkpoint (.safetensors, with vocab.json if it has no
   * vocabulary; or an exported PyTorch .zip holding them). `adoptVocabulary` re-encodes the corpus with the file's
   * vocabulary, after the person agreed to it. A corpus the worker sends back
   * for this import carries `corpusId`.
   */
  | { type: 'import'; id: number; corpusId: number; files: File[]; adoptVocabulary: boolean }
  | { type: 'listRuns' }
  /**
   * `takeOver`: the page restarted its own engine worker, whose hold on this
   * run may outlive it for a moment; the new worker takes the run over
   * rather than continuing it as a copy. `probe`: the probe text to keep
   * (the page's own), instead of the one the run was saved with.
   */
  | { type: 'resumeRun'; runId: string; corpusId: number; takeOver?: boolean; probe?: string }
  | { type: 'deleteRun'; runId: string }
  /** Save the run now (the page is being hidden or closed). */
  | { type: 'saveNow' }
  /**
   * Forget Auto's kept engine decisions for this adapter and measure again:
   * the model in use is rebuilt on the engine the new measurement picks, from
   * a checkpoint of where it is (a compared set from its start).
   */
  | { type: 'remeasure' }
  /** The page's watchdog: the worker answers with a pong at once, whatever it is doing. */
  | { type: 'ping'; id: number }
  /** Browser tests only (accepted by a worker started with the test-hooks name). */
  | { type: 'testFault'; fault: TestFault };

/** What the worker learned about WebGPU on this machine, once at start-up. */
export interface DeviceReport {
  webgpu: boolean;
  /** The adapter's vendor, architecture and description, when one was found. */
  adapterName?: string;
  /** The adapter's identity as the GPU autotune keys its choices (gpu/device.ts adapterKey). */
  adapterKey?: string;
  /** The adapter renders on the CPU (SwiftShader and the like, adapterKind.ts). */
  softwareAdapter?: boolean;
  /** Why WebGPU cannot be used, when it cannot. */
  reason?: string;
  /** The adapter's buffer limits in bytes, to refuse a model too large for it before building. */
  limits?: { maxBufferSize: number; maxStorageBufferBindingSize: number };
}

export interface ActiveBackend {
  kind: 'cpu' | 'webgpu';
  device: string;
  /** Set when WebGPU was wanted (Auto or WebGPU) but the CPU runs instead, and why. */
  fallbackReason?: string;
  /**
   * How Auto chose between two engines that could both train the model: timed
   * here just now ('measured', engine/calibration.ts) or on an earlier build
   * or visit of the same shape on the same adapter ('cached').
   */
  auto?: AutoChoice;
}

/** One Auto calibration's outcome (worker/tuningStore.ts keeps them per adapter and shape). */
export interface EngineDecision {
  pick: 'cpu' | 'webgpu';
  /** How many times faster the pick was than the other engine (≥ 1; a lower bound when `cut`). */
  speedup: number;
  /** The other engine's step was not waited for: its figure is a lower bound. */
  cut: boolean;
  /** ms per training step of each engine (the cut one's a lower bound). */
  ms: { cpu: number; webgpu: number };
  /** Wall time of the calibration, ms. */
  calibrationMs: number;
  /** When it was measured (Date.now()). */
  at: number;
}

export interface AutoChoice extends EngineDecision {
  source: 'measured' | 'cached';
}

export interface CorpusStats {
  name: string;
  /** Characters (code points) after normalisation. */
  chars: number;
  vocabSize: number;
  trainChars: number;
  validationChars: number;
  /** The vocabulary as one string, sorted by code point. */
  vocabulary: string;
}

export interface RunStatus {
  /** No corpus or no model yet: nothing can train. */
  ready: boolean;
  /** A model is being (re)built. */
  building: boolean;
  training: boolean;
  step: number;
  /** While building: Auto is timing both engines on this model (backendChoice.ts). */
  calibrating?: boolean;
}

/** New losses since the previous metrics message, plus the running figures. */
export interface MetricsMessage extends MetricsReport {
  type: 'metrics';
  /** The model of the session's set it is about (ComparedModel index); absent = 0. */
  model?: number;
}

export interface ProbeMessage extends ProbeSnapshot {
  type: 'probe';
  /** As in MetricsMessage. */
  model?: number;
}

/**
 * Gradient flow and gate saturation at one snapshot (DiagnosticsReport). Its
 * arrays are a few hundred floats: copied, not transferred. `model` is the
 * index of the model in a compare run; absent means 0 (the only one).
 */
export interface DiagnosticsMessage extends DiagnosticsReport {
  type: 'diagnostics';
  model?: number;
}

export type EngineMessage =
  | { type: 'device'; report: DeviceReport }
  /**
   * A corpus in use; `preview` is its start, `probe` the probe text the
   * worker uses with it from now on (the one chosen for it, the one its
   * checkpoint saved, or its first line).
   */
  | { type: 'corpus'; id: number; stats: CorpusStats; preview: string; probe: string }
  | { type: 'corpusError'; id: number; message: string }
  | { type: 'corpusProgress'; id: number; loaded: number; total: number }
  /**
   * The series in use for forecasting (answer to loadSeries, setSeriesLayout,
   * setHorizon; also sent when a saved forecast run resumes). `id` is that of
   * the loadSeries that brought the series in (a resumed run's: the
   * resumeRun's corpusId). A 'model' follows when a model forecasts.
   */
  | { type: 'series'; id: number; stats: SeriesStats }
  /**
   * A series or column choice refused (bad CSV, no numeric column, a chosen
   * column with missing cells: row and column named, rows too few for B and
   * T); the series in use stays. `id`: the loadSeries', or for
   * setSeriesLayout / setHorizon the series in use's (0 when there is none).
   */
  | { type: 'seriesError'; id: number; message: string }
  /**
   * A model was built; `runId` is the saved-run id it is trained (and saved)
   * under; `configSeq` the `seq` of the last configure handled before it (0: none).
   */
  | {
      type: 'model';
      backend: ActiveBackend;
      parameters: number;
      config: RunConfig;
      runId: string;
      configSeq: number;
    }
  /**
   * The session's models, the first being the one `model` announced, after
   * every build and every change of selection; `selected` is the one the
   * status, samples, exports and saves are about.
   */
  | { type: 'models'; models: ComparedModel[]; selected: number }
  /** A configuration was refused; `config` is the one still in use (null before the first). */
  | { type: 'configError'; message: string; config: RunConfig | null }
  | { type: 'status'; status: RunStatus }
  | MetricsMessage
  | ProbeMessage
  | DiagnosticsMessage
  | { type: 'probeError'; message: string }
  | { type: 'sample'; id: number; text: string; done: boolean }
  | { type: 'sampleError'; id: number; message: string }
  | { type: 'error'; message: string }
  /** Divergence rolled the run back (RollbackReport says what the fields mean). */
  | ({ type: 'rollback'; model?: number } & RollbackReport)
  /**
   * A new best validation loss, whose weights the exports use by default
   * (BestReport); also sent when a resumed run's best is restored.
   */
  | ({ type: 'best'; model?: number } & BestReport)
  /** Early stopping paused the model and put its best weights back (EarlyStopReport). */
  | ({ type: 'earlyStopped'; model?: number } & EarlyStopReport)
  /** Recall accuracy on a delayed-recall text, with each validation run (RecallReport). */
  | ({ type: 'recall'; model?: number } & RecallReport)
  /**
   * Validation scores of a tagging or forecast model, with each validation run
   * (step 0 included): tagging over the whole held-out part, forecast over the
   * one-step predictions of every validation row (state built over the
   * oneStepWarmUp rows before them, src/series/forecast.ts).
   */
  | ({ type: 'taskScores'; model?: number } & TaskScoresReport)
  /**
   * The forecast chart's series of a forecast model (ForecastReport), at the
   * probe cadence (with each gate snapshot): at most 600 rows of actual and
   * one-step values, a rollout of min(horizon, validation rows) rows, and
   * the horizon past the last row when every input is a target.
   */
  | ({ type: 'forecast'; model?: number } & ForecastReport)
  /** One file per export: a multi-file export (model, vocabulary, README) comes zipped. */
  | { type: 'exported'; id: number; file: DownloadFile }
  | { type: 'exportError'; id: number; message: string }
  /** `summary` says what was loaded and how (exact resume, or weights with a fresh optimizer). */
  | { type: 'imported'; id: number; summary: string }
  /**
   * `adoptable` is set when every corpus character is in the file's vocabulary,
   * so the import can go on with the file's vocabulary if the person agrees.
   */
  | { type: 'importError'; id: number; message: string; adoptable: boolean }
  /** The saved runs, newest first; `current` is the run being trained, if it is saved. */
  | { type: 'runs'; runs: SavedRun[]; current: string | null; storage: StorageReport }
  | { type: 'saved'; run: SavedRun }
  | { type: 'saveError'; message: string; full: boolean }
  | { type: 'pong'; id: number };

/** The engine message of one type, for a handler of that type. */
export type EngineMessageOf<K extends EngineMessage['type']> = Extract<EngineMessage, { type: K }>;

/** The buffers of a message that can be transferred instead of copied. */
export function transferablesOf(message: EngineMessage): Transferable[] {
  switch (message.type) {
    case 'metrics':
      return [
        message.train.buffer,
        message.validation.buffer,
        ...(message.gradNorms ? [message.gradNorms.buffer] : []),
        ...(message.learningRates ? [message.learningRates.buffer] : []),
      ];
    case 'probe':
      return [
        message.nextCharProb.buffer,
        ...message.layers.flatMap((l) => CELLS[message.cell].signals.map((g) => l[g]!.buffer)),
      ];
    case 'exported':
      return [message.file.bytes.buffer as ArrayBuffer];
    default:
      return [];
  }
}
