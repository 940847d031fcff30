// Saved runs in the engine worker: the checkpoint and corpus of the run in
// training go to IndexedDB every few seconds while it trains, when it pauses
// and when the page is hidden; the page lists the saved runs, resumes one
// exactly or deletes it. Storage that is missing or full turns saving off
// with a message; training never waits for it.
//
// Tabs share the storage, so one tab writes a run: the tab whose model is a
// run holds its Web Lock (runLocks.ts). A tab that resumes a run another tab
// holds continues it as "<name> (copy)" under a new id, and says so; where
// there are no locks, the store refuses a save that would take another
// tab's run back in steps (StaleRunError) and this tab goes on as a copy
// then. Both tabs' work is kept; neither replaces the other's. A record that
// cannot be resumed (incomplete, or a checkpoint that does not load) is
// listed as damaged with the reason and never loaded. A save cancelled
// because the model was replaced (Reset, a new corpus) is not a failure.
//
// Dimension legend: none (whole checkpoints and texts).

import type { EngineMessage, SavedRun, StorageReport } from './protocol';
import { messageOf } from '../engine/errorMessage';
import { DivergedError } from '../engine/training/divergence';
import {
  createAutosaver,
  isDamaged,
  loadCheckpoint,
  newRunId,
  NonFiniteWeightsError,
  openRunStore,
  StaleRunError,
  StorageError,
  StorageFullError,
  type Autosaver,
  type DamagedRun,
  type RunInfo,
  type RunStore,
  type SaveRunInput,
} from '../io';
import { resumeCheckpoint } from './files';
import { RunLocks, type RunLockManager } from './runLocks';
import type { RunIdentity, Session } from './session';

/** Time between two saves while training. */
const AUTOSAVE_MS = 5000;

/** What RunKeeper reads of navigator.storage (persist() is the page's: workers lack it). */
export type StorageInfo = Partial<Pick<StorageManager, 'estimate' | 'persisted'>>;

export interface RunKeeperOptions {
  /** Opens the run store; `hooks` report a blocked open. Default: IndexedDB. */
  openStore?: (hooks: { onBlocked: () => void }) => Promise<RunStore>;
  /** Web Locks; default navigator.locks, null for none. */
  locks?: RunLockManager | null;
  /** Default navigator.storage, null for none. */
  storage?: StorageInfo | null;
  autosaveMs?: number;
}

export class RunKeeper {
  private readonly store: Promise<RunStore | null>;
  private readonly saver: Promise<Autosaver | null>;
  private readonly locks: RunLocks;
  private readonly storage: StorageInfo | null;
  /** This tab, as the writer of its saves. */
  private readonly writer = newRunId();
  /** Why runs cannot be saved, or why the last save failed. */
  private problem: string | undefined;
  /** Saving stopped for want of room (until a run is deleted). */
  private full = false;
  /** Not a failure, but worth saying (a run continued as a copy). */
  private notice: string | undefined;
  /** What was saved last, so a pause right after a save does not write the same run again. */
  private lastSaved = { runId: '', step: -1 };
  /** Set while saves are skipped because the model is not finite, so that is said once. */
  private skippingDiverged = false;

  constructor(
    private readonly session: Session,
    private readonly post: (message: EngineMessage) => void,
    options: RunKeeperOptions = {},
  ) {
    this.locks = new RunLocks(options.locks === undefined ? undefined : options.locks);
    this.storage =
      options.storage === undefined
        ? ((globalThis as { navigator?: { storage?: StorageInfo } }).navigator?.storage ?? null)
        : options.storage;
    const openStore = options.openStore ?? ((hooks) => openRunStore(hooks));
    const onBlocked = () => {
      this.problem =
        'browser storage is held by an older gatescope tab: saving starts once that tab is closed or reloaded';
      this.post({ type: 'saveError', message: this.problem, full: false });
    };
    this.store = openStore({ onBlocked }).then(
      (store) => {
        this.problem = undefined;
        return store;
      },
      (error) => {
        this.problem = `runs cannot be saved in this browser (${messageOf(error)})`;
        return null;
      },
    );
    this.saver = this.store.then((store) =>
      store
        ? createAutosaver({
            store,
            intervalMs: options.autosaveMs ?? AUTOSAVE_MS,
            capture: () => this.capture(),
            onSaved: (info) => {
              this.lastSaved = { runId: info.id, step: info.step };
              this.problem = undefined;
              this.full = false;
              this.skippingDiverged = false;
              this.post({ type: 'saved', run: savedRun(info) });
              void this.list();
            },
            onError: (error) => this.saveFailed(error),
          })
        : null,
    );
  }

