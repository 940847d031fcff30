// The hover card's terms (src/ui/gateTerms.ts) against real probe snapshots of
// the CPU engine for every cell: the numbers a line quotes are the snapshot's
// own, taken at the right position and unit (the previous state at t − 1,
// zero at t = 0), and they add up the way the cell's equations say.
//
// Dimension legend: P probe characters, H hidden units, L layers.

import { describe, expect, it } from 'vitest';
import { CELL_TYPES, CELLS, type CellType } from '../../../src/engine/cells';
import { CpuBackend } from '../../../src/engine/cpu/backend';
import type { ModelConfig } from '../../../src/engine/config';
import { initParams } from '../../../src/engine/params';
import { Rng } from '../../../src/engine/rng';
import { probeSnapshot, type ProbeSnapshot } from '../../../src/engine/snapshot';
import { buildCorpus } from '../../../src/engine/tokenizer';
import { cellTerms, num } from '../../../src/ui/gateTerms';

const corpus = buildCorpus('He said "ok (fine)" at 10.\nthe end, AGAIN.\n');
const PROBE = 'He said "ok (fine)" at 10.\nthe';

async function snapshotOf(cell: CellType): Promise<ProbeSnapshot> {
  const model: ModelConfig = {
    cell,
    vocabSize: corpus.vocab.size,
    embedSize: 6,
    hiddenSize: 7, // H
    layers: 2, // L
  };
  // A larger scale than the default start, so gates leave 0.5 and states grow.
  const params = initParams(model, new Rng(3)).map((w) => w * 4);
  const backend = new CpuBackend(model, params, { batchSize: 1, seqLen: 4 });
  const outcome = await probeSnapshot(backend, corpus.vocab, PROBE);
  if (!('snapshot' in outcome)) throw new Error(outcome.problem);
  return outcome.snapshot;
}

/** Every (layer, t, j) of a snapshot. */
function* everyCell(s: ProbeSnapshot) {
  for (const layer of s.layers)
    for (let t = 0; t < s.chars.length; t++)
      for (let j = 0; j < s.hidden; j++) yield { layer, t, j, at: t * s.hidden + j };
}

const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThan(1e-5);

describe('the terms behind a gate value', () => {
  it.each(CELL_TYPES)(
    '%s: quotes the snapshot at (t, j) and the previous state at t − 1',
    async (cell) => {
      const s = await snapshotOf(cell);
      const H = s.hidden;
      const memory = cell === 'lstm' ? 'c' : 'h';
      for (const { layer, t, j, at } of everyCell(s)) {
        const { values } = cellTerms(cell, layer, H, t, j);
        for (const key of CELLS[cell].signals) expect(values[key]).toBe(layer[key]![at]);
        const previous = values[cell === 'lstm' ? 'cPrev' : 'hPrev'];
        expect(previous).toBe(t === 0 ? 0 : layer[memory]![at - H]);
      }
    },
  );

  it('LSTM: c = f·c₍t−1₎ + i·g and h = o·tanh c, as the lines say', async () => {
    const s = await snapshotOf('lstm');
    let saturated = 0;
    for (const { layer, t, j } of everyCell(s)) {
      const { values: v, lines } = cellTerms('lstm', layer, s.hidden, t, j);
      close(v.c, v.f * v.cPrev + v.i * v.g);
      close(v.h, v.o * Math.tanh(v.c));
      close(v.kept + v.written, v.c);
      expect(lines.map((l) => l.text)).toEqual([
        `f = ${num(v.f)} keeps ${Math.round(v.f * 100)}% of c₍t−1₎ = ${num(v.cPrev)}`,
        `i·g = ${num(v.i)} × ${num(v.g)} = ${num(v.i * v.g)} written`,
        `c = f·c₍t−1₎ + i·g = ${num(v.f * v.cPrev)} + ${num(v.i * v.g)} = ${num(v.c)}`,
        `h = o·tanh c = ${num(v.o)} × tanh(${num(v.c)}) = ${num(v.h)}`,
      ]);
      if (v.f > 0.9 || v.f < 0.1) saturated++;
    }
    // The scaled start makes some gates decisive, so the check is not all on f ≈ 0.5.
    expect(saturated).toBeGreaterThan(0);
  });

  it('GRU: h = (1 − z)·n + z·h₍t−1₎, as the lines say', async () => {
    const s = await snapshotOf('gru');
    for (const { layer, t, j } of everyCell(s)) {
      const { values: v, lines } = cellTerms('gru', layer, s.hidden, t, j);
      close(v.h, (1 - v.z) * v.n + v.z * v.hPrev);
      close(v.fresh + v.kept, v.h);
      const text = lines.map((l) => l.text);
      expect(text[0]).toMatch(
        new RegExp(`^r = ${num(v.r)} scales .* to ${Math.round(v.r * 100)}%$`),
      );
      expect(text[1]).toBe(`n = tanh(x·W_xn + b_n + r ⊙ (…)) = ${num(v.n)}`);
      expect(text[2]).toBe(
        `z = ${num(v.z)} keeps ${Math.round(v.z * 100)}% of h₍t−1₎ = ${num(v.hPrev)}`,
      );
      expect(text[3]).toBe(
        `h = (1−z)·n + z·h₍t−1₎ = ${num((1 - v.z) * v.n)} + ${num(v.z * v.hPrev)} = ${num(v.h)}`,
      );
    }
  });

  it('RNN: h = tanh of the pre-activation the line names, and h₍t−1₎', async () => {
    const s = await snapshotOf('rnn');
    for (const { layer, t, j } of everyCell(s)) {
      const { values: v, lines } = cellTerms('rnn', layer, s.hidden, t, j);
      expect(lines[0].text).toBe(`h₍t−1₎ = ${num(v.hPrev)}`);
      if (Number.isFinite(v.pre)) {
        close(Math.tanh(v.pre), v.h);
        expect(lines[1].text).toBe(
          `h = tanh(x·W_x + h₍t−1₎·W_h + b) = tanh(${num(v.pre)}) = ${num(v.h)}`,
        );
      } else {
        expect(Math.abs(v.h)).toBeGreaterThanOrEqual(0.999);
        expect(lines[1].text).toContain('saturated');
      }
    }
  });

  it('writes numbers with two decimals and a true minus sign', () => {
    const layer = {
      i: Float32Array.of(0.8),
      f: Float32Array.of(0.93),
      g: Float32Array.of(0.55),
      o: Float32Array.of(0.5),
      c: Float32Array.of(-0.41),
      h: Float32Array.of(-0.2),
    };
    const lines = cellTerms('lstm', layer, 1, 0, 0).lines.map((l) => l.text);
    expect(lines[0]).toBe('f = 0.93 keeps 93% of c₍t−1₎ = 0.00');
    expect(lines[1]).toBe('i·g = 0.80 × 0.55 = 0.44 written');
    expect(num(-0.001)).toBe('0.00');
    expect(num(-0.41)).toBe('−0.41');
  });
});
