// One writer per saved run across the tabs of a browser: the tab training a
// run holds a Web Lock named after its id for as long as that run is its
// model, so a second tab that resumes the same run finds the lock taken and
// continues as a copy instead of overwriting the first tab's later saves.
// Locks are released when the run changes or the tab closes (the browser
// drops a closed tab's locks), so the next tab to resume it owns it again.
//
// Web Locks (navigator.locks) exist in pages and workers of every current
// browser; where they do not (older browsers, Node), every claim succeeds and
// the store's own guard (a save never goes back in steps for another writer,
// io/storage/runStore.ts) keeps the later run.
//
// Dimension legend: none (locks, not tensors).

/** The part of the Web Locks LockManager used here (tests pass a fake shared by two "tabs"). */
export interface RunLockManager {
  request(
    name: string,
    options: { ifAvailable: true } | { steal: true },
    callback: (lock: unknown) => Promise<unknown> | unknown,
  ): Promise<unknown>;
}

/** navigator.locks where the browser has it. */
export function browserLocks(): RunLockManager | null {
  const nav = (globalThis as { navigator?: { locks?: RunLockManager } }).navigator;
  return nav?.locks && typeof nav.locks.request === 'function' ? nav.locks : null;
}

export function runLockName(runId: string): string {
  return `gatescope-run:${runId}`;
}

export class RunLocks {
  /** Run id → releases its lock. */
  private readonly held = new Map<string, () => void>();
  /** Claims in flight, so two claims of one id share the answer. */
  private readonly claiming = new Map<string, Promise<boolean>>();

  constructor(private readonly locks: RunLockManager | null = browserLocks()) {}

  /**
   * Takes the run's lock if no other tab holds it. Resolves true when this
   * tab owns the run (or there are no locks to ask), false when another tab does.
   */
  claim(runId: string): Promise<boolean> {
    return this.request(runId, { ifAvailable: true });
  }

  /**
   * Takes the run's lock even from its holder: for a page that restarted its
   * own engine worker, whose lock the browser may not have dropped yet.
   */
  take(runId: string): Promise<boolean> {
    return this.request(runId, { steal: true });
  }

  private request(
    runId: string,
    options: { ifAvailable: true } | { steal: true },
  ): Promise<boolean> {
    if (this.held.has(runId) || !this.locks) return Promise.resolve(true);
    const inFlight = this.claiming.get(runId);
    if (inFlight) return inFlight;
    const locks = this.locks;
    const claim = new Promise<boolean>((resolve) => {
      locks
        .request(runLockName(runId), options, (lock) => {
          if (!lock) {
            resolve(false);
            return undefined;
          }
          // The lock is held until this promise settles: release() settles it.
          return new Promise<void>((release) => {
            this.held.set(runId, release);
            resolve(true);
          });
        })
        // A lock manager that fails is no reason to stop saving: the store's guard remains.
        .catch(() => resolve(true));
    }).finally(() => this.claiming.delete(runId));
    this.claiming.set(runId, claim);
    return claim;
  }

  owns(runId: string): boolean {
    return this.held.has(runId);
  }

  release(runId: string): void {
    this.held.get(runId)?.();
    this.held.delete(runId);
  }

  /** Lets go of every run but `keep` (the run this tab trains now). */
  releaseAllBut(keep: string | null): void {
    for (const id of [...this.held.keys()]) if (id !== keep) this.release(id);
  }
}
