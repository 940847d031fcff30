// Asks before a settings change throws away a trained model. A native modal
// <dialog>: focus is trapped (starting on the safe choice, keeping the model),
// Escape cancels, and it is announced as a dialog.

import { useEffect, useRef } from 'react';
import { cancelConfig, confirmConfig } from '../../store/actions';
import { useApp } from '../../store/app';

export function ConfirmDialog() {
  const pending = useApp((s) => s.pendingConfig);
  // Read only while asking: the step count changes many times a second.
  const step = useApp((s) => (s.pendingConfig ? s.status.step : 0));
  const ref = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (pending && !dialog.open) dialog.showModal();
    if (!pending && dialog.open) dialog.close();
  }, [pending]);

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
      <p>
        Changing the {pending?.changes.join(', ')} needs fresh weights: the{' '}
        {step.toLocaleString('en-US')} training steps so far will be lost.
      </p>
      <div className="row">
        <button type="button" className="btn" onClick={cancelConfig}>
          Keep current model
        </button>
        <button type="button" className="btn primary" onClick={confirmConfig}>
          Reset and apply
        </button>
      </div>
    </dialog>
  );
}
