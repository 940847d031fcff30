// The page's side of the worker: starts it (and restarts it through
// recovery.ts when it dies or hangs), posts commands, and routes its messages
// into the store (and the hot metrics into metrics.ts).

import type { EngineMessage, RunStatus, UiMessage } from '../worker/protocol';
import { onCorpusAccepted, onCorpusRefused, onStaleCorpusAnswer } from './corpusActions';
import { downloadFiles } from './download';
import { useApp } from './app';
import { mostVariedUnit } from './gatesSlice';
import { metrics } from './metrics';
import { onResumeAnswer, recoverEngine, takeRecoveryNotice } from './recovery';
import { testHooks } from './testHooks';
import { writeHash } from './urlHash';
import { Watchdog } from './watchdog';

let worker: Worker | null = null;
let watchdog: Watchdog | null = null;
/** Probe texts chosen for corpora sent but not yet accepted, by id (undefined: derive one). */
const pending = new Map<number, string | undefined>();
/** Files of imports in flight, by id: kept to retry one with the file's vocabulary. */
const imports = new Map<number, File[]>();
let lastCorpusId = 0;

/** A fresh id for a corpus the page asks for; answers to older ids are stale. */
export function newCorpusId(): number {
  return ++lastCorpusId;
}

export function send(message: UiMessage): void {
  if (stopped) return; // the page said to reload: a blank worker would only mislead
  (worker ?? startWorker()).postMessage(message);
}

function startWorker(): Worker {
  const started = new Worker(new URL('../worker/main.ts', import.meta.url), {
    type: 'module',
    // The worker accepts injected faults only under this name (testHooks.ts).
    name: testHooks.enabled ? 'gatescope-engine:test-hooks' : 'gatescope-engine',
  });
  const dog = new Watchdog(
    (id) => started.postMessage({ type: 'ping', id } satisfies UiMessage),
    (why) => recoverEngine(why),
    () => useApp.getState().status.training,
    testHooks.watchdog,
  );
  started.onmessage = (event: MessageEvent<EngineMessage>) => {
    // Messages a replaced worker sent before it was ended describe a model that is gone.
    if (worker !== started) return;
    dog.heard();
    watchProgress(dog, event.data);
    receive(event.data);
  };
  // An exception outside every handler leaves the worker in an unknown state: start afresh.
  started.onerror = (event) => {
    event.preventDefault();
    if (worker !== started) return;
    recoverEngine(`an error escaped it: ${event.message || 'unknown error'}`);
  };
  started.onmessageerror = () => {
    if (worker === started) recoverEngine('a message from it could not be read');
  };
  dog.start();
  worker = started;
  watchdog = dog;
  return started;
}

/** What a message tells the watchdog about training progress and step time. */
function watchProgress(dog: Watchdog, message: EngineMessage): void {
  if (message.type === 'model') dog.newModel();
  if (message.type === 'metrics' || message.type === 'status') dog.progressed();
  if (message.type === 'metrics' && message.tokensPerSecond > 0) {
    const { seqLen, batchSize } = useApp.getState().config.train;
    dog.measuredStep((1000 * seqLen * batchSize) / message.tokensPerSecond);
  }
}

/** Set once the page gave up restarting the worker: nothing more is sent. */
let stopped = false;

/** Ends the worker (dead, stuck or misbehaving); the next send starts a new one unless `forGood`. */
export function stopWorker(forGood = false): void {
  watchdog?.stop();
  worker?.terminate();
  watchdog = null;
  worker = null;
  stopped = forGood;
}

/** The probe text to switch to once corpus `id` is accepted (none: one from its first line). */
export function rememberPending(id: number, probe?: string): void {
  pending.set(id, probe);
}

export function rememberImport(id: number, files: File[]): void {
  imports.set(id, files);
}

/** A probe text for a corpus of the person's own: its first line or so. */
function probeFrom(text: string): string {
  const start = text.trimStart();
  const firstLines = start.slice(0, 200).split('\n').slice(0, 2).join('\n');
  return [...firstLines].slice(0, 80).join('');
}

/** Up to and including the first space, at most 12 characters; never empty for a non-empty text. */
function firstWord(text: string): string {
  const chars = [...text.trimStart()];
  const space = chars.indexOf(' ');
  return chars.slice(0, space >= 0 && space < 12 ? space + 1 : 12).join('');
}

function sameStatus(a: RunStatus, b: RunStatus): boolean {
  return (
    a.ready === b.ready &&
    a.building === b.building &&
    a.training === b.training &&
    a.step === b.step
  );
}

