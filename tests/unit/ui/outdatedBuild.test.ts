// A build the person has since replaced must not put its settings back: the
// page counts its configure messages, the worker echoes the count of the last
// one it handled in each 'model', and an older count keeps the page's newer
// settings in the panel and the link (they are on their way to the worker).

import { beforeEach, describe, expect, test, vi } from 'vitest';
import { DEFAULT_RUN_CONFIG } from '../../../src/engine/settings';
import type { RunConfig } from '../../../src/worker/protocol';

vi.mock('../../../src/store/engine', () => import('../../helpers/recordedEngine'));
const { configures, sent } = await import('../../helpers/recordedEngine');
const { useApp } = await import('../../../src/store/app');
const { receive } = await import('../../../src/store/receiver');
const { applyConfig } = await import('../../../src/store/actions');
const { readHash } = await import('../../../src/store/urlHash');

const withHidden = (hiddenSize: number): RunConfig => ({
  ...DEFAULT_RUN_CONFIG,
  model: { ...DEFAULT_RUN_CONFIG.model, hiddenSize },
});

/** The worker's announcement of a model built from `config` after configure `configSeq`. */
function built(config: RunConfig, configSeq: number) {
  receive({
    type: 'model',
    backend: { kind: 'cpu', device: 'cpu' },
    parameters: config.model.hiddenSize,
    config,
    runId: `run-${configSeq}`,
    configSeq,
  });
}

// Node has no history: the link the page writes (urlHash.ts writeHash) is kept here.
let link = '';
vi.stubGlobal('history', {
  replaceState: (_state: unknown, _title: string, url: string) => (link = url),
});
const hiddenInLink = () => readHash(link, DEFAULT_RUN_CONFIG).config.model.hiddenSize;

beforeEach(() => {
  sent.length = 0;
  useApp.setState({ config: DEFAULT_RUN_CONFIG });
});

describe('a model built from outdated settings', () => {
  test('keeps the newer settings in the store and the link; the current build is taken', () => {
    applyConfig(withHidden(256));
    applyConfig(withHidden(64));
    const [first, second] = configures();
    expect(second.seq).toBe(first.seq! + 1);

    built(withHidden(256), first.seq!);
    expect(useApp.getState().config.model.hiddenSize).toBe(64);
    expect(hiddenInLink()).toBe(64);
    // What was built is still said truly: its run and size.
    expect(useApp.getState().modelRunId).toBe(`run-${first.seq}`);
    expect(useApp.getState().parameters).toBe(256);

    built(withHidden(64), second.seq!);
    expect(useApp.getState().config.model.hiddenSize).toBe(64);
    expect(useApp.getState().parameters).toBe(64);
  });

  test('a build after the latest configure sets the settings, even ones the page did not send', () => {
    applyConfig(withHidden(64));
    const [sentNow] = configures();
    // An import built the file's model (H 32) after that configure.
    built(withHidden(32), sentNow.seq!);
    expect(useApp.getState().config.model.hiddenSize).toBe(32);
    expect(hiddenInLink()).toBe(32);
  });
});
