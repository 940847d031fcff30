// When the training loop takes its gate snapshots (probeSchedule.ts), on a
// clock the test moves by hand (no real time, so nothing here depends on the
// machine's speed): at once when the subject changes or the loop is paused,
// never twice for one step, and while training after the probe interval, or
// after the slow snapshot's own time divided by the share it may take of the
// loop (a 1 s forecast chart with share 0.2: the next one 5 s after it began).
//
// Dimension legend: none (steps and milliseconds).

import { describe, expect, it } from 'vitest';
import type { Backend } from '../../../src/engine/backend';
import type { TrainingData } from '../../../src/engine/training/data';
import { ProbeSchedule } from '../../../src/engine/training/probeSchedule';
import { recordEvents } from '../../helpers/trainerEvents';

/** A schedule whose snapshot takes `tookMs` on the test's clock; returns it with the clock. */
function schedule(intervalMs: number, share: number, tookMs: number) {
  const clock = { t: 1000 };
  const probe: TrainingData['probe'] = {
    needsText: false,
    take: async () => {
      clock.t += tookMs;
      return { problem: 'no snapshot in this test' };
    },
  };
  const { events } = recordEvents();
  const probes = new ProbeSchedule(probe, events, intervalMs, share, null, null, () => clock.t);
  return { probes, clock };
}

/** Only the step is read off the backend by the schedule. */
const at = (step: number) => ({ step }) as Backend;

describe('ProbeSchedule', () => {
  it('while training, a fast snapshot waits the probe interval, never twice for one step', async () => {
    const { probes, clock } = schedule(800, 0.2, 10);
    expect(probes.due({ training: true, step: 1 })).toBe(true);
    await probes.take(at(1));
    clock.t += 700;
    expect(probes.due({ training: true, step: 5 })).toBe(false);
    clock.t += 100; // 810 ms after the last one began
    expect(probes.due({ training: true, step: 5 })).toBe(true);
    expect(probes.due({ training: true, step: 1 })).toBe(false);
  });

  it('while training, a slow snapshot spaces the next out to its share of the time', async () => {
    const { probes, clock } = schedule(800, 0.2, 1000);
    await probes.take(at(1)); // began at 1000, took 1000 ms
    clock.t = 1000 + 4999;
    expect(probes.due({ training: true, step: 40 })).toBe(false);
    clock.t = 1000 + 5000;
    expect(probes.due({ training: true, step: 40 })).toBe(true);
  });

  it('paused, or with a new subject, the next snapshot is due at once however slow', async () => {
    const { probes } = schedule(800, 0.2, 1000);
    await probes.take(at(1));
    expect(probes.due({ training: false, step: 2 })).toBe(true);
    expect(probes.due({ training: true, step: 2 })).toBe(false);
    probes.setFromRow(30);
    expect(probes.due({ training: true, step: 1 })).toBe(true);
  });

  it('with share 1 (the tests’ eager loop) a slow snapshot does not hold the next one back', async () => {
    const { probes } = schedule(0, 1, 1000);
    await probes.take(at(1));
    expect(probes.due({ training: true, step: 2 })).toBe(true);
  });
});
