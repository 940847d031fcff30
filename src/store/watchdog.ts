// Notices when the engine worker is gone or stuck, so the page can restart it
// instead of waiting forever. A worker that throws outside its handlers fires
// 'error' at the page (engine.ts handles that); one that was killed (out of
// memory) or is stuck in a loop says nothing, so the page pings it and
// watches for answers, and while training it also watches for progress:
// a training step that has not finished within a minute counts as stuck.

export interface WatchdogOptions {
  /** Time between two pings. */
  pingEveryMs: number;
  /** Silence (no answer, or no training progress while training) that counts as a dead worker. */
  silenceLimitMs: number;
}

export const DEFAULT_WATCHDOG: WatchdogOptions = { pingEveryMs: 5_000, silenceLimitMs: 60_000 };

export class Watchdog {
  private lastHeard: number;
  private lastProgress: number;
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
    this.lastHeard = this.lastProgress = this.now();
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

  /** Runs on every ping tick; public so tests can drive it with their own clock. */
  check(): void {
    if (this.timer === undefined) return;
    const now = this.now();
    const limit = this.options.silenceLimitMs;
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
}
