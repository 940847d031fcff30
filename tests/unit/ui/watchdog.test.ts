// The page's watchdog of the engine worker, on a clock the test moves: pings
// while the worker answers, and calls it dead after the limit of silence, or
// after the limit without training progress while training; never twice. A
// model's first step gets a longer allowance, slow measured steps stretch the
// limit, and time the page itself was frozen does not count.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Watchdog } from '../../../src/store/watchdog';

const OPTIONS = { pingEveryMs: 1000, silenceLimitMs: 10_000, firstStepLimitMs: 30_000 };

describe('Watchdog', () => {
  let now = 0;
  let training = false;
  let pings: number[];
  let deaths: string[];
  let dog: Watchdog;

  beforeEach(() => {
    vi.useFakeTimers();
    now = 0;
    training = false;
    pings = [];
    deaths = [];
    dog = new Watchdog(
      (id) => pings.push(id),
      (why) => deaths.push(why),
      () => training,
      OPTIONS,
      () => now,
    );
    dog.start();
    dog.measuredStep(100); // fast steps: the limit is the silence limit
  });

  afterEach(() => {
    dog.stop();
    vi.useRealTimers();
  });

  function advance(ms: number, answer: boolean): void {
    for (let t = 0; t < ms; t += OPTIONS.pingEveryMs) {
      now += OPTIONS.pingEveryMs;
      vi.advanceTimersByTime(OPTIONS.pingEveryMs);
      if (answer) dog.heard();
    }
  }

  it('keeps pinging a worker that answers, idle or training with progress', () => {
    advance(60_000, true);
    training = true;
    for (let k = 0; k < 30; k++) {
      advance(2000, true);
      dog.progressed();
    }
    expect(deaths).toEqual([]);
    expect(pings.length).toBeGreaterThan(100);
    expect(new Set(pings).size).toBe(pings.length);
  });

  it('calls a silent worker dead once, after the limit', () => {
    advance(5000, true);
    advance(9000, false);
    expect(deaths).toEqual([]);
    advance(30_000, false);
    expect(deaths).toEqual(['it has not answered for 10 s']);
  });

  it('calls a training worker that answers but makes no progress stuck', () => {
    training = true;
    dog.progressed();
    advance(8000, true);
    expect(deaths).toEqual([]);
    advance(20_000, true);
    expect(deaths).toEqual(['a training step has not finished within 10 s']);
  });

  it("gives a model's first step the longer allowance, and slow steps five steps' time", () => {
    dog.newModel();
    training = true;
    advance(25_000, false);
    expect(deaths).toEqual([]);
    dog.heard();
    dog.progressed();
    dog.measuredStep(8000); // five steps: 40 s
    advance(35_000, false);
    expect(deaths).toEqual([]);
    advance(10_000, false);
    expect(deaths).toEqual(['it has not answered for 40 s']);
  });

  it('does not count time the page itself was frozen', () => {
    advance(5000, true);
    now += 600_000; // the tab was frozen: no timer ran
    advance(3000, false);
    expect(deaths).toEqual([]);
    advance(12_000, false);
    expect(deaths).toEqual(['it has not answered for 10 s']);
  });

  it('does not count time paused against training progress', () => {
    advance(30_000, true);
    training = true;
    advance(5000, true);
    expect(deaths).toEqual([]);
  });
});