  /** Training started: save every few seconds. */
  start(): void {
    this.locks.releaseAllBut(this.session.run.id);
    void this.saver.then((saver) => saver?.start());
  }

  /** Training paused (or the page is going away): save now, and stop the timer on pause. */
  async saveNow(stop: boolean): Promise<void> {
    const saver = await this.saver;
    if (!saver) return;
    if (stop) saver.stop();
    await saver.saveNow();
  }

  /** Lets go of the runs and the store (a closing tab; the browser also drops its locks then). */
  async close(): Promise<void> {
    const saver = await this.saver;
    saver?.stop();
    this.locks.releaseAllBut(null);
    (await this.store)?.close();
  }

  /** Posts the saved runs and how much storage they use. */
  async list(): Promise<void> {
    // A run this tab no longer trains (Reset, a new corpus) is free for other tabs to resume.
    this.locks.releaseAllBut(this.session.run.id);
    const store = await this.store;
    let runs: Array<RunInfo | DamagedRun> = [];
    if (store) {
      try {
        runs = await store.listRuns();
      } catch (error) {
        this.problem = messageOf(error);
      }
    }
    const id = this.session.run.id;
    const current = runs.some((r) => r.id === id && !isDamaged(r)) ? id : null;
    this.post({
      type: 'runs',
      runs: runs.map(savedRun),
      current,
      storage: await this.storageReport(store !== null),
    });
  }

  /**
   * Resumes a saved run exactly. When another tab trains the same run (it
   * holds the run's lock), this tab continues it as a copy under a new id, so
   * neither tab's saves replace the other's.
   */
  /**
   * `takeOver`: this tab's previous engine held the run; take it even if its
   * lock lingers. `probe`: the probe text to keep instead of the saved one.
   */
  async resume(runId: string, corpusId: number, takeOver = false, probe?: string): Promise<string> {
    const store = await this.store;
    if (!store) throw new Error(this.problem ?? 'runs cannot be saved in this browser');
    const { info, checkpoint, corpus } = await store.loadRun(runId);
    let loaded;
    try {
      loaded = loadCheckpoint(checkpoint, { file: info.name, requireCheckpoint: true });
      if (loaded.kind !== 'checkpoint') throw new Error(`${info.name} holds no training state`);
    } catch (error) {
      // Never loaded as a model, and listed as damaged from now on.
      const reason = `its checkpoint does not load (${messageOf(error)})`;
      await store.markDamaged(runId, reason).catch(() => undefined);
      await this.list();
      throw new StorageError('run-damaged', `saved run "${info.name}" is damaged: ${reason}`);
    }
    const owned = await (takeOver ? this.locks.take(runId) : this.locks.claim(runId));
    const run: RunIdentity = owned
      ? { id: info.id, name: info.name }
      : { id: newRunId(), name: copyName(info.name) };
    try {
      await resumeCheckpoint(
        this.session,
        corpusId,
        loaded.extra?.corpusName ?? info.name,
        corpus,
        loaded,
        run,
        probe,
      );
    } finally {
      // Whatever the session trains now is the only run this tab may hold.
      this.locks.releaseAllBut(this.session.run.id);
    }
    this.lastSaved = { runId: info.id, step: info.step };
    this.notice = owned
      ? undefined
      : `"${info.name}" is open in another tab, which keeps saving it; this tab continues it as "${run.name}"`;
    await this.list();
    return owned
      ? `resumed ${info.name} at step ${info.step}`
      : `resumed ${info.name} at step ${info.step} as a copy, "${run.name}": another tab is training it`;
  }

  async delete(runId: string): Promise<void> {
    const store = await this.store;
    if (!store) return;
    await store.deleteRun(runId);
    if (this.lastSaved.runId === runId) this.lastSaved = { runId: '', step: -1 };
    if (this.full) {
      // Room was made: saving may work again.
      this.full = false;
      this.problem = undefined;
      if (this.session.trainer?.isTraining) this.start();
    }
    await this.list();
  }

