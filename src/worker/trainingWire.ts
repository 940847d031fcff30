// The training loop's events on the page's wire: each TrainingEvents call
// (engine/training/events.ts) becomes the EngineMessage the page reads. The
// engine never builds a message; this is the one place that does it for
// training.
//
// Dimension legend: none (see protocol.ts for the messages' shapes).

import type { TrainingEvents } from '../engine/training/events';
import type { EngineMessage } from './protocol';

/** Events posted as messages; `failed` is the session's to handle, not the page's. */
export function trainingWire(
  post: (message: EngineMessage) => void,
  failed: TrainingEvents['failed'],
): TrainingEvents {
  return {
    metrics: (report) => post({ type: 'metrics', ...report }),
    state: ({ training, step }) =>
      post({ type: 'status', status: { ready: true, building: false, training, step } }),
    probe: (snapshot) => post({ type: 'probe', ...snapshot }),
    probeError: (message) => post({ type: 'probeError', message }),
    sampleChunk: (id, text, done) => post({ type: 'sample', id, text, done }),
    sampleError: (id, message) => post({ type: 'sampleError', id, message }),
    rollback: (report) => post({ type: 'rollback', ...report }),
    failed,
  };
}
