// The training loop's events on the page's wire: each TrainingEvents call
// (engine/training/events.ts) becomes the EngineMessage the page reads. The
// engine never builds a message; this is the one place that does it for
// training.
//
// Dimension legend: none (see protocol.ts for the messages' shapes).

import type { TrainingEvents } from '../engine/training/events';
import type { EngineMessage, EngineMessageOf } from './protocol';

/**
 * Events posted as messages; `failed` is the session's to handle, not the
 * page's. `model` is the index of the model in the session's set, carried by
 * its curves, snapshots and rollbacks.
 */
export function trainingWire(
  post: (message: EngineMessage) => void,
  failed: TrainingEvents['failed'],
  model = 0,
): TrainingEvents {
  return {
    metrics: (report) => post({ type: 'metrics', model, ...report }),
    state: ({ training, step }) => post(statusMessage({ ready: true, training, step })),
    probe: (snapshot) => post({ type: 'probe', model, ...snapshot }),
    probeError: (message) => post({ type: 'probeError', message }),
    diagnostics: (report) => post({ type: 'diagnostics', model, ...report }),
    sampleChunk: (id, text, done) => post({ type: 'sample', id, text, done }),
    sampleError: (id, message) => post({ type: 'sampleError', id, message }),
    rollback: (report) => post({ type: 'rollback', model, ...report }),
    best: (report) => post({ type: 'best', model, ...report }),
    earlyStopped: (report) => post({ type: 'earlyStopped', model, ...report }),
    recall: (report) => post({ type: 'recall', model, ...report }),
    taskScores: (report) => post({ type: 'taskScores', model, ...report }),
    forecast: (report) => post({ type: 'forecast', model, ...report }),
    failed,
  };
}

/**
 * The run's status as the page reads it: a model being built (neither ready
 * nor training), or one that is built, ready unless nothing can train.
 */
export function statusMessage(
  status:
    | { building: true; step: number; calibrating?: boolean }
    | { ready: boolean; training: boolean; step: number },
): EngineMessageOf<'status'> {
  const { step } = status;
  if ('building' in status) {
    const building = { ready: false, building: true, training: false, step };
    return {
      type: 'status',
      status: status.calibrating ? { ...building, calibrating: true } : building,
    };
  }
  return { type: 'status', status: { ...status, building: false } };
}
