// Asks before a settings change or a new corpus throws away a trained model. A native modal
// <dialog>: focus is trapped (starting on the safe choice, keeping the model),
// Escape cancels, and it is announced as a dialog.

import { useEffect, useRef } from 'react';
import { cancelConfig, confirmConfig } from '../../store/actions';
import { useApp } from '../../store/app';

export function ConfirmDialog() {
  const pendingConfig = useApp((s) => s.pendingConfig);
  const pendingCorpus = useApp((s) => s.pendingCorpus);
  const asking = pendingConfig !== null || pendingCorpus !== null;
  // Read only while asking: the step count changes many times a second.
  const step = useApp((s) => (s.pendingConfig || s.pendingCorpus ? s.status.step : 0));
  const ref = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (asking && !dialog.open) dialog.showModal();
    if (!asking && dialog.open) dialog.close();
  }, [asking]);

  const steps = `${step.toLocaleString('en-US')} training steps`;
  return (
    <dialog
      ref={ref}
      aria-labelledby="confirm-title"
      onCancel={(e) => {
        e.preventDefault();
        cancelConfig();
      }}
    >
      <h2 id="confirm-title">Start a new model?</h2>
      {pendingCorpus ? (
        <p>
          Training on {pendingCorpus.name} needs a fresh model. This one ({steps}) stays under Saved
          runs as of its last save, so you can resume it later.
        </p>
      ) : (
        <p>
          Changing the {pendingConfig?.changes.join(', ')} needs fresh weights: the {steps} so far
          will be lost.
        </p>
      )}
      <div className="row">
        <button type="button" className="btn" onClick={cancelConfig}>
          Keep current model
        </button>
        <button type="button" className="btn primary" onClick={confirmConfig}>
          {pendingCorpus ? 'Use the new text' : 'Reset and apply'}
        </button>
      </div>
    </dialog>
  );
}
