// A Train the engine has not confirmed is kept for a restarted worker
// (src/store/trainIntent.ts, read by recovery.ts): pending from the command
// until a training status, a pause, a step or a reset; a "not training"
// status sent before the command arrived does not cancel it.

import { describe, expect, it } from 'vitest';
import { TrainIntent } from '../../../src/store/trainIntent';
import type { EngineMessage, RunStatus } from '../../../src/worker/protocol';

const status = (training: boolean, step = 0): EngineMessage => ({
  type: 'status',
  status: { ready: true, building: false, training, step } satisfies RunStatus,
});

describe('TrainIntent', () => {
  it('holds a Train until the engine says it trains', () => {
    const intent = new TrainIntent();
    expect(intent.pending).toBe(false);
    intent.sent({ type: 'train' });
    expect(intent.pending).toBe(true);
    // A status the worker sent before it read the command (a model just built) changes nothing.
    intent.received(status(false));
    intent.received({ type: 'pong', id: 1 });
    expect(intent.pending).toBe(true);
    intent.received(status(true));
    expect(intent.pending).toBe(false);
  });

  it('lets the person’s later word replace it, and forgets it with the worker', () => {
    for (const later of ['pause', 'step', 'reset'] as const) {
      const intent = new TrainIntent();
      intent.sent({ type: 'train' });
      intent.sent({ type: later });
      expect(intent.pending).toBe(false);
    }
    const intent = new TrainIntent();
    intent.sent({ type: 'train' });
    // Other commands on the way (a probe text, a ping) leave it pending.
    intent.sent({ type: 'setProbe', text: 'abc' });
    intent.sent({ type: 'ping', id: 2 });
    expect(intent.pending).toBe(true);
    intent.forget();
    expect(intent.pending).toBe(false);
  });
});
