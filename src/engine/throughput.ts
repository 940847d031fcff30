// How fast training goes, from the steps whose losses have come back: tokens
// per second for the page, and wall time per finished step for pacing the
// trainer's queue. Only finished steps count: a GPU's queued-but-unfinished
// steps would otherwise look done the moment they are encoded.
//
// Dimension legend: B batch, T window (a step trains on B·T tokens).

/** Window over which tokens per second is measured. */
const RATE_WINDOW_MS = 3000;

interface Mark {
  time: number;
  step: number;
}

export class ThroughputMeter {
  /** Training tokens per second over the last few seconds of running. */
  tokensPerSecond = 0;
  /** Wall time per finished training step (moving average); 0 until measured. */
  stepMs = 0;
  private rateSamples: Mark[] = [];
  /** When losses were last collected while training, and up to which step. */
  private lossMark: Mark | null = null;

  constructor(private readonly tokensPerStep: number) {}

  /** Training (re)starts: the rate window begins afresh. */
  restart(): void {
    this.rateSamples = [];
  }

  /** Losses of steps through `finishedStep` are in at `now`, while training. */
  recordLosses(now: number, finishedStep: number): void {
    this.rateSamples.push({ time: now, step: finishedStep });
    while (this.rateSamples.length > 2 && now - this.rateSamples[1].time > RATE_WINDOW_MS) {
      this.rateSamples.shift();
    }
    const first = this.rateSamples[0];
    const seconds = (now - first.time) / 1000;
    if (seconds > 0.2 && finishedStep > first.step) {
      this.tokensPerSecond = ((finishedStep - first.step) * this.tokensPerStep) / seconds;
    }
  }

  /**
   * A training tick has collected losses through `finishedStep` at `now`; the
   * step time is finished steps over the time since the previous tick's mark.
   * `training` false (single steps between pauses) forgets the mark: those
   * say nothing about throughput.
   */
  recordTick(now: number, finishedStep: number, training: boolean): void {
    if (!training) {
      this.lossMark = null;
      return;
    }
    const mark = this.lossMark;
    const finished = mark ? finishedStep - mark.step : 0;
    if (mark && finished > 0) {
      const perStep = (now - mark.time) / finished;
      this.stepMs = this.stepMs === 0 ? perStep : 0.7 * this.stepMs + 0.3 * perStep;
    }
    if (!mark || finished > 0) this.lossMark = { time: now, step: finishedStep };
  }
}
