// When the engine worker dies or hangs (watchdog.ts, or an error that escaped
// it), the page starts a new one and carries the run on: from the run's latest
// save in this browser when there is one (at most the steps since that save
// are lost), otherwise with a fresh model on the same corpus; training goes
// on if it was training, and the person is told what happened. A worker that
// keeps dying is not restarted a fourth time within five minutes.

import { useApp } from './app';
import { resendLastCorpus, trainWaitsForCorpus } from './corpusActions';
import { newCorpusId, send, sendConfigure, stopWorker, trainUnconfirmed } from './engine';
import { resendLastSeries } from './seriesActions';

const MAX_RESTARTS = 3;
const RESTART_WINDOW_MS = 5 * 60_000;

/** When the recent restarts happened. */
const restarts: number[] = [];

/** A restart waiting for its saved run to be resumed. */
let resuming: { reason: string; wasTraining: boolean; fromStep: number } | null = null;
/** What the restarted engine's first model should tell the person (fresh-model restarts). */
let notice: string | null = null;

/** The notice for the model a restart built, once; null for every other model. */
export function takeRecoveryNotice(): string | null {
  const text = notice;
  notice = null;
  return text;
}

export function recoverEngine(reason: string): void {
  const now = performance.now();
  while (restarts.length > 0 && now - restarts[0] > RESTART_WINDOW_MS) restarts.shift();
  const giveUp = restarts.length >= MAX_RESTARTS;
  // Training, or about to: a Train the dead worker never confirmed (or one waiting for a corpus
  // it was checking) is the person's too, and goes on with the new worker.
  const wasTraining =
    useApp.getState().status.training || trainUnconfirmed() || trainWaitsForCorpus();
  stopWorker(giveUp);
  const state = useApp.getState();
  // Exports, imports and offers in flight died with the worker: their buttons come back.
  useApp.setState({ exporting: null, importId: 0, adoptOffer: null });
  if (giveUp) {
    resuming = null;
    useApp.setState({
      status: { ready: false, building: false, training: false, step: state.status.step },
      engineError:
        `the engine stopped again (${reason}), the ${MAX_RESTARTS + 1}th time within five ` +
        'minutes, so it was not restarted: reload the page to go on; saved runs are kept',
    });
    return;
  }
  restarts.push(now);

  const runId = state.modelRunId;
  const saved = runId !== null && state.savedRuns.some((run) => run.id === runId);
  useApp.setState({
    status: { ready: false, building: true, training: false, step: state.status.step },
    sampleId: null,
    engineError: `the engine stopped (${reason}); restarting it…`,
  });
  sendConfigure(state.config);
  if (saved) {
    resuming = { reason, wasTraining, fromStep: state.status.step };
    const corpusId = newCorpusId();
    useApp.setState({ pendingCorpusId: corpusId });
    // The gate view goes on with the text the person had, not the one the run was saved with.
    const probe = state.probeText ? { probe: state.probeText } : {};
    send({ type: 'resumeRun', runId, corpusId, takeOver: true, ...probe });
    // And a forecast's gates go on over the stretch the person chose.
    if (state.probeFromRow !== null) send({ type: 'setProbeRows', from: state.probeFromRow });
    return;
  }
  resuming = null;
  const corpus = resendLastData(wasTraining);
  notice =
    `the engine stopped (${reason}) and was restarted; this run had no save yet, so a fresh ` +
    `model starts on ${corpus}`;
}

/** What the fresh model trains on after a restart: the series of a forecast, else the text. */
function resendLastData(train: boolean): string {
  const forecast = useApp.getState().config.model.task === 'forecast';
  return (forecast ? resendLastSeries(train) : null) ?? resendLastCorpus(train);
}

/**
 * The answer to a restart's resume request (`summary` when it resumed,
 * `error` when it could not); false when no restart was waiting for one.
 */
export function onResumeAnswer(summary: string | null, error?: string): boolean {
  const waiting = resuming;
  if (!waiting) return false;
  resuming = null;
  if (summary !== null) {
    // The resumed model's status came before this answer: the step it resumed at.
    const lost = Math.max(0, waiting.fromStep - useApp.getState().status.step);
    const cost = lost === 1 ? 'the 1 step' : `the ${lost.toLocaleString('en-US')} steps`;
    useApp.setState({
      engineError:
        `the engine stopped (${waiting.reason}) and was restarted: ${summary}` +
        (lost > 0 ? `; ${cost} since that save were lost` : ''),
    });
    if (waiting.wasTraining) send({ type: 'train' });
    return true;
  }
  const corpus = resendLastData(waiting.wasTraining);
  notice =
    `the engine stopped (${waiting.reason}) and was restarted, but its last save could not be ` +
    `resumed (${error ?? 'unknown error'}), so a fresh model starts on ${corpus}`;
  return true;
}
