// Train / Pause / Step / Reset: plain buttons, so they are keyboard operable
// and named for assistive technology (and for the browser tests), plus page-
// wide shortcuts: Space trains or pauses, period steps once. They stay out of
// the way of typing: nothing fires while focus is in a field.

import { useEffect } from 'react';
import { pause, reset, step, train } from '../../store/actions';
import { useApp } from '../../store/app';
import { PauseIcon, PlayIcon, ResetIcon, StepIcon } from './Icons';

/** Whether a key press belongs to what has focus (a field, a button, a dialog) rather than the page. */
function ownedByFocus(event: KeyboardEvent): boolean {
  const target = event.target as HTMLElement | null;
  if (!target || target === document.body) return false;
  if (target.isContentEditable) return true;
  return ['INPUT', 'TEXTAREA', 'SELECT', 'BUTTON', 'CANVAS', 'DIALOG', 'A'].includes(
    target.tagName,
  );
}

function useShortcuts(): void {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey || ownedByFocus(event)) return;
      const { status, pendingConfig, pendingCorpus } = useApp.getState();
      if (pendingConfig || pendingCorpus) return;
      if (event.key === ' ') {
        event.preventDefault();
        if (status.training) pause();
        else if (status.ready) train();
      } else if (event.key === '.' && status.ready && !status.training) {
        step();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

export function Controls() {
  const ready = useApp((s) => s.status.ready);
  const training = useApp((s) => s.status.training);
  const building = useApp((s) => s.status.building);
  useShortcuts();
  return (
    <div className="toolbar" role="toolbar" aria-label="Training controls">
      <button
        type="button"
        className="btn primary"
        onClick={train}
        disabled={!ready || training}
        title="Train continuously (Space)"
        aria-keyshortcuts="Space"
      >
        <PlayIcon /> Train
      </button>
      <button
        type="button"
        className="btn"
        onClick={pause}
        disabled={!training}
        title="Pause (Space)"
        aria-keyshortcuts="Space"
      >
        <PauseIcon /> Pause
      </button>
      <button
        type="button"
        className="btn"
        onClick={step}
        disabled={!ready || training}
        title="Run one training step (.)"
        aria-keyshortcuts="."
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
