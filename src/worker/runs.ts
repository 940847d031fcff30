// Saved runs in the engine worker: the checkpoint and corpus of the run in
// training go to IndexedDB every few seconds while it trains, when it pauses
// and when the page is hidden; the page lists the saved runs, resumes one
// exactly or deletes it. Storage that is missing or full turns saving off
// with a message; training never waits for it.
//
// Dimension legend: none (whole checkpoints and texts).

import type { EngineMessage, SavedRun, StorageReport } from '../engine/protocol';
import { messageOf } from '../engine/trainer';
import {
  createAutosaver,
  loadCheckpoint,
  NonFiniteWeightsError,
  openRunStore,
  StorageFullError,
  type Autosaver,
  type RunInfo,
  type RunStore,
} from '../io';
import { resumeCheckpoint } from './files';
import type { Session } from './session';

/** Time between two saves while training. */
const AUTOSAVE_MS = 5000;

export class RunKeeper {
  private readonly store: Promise<RunStore | null>;
  private readonly saver: Promise<Autosaver | null>;
  /** Why runs cannot be saved, or why the last save failed. */
  private problem: string | undefined;
  /** What was saved last, so a pause right after a save does not write the same run again. */
  private lastSaved = { runId: '', step: -1 };
  /** Set while saves are skipped because the model is not finite, so that is said once. */
  private skippingDiverged = false;

  constructor(
    private readonly session: Session,
    private readonly post: (message: EngineMessage) => void,
    openStore: () => Promise<RunStore> = () => openRunStore(),
  ) {
    this.store = openStore().catch((error) => {
      this.problem = `runs cannot be saved in this browser (${messageOf(error)})`;
      return null;
    });
    this.saver = this.store.then((store) =>
      store
        ? createAutosaver({
            store,
            intervalMs: AUTOSAVE_MS,
            capture: () => this.capture(),
            onSaved: (info) => {
              this.lastSaved = { runId: info.id, step: info.step };
              this.problem = undefined;
              this.skippingDiverged = false;
              this.post({ type: 'saved', run: savedRun(info) });
              void this.list();
            },
            onError: (error) => {
              const full = error instanceof StorageFullError;
              this.problem = full ? error.message : `autosave failed: ${error.message}`;
              this.post({ type: 'saveError', message: this.problem, full });
            },
          })
        : null,
    );
  }

  /** Training started: save every few seconds. */
  start(): void {
    void this.saver.then((saver) => saver?.start());
  }

  /** Training paused (or the page is going away): save now, and stop the timer on pause. */
  async saveNow(stop: boolean): Promise<void> {
    const saver = await this.saver;
    if (!saver) return;
    if (stop) saver.stop();
    await saver.saveNow();
  }

  /** Posts the saved runs and how much storage they use. */
  async list(): Promise<void> {
    const store = await this.store;
    let runs: RunInfo[] = [];
    if (store) {
      try {
        runs = await store.listRuns();
      } catch (error) {
        this.problem = messageOf(error);
      }
    }
    const current = runs.some((r) => r.id === this.session.run.id) ? this.session.run.id : null;
    this.post({
      type: 'runs',
      runs: runs.map(savedRun),
      current,
      storage: await this.storageReport(store !== null),
    });
  }

  async resume(runId: string, corpusId: number): Promise<string> {
    const store = await this.store;
    if (!store) throw new Error(this.problem ?? 'runs cannot be saved in this browser');
    const { info, checkpoint, corpus } = await store.loadRun(runId);
    const loaded = loadCheckpoint(checkpoint, { file: info.name, requireCheckpoint: true });
    if (loaded.kind !== 'checkpoint') throw new Error(`${info.name} holds no training state`);
    await resumeCheckpoint(
      this.session,
      corpusId,
      loaded.extra?.corpusName ?? info.name,
      corpus,
      loaded,
      { id: info.id, name: info.name },
    );
    this.lastSaved = { runId: info.id, step: info.step };
    await this.list();
    return `resumed ${info.name} at step ${info.step}`;
  }

  async delete(runId: string): Promise<void> {
    const store = await this.store;
    if (!store) return;
    await store.deleteRun(runId);
    if (this.lastSaved.runId === runId) this.lastSaved = { runId: '', step: -1 };
    await this.list();
  }

  /** What the autosaver writes, or null when there is nothing new to keep. */
  private async capture() {
    const { session } = this;
    const trainer = session.trainer;
    const corpus = session.corpus;
    if (!trainer || !corpus || trainer.step === 0) return null;
    const run = session.run;
    if (this.lastSaved.runId === run.id && this.lastSaved.step === trainer.step) return null;
    let taken: { bytes: Uint8Array; step: number };
    try {
      // The capture checks the weights themselves and refuses NaN or infinite ones.
      taken = await session.checkpoint();
    } catch (error) {
      if (!(error instanceof NonFiniteWeightsError)) throw error;
      // A diverged model is never written over the last good save.
      if (!this.skippingDiverged) {
        this.skippingDiverged = true;
        this.post({
          type: 'saveError',
          message: `not saved: ${error.message}; the last good save is kept`,
          full: false,
        });
      }
      return null;
    }
    const { bytes, step } = taken;
    const lastLoss = session.history.lastLoss;
    return {
      id: run.id,
      name: run.name,
      checkpoint: bytes,
      corpus: corpus.corpus.text,
      corpusSha256: corpus.sha256,
      step,
      model: trainer.backend.model,
      ...(lastLoss !== undefined ? { lastLoss } : {}),
    };
  }

  private async storageReport(available: boolean): Promise<StorageReport> {
    const report: StorageReport = { available };
    if (this.problem) report.problem = this.problem;
    try {
      const estimate = await navigator.storage?.estimate?.();
      if (estimate?.usage !== undefined) report.usage = estimate.usage;
      if (estimate?.quota !== undefined) report.quota = estimate.quota;
    } catch {
      // No estimate: the list still shows.
    }
    return report;
  }
}

function savedRun(info: RunInfo): SavedRun {
  return {
    id: info.id,
    name: info.name,
    updatedAt: info.updatedAt,
    step: info.step,
    model: info.model,
    corpusLength: info.corpusLength,
    checkpointBytes: info.checkpointBytes,
    ...(info.lastLoss !== undefined ? { lastLoss: info.lastLoss } : {}),
  };
}
