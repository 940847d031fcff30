// The gate panel drawn for each cell (rendered to markup, as the settings test
// does): exactly the cell's signals, in CELLS order, each heatmap under its
// equation with its sentence; the unit finder's pick and the row order choice
// go through the store's gate actions.

import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, describe, expect, it } from 'vitest';
import { CELL_TYPES, CELLS, type CellType } from '../../../src/engine/cells';
import { CpuBackend } from '../../../src/engine/cpu/backend';
import type { ModelConfig } from '../../../src/engine/config';
import { initParams } from '../../../src/engine/params';
import { Rng } from '../../../src/engine/rng';
import { probeSnapshot } from '../../../src/engine/snapshot';
import { buildCorpus } from '../../../src/engine/tokenizer';
import { pickFoundUnit, setSortFeature, setUnit, setUnitSort } from '../../../src/store/actions';
import { useApp } from '../../../src/store/app';
import { GatesPanel } from '../../../src/ui/components/GatesPanel';
import { GATE_INFO, SIGNAL_DOCS } from '../../../src/ui/gateInfo';

const PROBE = 'She said "hi (there)" 3 times.';
const corpus = buildCorpus(`${PROBE}\n`.repeat(4));
const initial = useApp.getState();
const initialObject = { ...useApp.getInitialState() };

afterEach(() => {
  useApp.setState(initial, true);
  Object.assign(useApp.getInitialState(), initialObject);
});

async function showSnapshotOf(cell: CellType): Promise<void> {
  const model: ModelConfig = {
    cell,
    vocabSize: corpus.vocab.size,
    embedSize: 4,
    hiddenSize: 5,
    layers: 1,
  };
  const backend = new CpuBackend(model, initParams(model, new Rng(2)), {
    batchSize: 1,
    seqLen: 4,
  });
  const outcome = await probeSnapshot(backend, corpus.vocab, PROBE);
  if (!('snapshot' in outcome)) throw new Error(outcome.problem);
  const shown = { snapshot: { type: 'probe' as const, ...outcome.snapshot }, probeText: PROBE };
  // A server render reads the store's initial state object (as in settings.test.ts).
  useApp.setState(shown);
  Object.assign(useApp.getInitialState(), shown);
}

/** The markup's text, entities decoded, for comparing with the docs' strings. */
function text(html: string): string {
  return html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

describe('the gate panel per cell', () => {
  it.each(CELL_TYPES)('%s: exactly its signals, each with equation and sentence', async (cell) => {
    await showSnapshotOf(cell);
    const html = renderToStaticMarkup(createElement(GatesPanel));
    const signals = CELLS[cell].signals;
    expect(html).toContain(`heatmaps count-${signals.length}`);
    const maps = [...html.matchAll(/aria-label="([^"]+) heatmap: /g)].map((m) => m[1]);
    expect(maps).toEqual(signals.map((g) => GATE_INFO[g].title));
    const equations = [...html.matchAll(/<code class="equation">([^<]+)<\/code>/g)].map(
      (m) => m[1],
    );
    expect(equations).toEqual(signals.map((g) => SIGNAL_DOCS[cell][g]!.equation));
    for (const g of signals) expect(text(html)).toContain(SIGNAL_DOCS[cell][g]!.does);
    // The finder reads the layer's memory: c for the LSTM, h otherwise.
    expect(text(html)).toContain(`Units whose  ${cell === 'lstm' ? 'c' : 'h'}  follows`);
  });

  it('every cell documents exactly its own signals', () => {
    for (const cell of CELL_TYPES)
      expect(Object.keys(SIGNAL_DOCS[cell]).sort()).toEqual([...CELLS[cell].signals].sort());
  });
});

describe('gate actions', () => {
  it('a finder pick pins the unit, colours the text by the memory and marks the feature', () => {
    pickFoundUnit(4, 'h', 'quote');
    expect(useApp.getState()).toMatchObject({
      unit: 4,
      unitPinned: true,
      textGate: 'h',
      finderFeature: 'quote',
    });
    setUnit(2);
    expect(useApp.getState()).toMatchObject({ unit: 2, unitPinned: true, finderFeature: null });
  });

  it('choosing a feature to sort by sorts by it', () => {
    setUnitSort('mean');
    expect(useApp.getState().unitSort).toBe('mean');
    setSortFeature('depth');
    expect(useApp.getState()).toMatchObject({ unitSort: 'feature', sortFeature: 'depth' });
  });
});
