// Train / Pause / Step / Reset: plain buttons, so they are keyboard operable
// and named for assistive technology (and for the browser tests).

import { pause, reset, step, train } from '../../store/actions';
import { useApp } from '../../store/app';
import { PauseIcon, PlayIcon, ResetIcon, StepIcon } from './Icons';

export function Controls() {
  const ready = useApp((s) => s.status.ready);
  const training = useApp((s) => s.status.training);
  const building = useApp((s) => s.status.building);
  return (
    <div className="toolbar" role="toolbar" aria-label="Training controls">
      <button
        type="button"
        className="btn primary"
        onClick={train}
        disabled={!ready || training}
        title="Train continuously"
      >
        <PlayIcon /> Train
      </button>
      <button type="button" className="btn" onClick={pause} disabled={!training}>
        <PauseIcon /> Pause
      </button>
      <button
        type="button"
        className="btn"
        onClick={step}
        disabled={!ready || training}
        title="Run one training step"
      >
        <StepIcon /> Step
      </button>
      <button
        type="button"
        className="btn"
        onClick={reset}
        disabled={building || (!ready && !training)}
        title="Start again from fresh weights (same seed)"
      >
        <ResetIcon /> Reset
      </button>
    </div>
  );
}
