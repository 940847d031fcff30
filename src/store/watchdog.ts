// Notices when the engine worker is gone or stuck, so the page can restart it
// instead of waiting forever. A worker that throws outside its handlers fires
// 'error' at the page (engine.ts handles that); one that was killed (out of
// memory) or is stuck in a loop says nothing, so the page pings it and
// watches for answers, and while training it also watches for progress.
//
// The CPU engine computes a step without yielding, so a worker in a long step
// cannot answer either: the limit of silence is a minute or five measured
// steps, whichever is longer, and a model's first step (not measured yet)
// gets a longer allowance. A page that was frozen (a hidden tab, a sleeping
// laptop) does not count its frozen time against the worker.

export interface WatchdogOptions {
  /** Time between two pings. */
  pingEveryMs: number;
  /** Silence (no answer, or no training progress while training) that counts as a dead worker. */
  silenceLimitMs: number;
  /** The same before a model's step time is known (its first step, step-0 validation). */
  firstStepLimitMs: number;
}

export const DEFAULT_WATCHDOG: WatchdogOptions = {
  pingEveryMs: 5_000,
  silenceLimitMs: 60_000,
  firstStepLimitMs: 300_000,
};

/** A step this many times slower than the measured ones counts as stuck. */
const SLOW_STEP_FACTOR = 5;
/** Ticks this late mean the page itself was frozen: its silence is not the worker's. */
const FROZEN_TICKS = 3;

export class Watchdog {
  private lastHeard: number;
  private lastProgress: number;
  private lastCheck: number;
  /** Measured time of one training step of the model in use; null until measured. */
  private stepMs: number | null = null;
  private timer: ReturnType<typeof setInterval> | undefined;
  private nextPing = 1;

  constructor(
    private readonly ping: (id: number) => void,
    /** Called once, with why the worker is taken for dead. */
    private readonly onSilent: (why: string) => void,
    /** Whether the worker should be making training progress now. */
    private readonly training: () => boolean,
    private readonly options: WatchdogOptions = DEFAULT_WATCHDOG,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.lastHeard = this.lastProgress = this.lastCheck = this.now();
  }

  start(): void {
    this.timer = setInterval(() => this.check(), this.options.pingEveryMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Any message from the worker: it is alive. */
  heard(): void {
    this.lastHeard = this.now();
  }

  /** A message that shows training moving on (losses, a step count, a status change). */
  progressed(): void {
    this.lastProgress = this.now();
  }

  /** A new model: its step time is unknown until measured. */
  newModel(): void {
    this.stepMs = null;
  }

  /** The measured time of one training step of the model in use. */
  measuredStep(ms: number): void {
    if (Number.isFinite(ms) && ms > 0) this.stepMs = ms;
  }

  /** Runs on every ping tick; public so tests can drive it with their own clock. */
  check(): void {
    if (this.timer === undefined) return;
    const now = this.now();
    if (now - this.lastCheck > FROZEN_TICKS * this.options.pingEveryMs) {
      // The page did not run for a while: start counting again from now.
      this.lastHeard = this.lastProgress = now;
    }
    this.lastCheck = now;
    const limit = this.limitMs();
    const seconds = Math.round(limit / 1000);
    if (now - this.lastHeard > limit) {
      this.stop();
      this.onSilent(`it has not answered for ${seconds} s`);
      return;
    }
    if (this.training() && now - this.lastProgress > limit) {
      this.stop();
      this.onSilent(`a training step has not finished within ${seconds} s`);
      return;
    }
    if (!this.training()) this.lastProgress = now;
    this.ping(this.nextPing++);
  }

  private limitMs(): number {
    const { silenceLimitMs, firstStepLimitMs } = this.options;
    if (this.stepMs === null) return Math.max(silenceLimitMs, firstStepLimitMs);
    return Math.max(silenceLimitMs, SLOW_STEP_FACTOR * this.stepMs);
  }
}
