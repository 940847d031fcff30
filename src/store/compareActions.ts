// What a person does with compare runs, and what the page does when the
// worker announces its models: add a model beside the first (another cell,
// or another H), change or remove one, give one its own regularisation
// (dropout, early stopping) or compare the cures for overfitting in one
// click, size them to the first one's parameter count, and pick the model
// the panels act on. A change of the compared set trains every model afresh
// from the seed, so, like a change of settings, it asks first once the
// models have trained.
//
// Dimension legend: H hidden.

import { CELL_TYPES, type CellType } from '../engine/cells';
import type { RegularizationConfig } from '../engine/config';
import { builtinOfName } from '../corpora';
import {
  MAX_COMPARED,
  type CompareSettings,
  type EngineMessageOf,
  type ModelSettings,
  type RunConfig,
} from '../worker/protocol';
import { applyConfig } from './actions';
import { useApp } from './app';
import { modelSettingsOf } from '../engine/settings';
import { comparedSettings, followFirst } from './compareSet';
import { latestSnapshots } from './compareSlice';
import { send } from './engine';
import { metrics } from './metrics';

/** The confirmation dialog's name for this change. */
export const COMPARE_CHANGE = 'models compared';

/**
 * Trains `others` beside the first model: at once while nothing has trained,
 * otherwise once the person confirms (the models start again from the seed).
 */
export function proposeCompare(
  others: CompareSettings[],
  config: RunConfig = useApp.getState().config,
): void {
  const { status } = useApp.getState();
  const compare = followFirst(config.model, others);
  if (status.step === 0 && !status.training) {
    applyConfig(config, compare);
    return;
  }
  useApp.setState({ pendingConfig: { config, changes: [COMPARE_CHANGE], compare } });
}

/** Adds a model: the first cell no model uses yet (or the first's cell, at another H). */
export function addCompareModel(): void {
  const { config } = useApp.getState();
  const others = comparedSettings();
  if (others.length + 1 >= MAX_COMPARED) return;
  const used = new Set<CellType>([config.model.cell, ...others.map((m) => m.cell)]);
  const cell = CELL_TYPES.find((c) => !used.has(c));
  const added: ModelSettings = cell
    ? { ...config.model, cell }
    : { ...config.model, hiddenSize: Math.max(1, Math.round(config.model.hiddenSize / 2)) };
  proposeCompare([...others, added]);
}

/** Removes compared model `index` (≥ 1). */
export function removeCompareModel(index: number): void {
  proposeCompare(comparedSettings().filter((_, k) => k !== index - 1));
}

/** Changes compared model `index` (≥ 1): its cell or its H. */
export function changeCompareModel(
  index: number,
  patch: Partial<Pick<ModelSettings, 'cell' | 'hiddenSize'>>,
): void {
  proposeCompare(comparedSettings().map((m, k) => (k === index - 1 ? { ...m, ...patch } : m)));
}

/**
 * Gives compared model `index` (≥ 1) its own regularisation: `patch` over
 * what it trains with now (its own, or the run's it followed); null makes it
 * follow the run's again.
 */
export function setCompareRegularization(
  index: number,
  patch: Partial<RegularizationConfig> | null,
): void {
  const { compareModels } = useApp.getState();
  const now = compareModels[index]?.regularization;
  if (index < 1 || !now) return;
  proposeCompare(
    comparedSettings().map((m, k) => {
      if (k !== index - 1) return m;
      const model: ModelSettings = modelSettingsOf(m);
      return patch ? { ...model, regularization: { ...now, ...patch } } : model;
    }),
  );
}

/** The dropout the one-click comparison of cures tries (Zaremba et al.'s medium LSTM uses 0.5). */
export const CURE_DROPOUT = 0.3;

/** Whether the corpus in use is the overfitting preset (the cures comparison is offered on it). */
export function onOverfitPreset(name: string | undefined): boolean {
  return name !== undefined && builtinOfName(name)?.corpus.id === 'overfit';
}

/**
 * "Compare: cures for overfitting": the first model without regularisation
 * (the run's dropout and patience off) and beside it the same model with
 * dropout CURE_DROPOUT, on the same text and seed; any other compared
 * models go. One rebuild, confirmed first once the models have trained.
 */
export function compareCures(): void {
  const { config } = useApp.getState();
  const none: RegularizationConfig = { ...config.train.regularization, dropout: 0, patience: 0 };
  const plain: RunConfig = { ...config, train: { ...config.train, regularization: none } };
  proposeCompare([{ ...config.model, regularization: { ...none, dropout: CURE_DROPOUT } }], plain);
}

/** Turns parameter matching on (re-sizing the compared models) or off. */
export function setMatchParams(matchParams: boolean): void {
  useApp.setState({ matchParams });
  const others = comparedSettings();
  if (matchParams && others.length > 0) proposeCompare(others);
}

/** Picks the model the gates, samples, exports and saved runs act on. */
export function selectModel(index: number): void {
  const { selectedModel, compareModels, sampleId } = useApp.getState();
  if (index === selectedModel || index >= compareModels.length) return;
  // A generation belongs to the model that made it.
  if (sampleId !== null) send({ type: 'stopSample', id: sampleId });
  send({ type: 'select', model: index });
  showSelected(index);
}

/** The worker's models (after a build, or a selection): the page's panels follow the selected. */
export function onModels(message: EngineMessageOf<'models'>): void {
  const { compareModels } = useApp.getState();
  // A new set (a build) brings new runs: the snapshots of the old ones go.
  const rebuilt =
    compareModels.length !== message.models.length ||
    compareModels.some((m, k) => m.runId !== message.models[k].runId);
  if (rebuilt) latestSnapshots.clear();
  useApp.setState({ compareModels: message.models });
  showSelected(message.selected);
}

function showSelected(index: number): void {
  const state = useApp.getState();
  const model = state.compareModels[index];
  if (!model) return;
  metrics.select(index);
  useApp.setState({
    selectedModel: index,
    modelRunId: model.runId,
    snapshot: latestSnapshots.get(index) ?? null,
    bestValidation: state.bestValidations[index] ?? null,
    sampleId: index === state.selectedModel ? state.sampleId : null,
    layer: Math.min(state.layer, model.model.layers - 1),
    unit: Math.min(state.unit, model.model.hiddenSize - 1),
  });
}