  private saveFailed(error: unknown): void {
    if (error instanceof StaleRunError) {
      // Another tab saved this run further along: keep its save, go on as a copy.
      const from = this.session.run;
      this.continueAsCopy();
      this.notice =
        `another tab saved "${from.name}" further along (step ${error.storedStep}); ` +
        `this tab's run is kept as "${this.session.run.name}"`;
      void this.saveNow(false);
      return;
    }
    this.full = error instanceof StorageFullError;
    // Browser storage refusing the save, or the checkpoint not being taken at all: say which.
    this.problem = this.full
      ? `${messageOf(error)} Saving is off until there is room; training goes on.`
      : error instanceof StorageError
        ? `autosave failed: ${error.message}`
        : `autosave failed: the checkpoint could not be taken (${messageOf(error)})`;
    this.post({ type: 'saveError', message: this.problem, full: this.full });
  }

  /** The session's run goes on under a new id, named as a copy. */
  private continueAsCopy(): void {
    const from = this.session.run;
    this.session.run = { id: newRunId(), name: copyName(from.name) };
    this.locks.releaseAllBut(null);
  }

  /** What the autosaver writes, or null when there is nothing new to keep. */
  private async capture(): Promise<SaveRunInput | null> {
    const { session } = this;
    const trainer = session.trainer;
    if (!trainer || trainer.step === 0) return null;
    if (this.lastSaved.runId === session.run.id && this.lastSaved.step === trainer.step) {
      return null;
    }
    // One tab writes a run: one that another tab holds goes on here as a copy.
    if (!(await this.locks.claim(session.run.id))) {
      const from = session.run;
      this.continueAsCopy();
      this.notice = `"${from.name}" is open in another tab; this tab continues it as "${session.run.name}"`;
      await this.locks.claim(session.run.id);
    }
    this.locks.releaseAllBut(session.run.id);
    const run = session.run;
    let bytes: Uint8Array;
    let step: number;
    // What it trains on, kept to resume it: the text, or a forecast's series as CSV text.
    const data = await session.dataRecord();
    try {
      // The capture checks the weights themselves and refuses NaN or infinite ones.
      ({ bytes, step } = await session.checkpoint());
    } catch (error) {
      // The model was replaced (Reset, a new corpus) while this save waited: nothing to keep, no failure.
      if (session.trainer !== trainer) return null;
      // Training stopped for divergence while this save waited: the last good save stays.
      if (error instanceof DivergedError) return null;
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
    if (session.run.id !== run.id) return null;
    const lastLoss = session.history.lastLoss;
    return {
      id: run.id,
      name: run.name,
      checkpoint: bytes,
      corpus: data.text,
      corpusSha256: data.sha256,
      step,
      model: trainer.backend.model,
      writer: this.writer,
      ...(lastLoss !== undefined ? { lastLoss } : {}),
    };
  }

  private async storageReport(available: boolean): Promise<StorageReport> {
    const report: StorageReport = { available };
    if (this.problem) report.problem = this.problem;
    if (this.notice) report.notice = this.notice;
    try {
      const estimate = await this.storage?.estimate?.();
      if (estimate?.usage !== undefined) report.usage = estimate.usage;
      if (estimate?.quota !== undefined) report.quota = estimate.quota;
    } catch {
      // No estimate: the list still shows.
    }
    try {
      const persisted = await this.storage?.persisted?.();
      if (typeof persisted === 'boolean') report.persisted = persisted;
    } catch {
      // Unknown: the panel says nothing about it.
    }
    return report;
  }
}

function copyName(name: string): string {
  return name.endsWith(' (copy)') ? name : `${name} (copy)`;
}

function savedRun(info: RunInfo | DamagedRun): SavedRun {
  if (isDamaged(info)) {
    // Placeholders beside `damaged`: the page shows the name, the time and the reason only.
    return {
      id: info.id,
      name: info.name,
      updatedAt: info.updatedAt,
      step: 0,
      model: { vocabSize: 0, cell: 'lstm', embedSize: 0, hiddenSize: 0, layers: 0 },
      corpusLength: 0,
      checkpointBytes: 0,
      damaged: info.damaged,
    };
  }
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
