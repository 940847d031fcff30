// Divergence through the worker's session and saved runs on the CPU engine
// (issue 11): a rollback keeps the run, its learning rate and its curve
// consistent, and no path writes non-finite weights (scenarios in
// tests/helpers/divergenceSession.ts, shared with the GPU test).

import { describe, it } from 'vitest';
import { refusalScenario, rollbackScenario, startSession } from '../../helpers/divergenceSession';

describe('divergence in the worker session (CPU)', () => {
  it('rolls back, halves the session learning rate, trains on; the next save and every export load', async () => {
    await rollbackScenario(await startSession('cpu', 'cpu'));
  });

  it('never saves or exports non-finite weights, and keeps the last good save', async () => {
    await refusalScenario(await startSession('cpu', 'cpu'));
  });
});
