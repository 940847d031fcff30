// What the page does when the engine reports on the run: a new model, a
// refused configuration, a rollback after divergence. Plain functions the
// receiver (receiver.ts) calls; the decisions live here, not in the routing.

import type { EngineMessageOf, RunConfig } from '../worker/protocol';
import { useApp } from './app';
import { metrics } from './metrics';
import { takeRecoveryNotice } from './recovery';
import { writeHash } from './urlHash';

/** A model was built: a fresh curve, its settings in the link, the gate view kept in range. */
export function onModelBuilt(message: EngineMessageOf<'model'>): void {
  const state = useApp.getState();
  metrics.clear();
  writeHash(message.config);
  useApp.setState({
    modelRunId: message.runId,
    backend: message.backend,
    parameters: message.parameters,
    config: message.config,
    snapshot: null,
    // A restarted engine's first model says how it was restarted; any other clears the error.
    engineError: takeRecoveryNotice(),
    // A generation in progress ended with the old model.
    sampleId: null,
    layer: Math.min(state.layer, message.config.model.layers - 1),
    unit: Math.min(state.unit, message.config.model.hiddenSize - 1),
    unitPinned: false,
  });
}

/** Settings were refused: say why, and show the ones still in use. */
export function onConfigRefused(message: EngineMessageOf<'configError'>): void {
  useApp.setState((state) => ({
    engineError: `settings not applied: ${message.message}`,
    configRevision: state.configRevision + 1,
    ...(message.config ? { config: message.config } : {}),
  }));
}

/**
 * Divergence rolled the run back: the curves drop the abandoned steps, and
 * the settings (and the link) show the halved learning rate now in use.
 */
export function onRollback(message: EngineMessageOf<'rollback'>): void {
  const model = message.model ?? 0;
  metrics.truncate(message.toStep, model);
  if (model > 0) {
    // A compared model: its own learning rate halved; the settings are the first model's.
    const name = useApp.getState().compareModels[model]?.name ?? `model ${model + 1}`;
    useApp.setState({ engineError: `${name}: ${message.message}` });
    return;
  }
  const state = useApp.getState();
  const config: RunConfig | null = state.config && {
    ...state.config,
    train: {
      ...state.config.train,
      optimizer: { ...state.config.train.optimizer, learningRate: message.learningRate },
    },
  };
  if (config) writeHash(config);
  useApp.setState({
    engineError: message.message,
    // Re-keys the settings form, so the learning-rate field shows the new value.
    configRevision: state.configRevision + 1,
    ...(config ? { config } : {}),
  });
}
