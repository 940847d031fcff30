// The Saved runs panel and the resume offer drawn from store state
// (react-dom/server, no browser): a damaged record shows its reason and
// Delete only, is never offered for resuming, and whether the browser keeps
// the runs is said.

import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, describe, expect, it } from 'vitest';
import type { SavedRun } from '../../../src/worker/protocol';
import { useApp } from '../../../src/store/app';
import { ResumeOffer, SavedRunsPanel } from '../../../src/ui/components/SavedRunsPanel';

const good: SavedRun = {
  id: 'good',
  name: 'fox · 1×16 LSTM',
  updatedAt: Date.now() - 5000,
  step: 500,
  model: { cell: 'lstm', vocabSize: 27, embedSize: 8, hiddenSize: 16, layers: 1 },
  corpusLength: 1800,
  checkpointBytes: 40_000,
};
const damaged: SavedRun = {
  id: 'bad',
  name: 'half a record',
  updatedAt: Date.now(),
  step: 0,
  model: { cell: 'lstm', vocabSize: 0, embedSize: 0, hiddenSize: 0, layers: 0 },
  corpusLength: 0,
  checkpointBytes: 0,
  damaged: 'the saved record is incomplete: no valid step',
};

// A server render reads the store's initial state object, so the tests set that one.
const initial = { ...useApp.getInitialState() };
function show(state: Partial<typeof initial>): void {
  Object.assign(useApp.getInitialState(), state);
}
afterEach(() => {
  Object.assign(useApp.getInitialState(), initial);
});

const draw = (component: () => unknown) =>
  renderToStaticMarkup(createElement(component as () => null));

describe('SavedRunsPanel', () => {
  it('shows a damaged run with its reason and Delete only', () => {
    show({ savedRuns: [damaged, good], storage: { available: true } });
    const html = draw(SavedRunsPanel);
    expect(html).toContain('cannot be resumed: the saved record is incomplete: no valid step');
    expect(html).toContain('aria-label="Delete half a record"');
    expect(html).not.toContain('aria-label="Resume half a record"');
    expect(html).toContain('aria-label="Resume fox · 1×16 LSTM"');
  });

  it('says whether the browser keeps the runs, and shows a notice', () => {
    show({
      savedRuns: [good],
      storage: { available: true, persisted: false, notice: 'continued as a copy' },
    });
    expect(draw(SavedRunsPanel)).toMatch(/may clear these runs when space runs low/);
    expect(draw(SavedRunsPanel)).toContain('continued as a copy');
    show({ storage: { available: true, persisted: true } });
    expect(draw(SavedRunsPanel)).toMatch(/keeps these runs until you delete them/);
  });
});

describe('ResumeOffer', () => {
  it('offers a good run and never a damaged one', () => {
    show({ resumeOffer: good });
    expect(draw(ResumeOffer)).toContain('Resume it');
    show({ resumeOffer: damaged });
    expect(draw(ResumeOffer)).toBe('');
  });
});
