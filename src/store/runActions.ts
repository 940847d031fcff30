// What the page does when the engine reports on the run: a new model, a
// refused configuration, a rollback after divergence. Plain functions the
// receiver (receiver.ts) calls; the decisions live here, not in the routing.

import type { EngineMessageOf, RunConfig } from '../worker/protocol';
import { useApp } from './app';
import { metrics } from './metrics';
import { isOutdatedBuild } from './engine';
import { takeRecoveryNotice } from './recovery';
import { writeHash } from './urlHash';

/** A model was built: a fresh curve, its settings in the link, the gate view kept in range. */
export function onModelBuilt(message: EngineMessageOf<'model'>): void {
  const state = useApp.getState();
  metrics.clear();
  // Built from settings the person has since replaced: the newer ones are on their way to
  // the worker, and the panel, the link and a comparison started now must keep showing them.
  const config = isOutdatedBuild(message.configSeq) ? state.config : message.config;
  writeHash(config);
  useApp.setState({
    modelRunId: message.runId,
    backend: message.backend,
    parameters: message.parameters,
    config,
    snapshot: null,
    // A restarted engine's first model says how it was restarted; any other clears the error.
    engineError: takeRecoveryNotice(),
    // A generation in progress ended with the old model.
    sampleId: null,
    layer: Math.min(state.layer, config.model.layers - 1),
    unit: Math.min(state.unit, config.model.hiddenSize - 1),
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
