// A corpus and its probe text travel together: the worker picks the probe
// text with the corpus (the one the page chose for it, else the text's first
// line), says which in its `corpus` answer, and probes the new model with it
// from its first snapshot on; the page never has to send it back.

import { afterEach, describe, expect, test } from 'vitest';
import { until } from '../../helpers/until';
import { CONFIG, startHost, TEXT, type Harness } from './harness';

let harness: Harness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

async function loadWithProbe(probe?: string): Promise<Harness> {
  const h = (harness = startHost());
  h.host.handle({ type: 'configure', config: CONFIG });
  h.host.handle({ type: 'setCorpus', id: 1, name: 'fox', text: TEXT, ...(probe ? { probe } : {}) });
  await h.host.idle();
  await until('the first gate snapshot', () => h.of('probe').length > 0);
  return h;
}

describe('the probe text comes with the corpus', () => {
  test('a chosen probe text is the one the corpus answer names and the first snapshot shows', async () => {
    const h = await loadWithProbe('the lazy dog');
    expect(h.of('corpus').map((m) => m.probe)).toEqual(['the lazy dog']);
    expect(h.host.session.probeText).toBe('the lazy dog');
    expect(h.of('probe')[0].chars.join('')).toBe('the lazy dog');
    expect(h.of('probeError')).toEqual([]);
  });

  test('without one, the worker takes the text’s first line or so (two lines, 80 characters)', async () => {
    const h = await loadWithProbe();
    const firstLine =
      'the quick brown fox jumps over the lazy dog.\nthe quick brown fox jumps over the ';
    expect(h.of('corpus').map((m) => m.probe)).toEqual([firstLine]);
    expect(h.of('probe')[0].chars.join('')).toBe(firstLine);
  });
});