function receive(message: EngineMessage): void {
  const state = useApp.getState();
  switch (message.type) {
    case 'device':
      useApp.setState({ device: message.report });
      break;
    case 'corpus': {
      const chosen = pending.get(message.id);
      pending.delete(message.id);
      if (message.id !== state.pendingCorpusId) {
        onStaleCorpusAnswer(message.id);
        break;
      }
      const probe = chosen ?? message.probe ?? probeFrom(message.preview);
      useApp.setState({
        active: message.stats,
        activePreview: message.preview,
        loading: null,
        corpusError: null,
      });
      onCorpusAccepted(message.id);
      const known = new Set(message.stats.vocabulary);
      if ([...state.prime].some((ch) => !known.has(ch))) {
        // The old prime cannot be fed to this model: start from this corpus's first word.
        useApp.setState({ prime: firstWord(probe) });
      }
      if (probe && probe !== state.probeText) {
        useApp.setState({ probeText: probe });
        send({ type: 'setProbe', text: probe });
      }
      break;
    }
    case 'corpusProgress':
      if (message.id !== state.pendingCorpusId || !state.loading) break;
      useApp.setState({
        loading: { ...state.loading, loaded: message.loaded, total: message.total },
      });
      break;
    case 'corpusError':
      pending.delete(message.id);
      if (message.id !== state.pendingCorpusId) {
        onStaleCorpusAnswer(message.id);
        break;
      }
      useApp.setState({ loading: null, corpusError: message.message });
      onCorpusRefused(message.id, message.message);
      break;
    case 'model':
      metrics.clear();
      writeHash(message.config);
      useApp.setState({
        modelRunId: message.runId,
        backend: message.backend,
        parameters: message.parameters,
        config: message.config,
        snapshot: null,
        // A restarted engine's first model says how it was restarted; any other clears the error.
        engineError: takeRecoveryNotice(),
        // A generation in progress ended with the old model.
        sampleId: null,
        layer: Math.min(state.layer, message.config.model.layers - 1),
        unit: Math.min(state.unit, message.config.model.hiddenSize - 1),
        unitPinned: false,
      });
      break;
    case 'configError':
      useApp.setState({
        engineError: `settings not applied: ${message.message}`,
        configRevision: state.configRevision + 1,
        ...(message.config ? { config: message.config } : {}),
      });
      break;
    case 'status':
      if (!sameStatus(state.status, message.status)) useApp.setState({ status: message.status });
      break;
    case 'metrics':
      metrics.append(message);
      break;
    case 'probe': {
      const layer = message.layers[Math.min(state.layer, message.layers.length - 1)];
      const unit =
        state.unitPinned || !layer
          ? state.unit
          : mostVariedUnit(layer[state.textGate], message.chars.length, message.hidden, state.unit);
      useApp.setState({ snapshot: message, probeError: null, unit });
      break;
    }
    case 'probeError':
      useApp.setState({ probeError: message.message });
      break;
    case 'sample':
      if (message.id !== state.sampleId) break;
      useApp.setState({
        sampleText: state.sampleText + message.text,
        sampleId: message.done ? null : state.sampleId,
      });
      break;
    case 'sampleError':
      if (message.id !== state.sampleId) break;
      useApp.setState({ sampleError: message.message, sampleId: null });
      break;
    case 'error':
      useApp.setState({ engineError: message.message });
      break;
    case 'rollback': {
      metrics.truncate(message.toStep);
      // The engine halved the learning rate: the settings show the one in use.
      const config = state.config && {
        ...state.config,
        train: {
          ...state.config.train,
          optimizer: { ...state.config.train.optimizer, learningRate: message.learningRate },
        },
      };
      if (config) writeHash(config);
      useApp.setState({
        engineError: message.message,
        // Re-keys the settings form, so the learning-rate field shows the new value.
        configRevision: state.configRevision + 1,
        ...(config ? { config } : {}),
      });
      break;
    }
    case 'exported':
      downloadFiles(message.files);
      useApp.setState({ exporting: null, exportError: null });
      break;
    case 'exportError':
      useApp.setState({ exporting: null, exportError: message.message });
      break;
    case 'imported':
      if (message.id === 0 && onResumeAnswer(message.summary)) break;
      imports.delete(message.id);
      useApp.setState({
        importId: 0,
        adoptOffer: null,
        resumeOffer: null,
        importNotice: { ok: true, text: message.summary },
      });
      break;
    case 'importError': {
      if (message.id === 0 && onResumeAnswer(null, message.message)) break;
      const files = imports.get(message.id);
      imports.delete(message.id);
      useApp.setState({
        importId: 0,
        adoptOffer: message.adoptable && files ? { files, message: message.message } : null,
        importNotice: message.adoptable ? null : { ok: false, text: message.message },
      });
      break;
    }
    case 'runs':
      useApp.setState({
        savedRuns: message.runs,
        currentRunId: message.current,
        storage: message.storage,
        saveProblem: message.storage.problem ?? null,
        ...(state.runsListed
          ? {}
          : { runsListed: true, resumeOffer: message.runs.find((r) => !r.damaged) ?? null }),
      });
      break;
    case 'saved':
      useApp.setState({
        // Saves are of the run this tab trains (a copy of another tab's run saves under its own id).
        modelRunId: message.run.id,
        lastSave: { step: message.run.step, at: Date.now() },
        saveProblem: null,
        currentRunId: message.run.id,
      });
      break;
    case 'saveError':
      useApp.setState({ saveProblem: message.message });
      break;
    case 'pong':
      break; // the watchdog heard it
  }
}
