// What a person can do, as plain functions: components call them, and so
// could tests or keyboard shortcuts. Each updates the store and tells the worker.

import { DEFAULT_RUN_CONFIG, freshModelChanges, liveSettingsOf } from '../engine/settings';
import type { ModelSettings, RunConfig } from '../worker/protocol';
import { useApp } from './app';
import { comparedSettings, followFirst } from './compareSet';
import { loadFirstBuiltin, retryRefusedDraft, startOnNewestCorpus } from './corpusActions';
import { send, sendConfigure } from './engine';
import { installTestHooks } from './testHooks';
import type { GateKey } from '../engine/snapshot';
import type { TextFeature } from '../ui/unitFeatures';
import type { UnitSort } from '../ui/unitOrder';
import { readHash, writeHash } from './urlHash';

let nextSampleId = 1;
let probeTimer: ReturnType<typeof setTimeout> | undefined;

/** Starts the engine with the configuration from the URL and the first built-in corpus. */
export function startEngine(): void {
  installTestHooks(send);
  const { config } = useApp.getState();
  sendConfigure(config);
  writeHash(config);
  loadFirstBuiltin();
  // A shared link pasted into this tab changes only the hash: apply it like an edit.
  window.addEventListener('hashchange', () => {
    const { config, ignored } = readHash(location.hash, useApp.getState().config);
    useApp.setState({ ignoredSettings: ignored });
    proposeConfig(config);
  });
  // Closing or hiding the tab keeps the last steps: the worker saves the run now.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') send({ type: 'saveNow' });
  });
}

/** Train: on the newest corpus the person gave (corpusActions.ts has the rule). */
export function train(): void {
  startOnNewestCorpus('train', () => send({ type: 'train' }));
}

export function pause(): void {
  send({ type: 'pause' });
}

/** One step: on the newest corpus the person gave, like Train. */
export function step(): void {
  startOnNewestCorpus('step', () => send({ type: 'step' }));
}

export function reset(): void {
  send({ type: 'reset' });
}

/** "Measure again": Auto forgets what it measured on this device and times both engines anew. */
export function measureEnginesAgain(): void {
  send({ type: 'remeasure' });
}

/**
 * Applies a new configuration: live settings (the optimizer's, configSchema.ts)
 * at once, while training; changes that need a fresh model at once on an
 * untrained model, otherwise after the person confirms the reset.
 */
export function proposeConfig(next: RunConfig): void {
  const { config, status } = useApp.getState();
  const changes = freshModelChanges(config, next);
  if (changes.length === 0) {
    useApp.setState({ config: next });
    send({ type: 'setLive', ...liveSettingsOf(next) });
    writeHash(next);
    return;
  }
  if (status.step === 0 && !status.training) {
    applyConfig(next);
    return;
  }
  useApp.setState({ pendingConfig: { config: next, changes } });
}

/** The person confirmed the dialog: apply the pending corpus or configuration. */
export function confirmConfig(): void {
  const { pendingConfig, pendingCorpus } = useApp.getState();
  useApp.setState({ pendingConfig: null, pendingCorpus: null });
  if (pendingCorpus) pendingCorpus.apply();
  else if (pendingConfig) applyConfig(pendingConfig.config, pendingConfig.compare);
}

/** The person kept the current model (the dialog's safe choice, or Escape). */
export function cancelConfig(): void {
  const { pendingCorpus } = useApp.getState();
  useApp.setState((s) => ({
    pendingConfig: null,
    pendingCorpus: null,
    configRevision: s.configRevision + 1,
  }));
  pendingCorpus?.keep?.();
}

export function resetConfigToDefaults(): void {
  proposeConfig(DEFAULT_RUN_CONFIG);
}

/**
 * Sends `next` (and `compare`, the models beside the first, when given): the
 * models compared follow a change of the first one's settings
 * (compareSet.ts), so one rebuild trains them all afresh.
 */
export function applyConfig(next: RunConfig, compare?: ModelSettings[]): void {
  useApp.setState({ config: next });
  const others = compare ?? comparedSettings();
  sendConfigure(
    next,
    others.length > 0 || compare ? (compare ?? followFirst(next.model, others)) : undefined,
  );
  writeHash(next);
  retryRefusedDraft();
}

export function setProbeText(probeText: string): void {
  useApp.setState({ probeText });
  clearTimeout(probeTimer);
  // Typing should not queue a probe per keystroke.
  probeTimer = setTimeout(() => send({ type: 'setProbe', text: probeText }), 200);
}

/** Where a forecast's gate stretch starts (null: back to the first validation row). */
export function setProbeFromRow(probeFromRow: number | null): void {
  if (probeFromRow === useApp.getState().probeFromRow) return;
  useApp.setState({ probeFromRow });
  send({ type: 'setProbeRows', from: probeFromRow });
}

export function setLayer(layer: number): void {
  useApp.setState({ layer });
}

export function setUnit(unit: number): void {
  useApp.setState({ unit, unitPinned: true, finderFeature: null });
}

/** A unit from the unit finder: the text shows it by `signal`, with `feature` marked. */
export function pickFoundUnit(unit: number, signal: GateKey, feature: TextFeature): void {
  useApp.setState({ unit, unitPinned: true, textGate: signal, finderFeature: feature });
}

export function setUnitSort(unitSort: UnitSort): void {
  useApp.setState({ unitSort });
}

/** Sorts the rows by correlation with `sortFeature`. */
export function setSortFeature(sortFeature: TextFeature): void {
  useApp.setState({ sortFeature, unitSort: 'feature' });
}

export function setTextGate(textGate: GateKey): void {
  useApp.setState({ textGate });
}

export function setSampling(
  patch: Partial<{ prime: string; temperature: number; topK: number; sampleLength: number }>,
): void {
  useApp.setState(patch);
}

export function startSample(): void {
  const { prime, temperature, topK, sampleLength, sampleId, config } = useApp.getState();
  if (sampleId !== null) send({ type: 'stopSample', id: sampleId });
  const id = nextSampleId++;
  useApp.setState({ sampleId: id, sampleText: '', samplePrime: prime, sampleError: null });
  send({
    type: 'sample',
    request: { id, prime, temperature, topK, length: sampleLength, seed: config.train.seed + id },
  });
}

export function stopSample(): void {
  const { sampleId } = useApp.getState();
  if (sampleId === null) return;
  send({ type: 'stopSample', id: sampleId });
  useApp.setState({ sampleId: null });
}

export function dismissIgnoredSettings(): void {
  useApp.setState({ ignoredSettings: [] });
}

export function dismissEngineError(): void {
  useApp.setState({ engineError: null });
}
