// What the learning-rate schedule does, drawn small under its choice: the
// rate of the current step and a sparkline of the whole curve (warm-up, then
// the cosine or the steps) with the current step marked. Read from the same
// scheduledRate the engine trains with (engine/training/schedule.ts), so the
// panel cannot describe another curve than the one applied. A rollback halves
// the peak in the worker; the page does not know of it, so the readout shows
// the person's settings.

import type { OptimizerConfig } from '../../engine/config';
import { scheduledRate } from '../../engine/training/schedule';

const WIDTH = 120;
const HEIGHT = 22;
/** Points of the sparkline: enough for a smooth cosine, few enough to be trivial to draw. */
const POINTS = 60;
/** Decays of a step schedule the sparkline shows. */
const STEP_DECAYS_SHOWN = 4;

/** "3.2e-3": rates span decades, so two significant digits in exponent form. */
export function formatRate(rate: number): string {
  return rate.toExponential(1);
}

/**
 * The last step the sparkline shows: the schedule's end (cosine) or a few
 * decays (step), and at least a little past the current step.
 */
export function horizonOf(o: OptimizerConfig, step: number): number {
  const natural =
    o.schedule === 'cosine'
      ? o.warmupSteps + o.decaySteps
      : o.warmupSteps + STEP_DECAYS_SHOWN * o.decayEvery;
  return Math.max(natural, Math.ceil(step * 1.1), 2);
}

/** The 1-based step the readout describes: the one just taken (the first before any). */
export function readoutStep(stepsTaken: number): number {
  return Math.max(1, stepsTaken);
}

export function ScheduleReadout({ optimizer, step }: { optimizer: OptimizerConfig; step: number }) {
  if (optimizer.schedule === 'constant') return null;
  const now = readoutStep(step);
  const last = horizonOf(optimizer, now);
  const peak = optimizer.learningRate;
  const x = (s: number) => ((s - 1) / (last - 1)) * (WIDTH - 4) + 2;
  const y = (rate: number) => HEIGHT - 2 - (rate / peak) * (HEIGHT - 4);
  const points = Array.from({ length: POINTS + 1 }, (_, i) => {
    const s = 1 + Math.round((i / POINTS) * (last - 1));
    return `${x(s).toFixed(1)},${y(scheduledRate(optimizer, s)).toFixed(1)}`;
  }).join(' ');
  const rate = scheduledRate(optimizer, now);
  const end = scheduledRate(optimizer, last);
  return (
    <div className="schedule-readout wide">
      <svg
        width={WIDTH}
        height={HEIGHT}
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={`Learning rate over steps 1 to ${last}: peak ${formatRate(peak)}, ${formatRate(end)} at step ${last}`}
      >
        <polyline points={points} />
        <circle cx={x(now)} cy={y(rate)} r={2.5} />
      </svg>
      <output aria-label="Scheduled learning rate">
        lr now {formatRate(rate)} <span className="hint">(step {now.toLocaleString('en-US')})</span>
      </output>
    </div>
  );
}
