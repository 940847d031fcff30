// The page's side of the wire, inbound: one small handler per message the
// engine worker posts (the table is typed by EngineMessage, so a message type
// without a handler does not compile). Handlers route; what to do about a
// corpus, a new model, a refused setting, a rollback or an import is decided
// in the modules they call (corpusInUse.ts, runActions.ts, fileActions.ts).
// A restart is not a message: engine.ts calls recovery.ts when the worker dies
// or hangs, and the restart's resume answer comes back through fileActions.ts.
// Data flows one way: worker → store → UI.

import type { EngineMessage, EngineMessageOf, RunStatus } from '../worker/protocol';
import { useApp } from './app';
import { onCorpusError, onCorpusInUse, onCorpusProgress } from './corpusInUse';
import { addDiagnostics, addGradNorms, truncateDiagnostics } from './diagnosticsSlice';
import { onExported, onImported, onImportFailed, onRunsListed, onSaved } from './fileActions';
import { onModels } from './compareActions';
import { addRecall, latestSnapshots, recallUpTo } from './compareSlice';
import { unitToShow } from './gatesSlice';
import { metrics } from './metrics';
import { onConfigRefused, onModelBuilt, onRollback } from './runActions';
import { withBest } from './runSlice';
import { addTaskScores, keptChartColumn, taskScoresUpTo, withForecast } from './taskSlice';

type Handlers = {
  [K in EngineMessage['type']]: (message: EngineMessageOf<K>) => void;
};

const set = useApp.setState;
const get = useApp.getState;

const handlers: Handlers = {
  device: (m) => set({ device: m.report }),
  corpus: onCorpusInUse,
  corpusProgress: onCorpusProgress,
  corpusError: onCorpusError,
  model: (m) => {
    onModelBuilt(m);
    set({
      diagnostics: {},
      recall: {},
      bestValidation: null,
      bestValidations: {},
      taskScores: {},
      forecasts: {},
    });
  },
  models: onModels,
  configError: onConfigRefused,
  status: (m) => {
    if (!sameStatus(get().status, m.status)) set({ status: m.status });
  },
  // The hot path: the charts read metrics.ts, not the store, so a report re-renders nothing else.
  metrics: (m) => {
    metrics.append(m);
    // The gradient norms go to the diagnostics panel alone, per model.
    if (m.gradNorms?.length) {
      set({ diagnostics: addGradNorms(get().diagnostics, m.model ?? 0, m.gradNorms) });
    }
  },
  diagnostics: (m) => set({ diagnostics: addDiagnostics(get().diagnostics, m) }),
  // Every model's latest snapshot is kept; the selected model's is shown.
  probe: (m) => {
    latestSnapshots.set(m.model ?? 0, m);
    if ((m.model ?? 0) === get().selectedModel) {
      set({ snapshot: m, probeError: null, unit: unitToShow(get(), m) });
    }
  },
  probeError: (m) => set({ probeError: m.message }),
  // Chunks of a generation the page no longer shows (stopped, replaced) are dropped.
  sample: (m) => {
    const { sampleId, sampleText } = get();
    if (m.id === sampleId) set({ sampleText: sampleText + m.text, sampleId: m.done ? null : m.id });
  },
  sampleError: (m) => {
    if (m.id === get().sampleId) set({ sampleError: m.message, sampleId: null });
  },
  error: (m) => set({ engineError: m.message }),
  rollback: (m) => {
    onRollback(m);
    set({
      diagnostics: truncateDiagnostics(get().diagnostics, m.toStep, m.model ?? 0),
      recall: recallUpTo(get().recall, m.model ?? 0, m.toStep),
      taskScores: taskScoresUpTo(get().taskScores, m.model ?? 0, m.toStep),
    });
  },
  recall: (m) => set({ recall: addRecall(get().recall, m) }),
  taskScores: (m) => set({ taskScores: addTaskScores(get().taskScores, m) }),
  forecast: (m) => set({ forecasts: withForecast(get().forecasts, m) }),
  series: (m) =>
    set({
      series: m.stats,
      seriesError: null,
      chartColumn: keptChartColumn(get().chartColumn, get().series, m.stats),
    }),
  seriesError: (m) => set({ seriesError: m.message }),
  // A rollback keeps the best (the engine keeps its weights): no truncation here.
  best: (m) => set(withBest(get(), m.model ?? 0, { step: m.step, loss: m.loss })),
  // Said where rollbacks are, naming a compared model.
  earlyStopped: (m) => {
    const model = m.model ?? 0;
    const name = get().compareModels[model]?.name;
    set({
      ...withBest(get(), model, { step: m.bestStep, loss: m.bestLoss }),
      engineError: model > 0 && name ? `${name}: ${m.message}` : m.message,
    });
  },
  exported: onExported,
  exportError: (m) => set({ exporting: null, exportError: m.message }),
  imported: onImported,
  importError: onImportFailed,
  runs: onRunsListed,
  saved: onSaved,
  saveError: (m) => set({ saveProblem: m.message }),
  pong: () => {}, // the watchdog heard it (engine.ts)
};

export function receive(message: EngineMessage): void {
  (handlers[message.type] as (message: EngineMessage) => void)(message);
}

function sameStatus(a: RunStatus, b: RunStatus): boolean {
  return (
    a.ready === b.ready &&
    a.building === b.building &&
    a.training === b.training &&
    a.step === b.step &&
    a.calibrating === b.calibrating
  );
}
