// The page's worker link (src/store/engine.ts) replaced by a recorder, for
// store tests that run without a worker:
//   vi.mock('../../../src/store/engine', () => import('../../helpers/recordedEngine'));
// then read what the page sent from `sent`. Configures are counted as the
// real link counts them, so the page's test of an outdated build holds here too.

import type { CompareSettings, RunConfig, UiMessage } from '../../src/worker/protocol';

export const sent: UiMessage[] = [];
let configureSeq = 0;

export function send(message: UiMessage): void {
  sent.push(message);
}

export function sendConfigure(config: RunConfig, compare?: CompareSettings[]): void {
  configureSeq += 1;
  sent.push({ type: 'configure', config, ...(compare ? { compare } : {}), seq: configureSeq });
}

export function isOutdatedBuild(configSeq: number): boolean {
  return configSeq < configureSeq;
}

export const newCorpusId = () => 1;
export const stopWorker = () => {};

/** The configure messages sent so far, oldest first. */
export function configures(): Extract<UiMessage, { type: 'configure' }>[] {
  return sent.filter((m) => m.type === 'configure');
}
