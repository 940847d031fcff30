// On a restoration task, the Compare panel's one-click comparison of the
// model reading left to right against the same model reading both ways
// (store/taggingActions.ts), like the overfitting preset's cures.

import { isTaggingTask } from '../../engine/task';
import { useApp } from '../../store/app';
import { compareDirections } from '../../store/taggingActions';

export function DirectionCompare() {
  const tagging = useApp((s) => isTaggingTask(s.config.model.task));
  const ready = useApp((s) => s.status.ready);
  if (!tagging) return null;
  return (
    <div className="compare-cures">
      <button
        type="button"
        className="btn small"
        disabled={!ready}
        title="Train this model twice on the same text and seed, side by side: reading left to right, and reading both ways"
        onClick={compareDirections}
      >
        Compare left to right vs both ways
      </button>
      <span className="hint">does seeing what comes after help?</span>
    </div>
  );
}
