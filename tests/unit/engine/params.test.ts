import { describe, expect, it } from 'vitest';
import { headColumns, initParams, paramLayout, repackParams } from '../../../src/engine/params';
import { Rng } from '../../../src/engine/rng';
import type { ModelConfig } from '../../../src/engine/config';

describe('parameter arena layouts', () => {
  const model: ModelConfig = {
    cell: 'lstm',
    vocabSize: 65,
    embedSize: 12,
    hiddenSize: 7,
    layers: 2,
  };

  it('pads only the head to the requested multiple of columns', () => {
    const host = paramLayout(model);
    const device = paramLayout(model, 4);
    expect(headColumns(host)).toBe(65);
    expect(headColumns(device)).toBe(68);
    expect(device.headW.shape).toEqual([7, 68]);
    host.tensors.slice(0, -2).forEach((t, i) => expect(device.tensors[i].shape).toEqual(t.shape));
    expect(headColumns(paramLayout({ ...model, vocabSize: 64 }, 4))).toBe(64);
  });

  it('repacks into the padded layout and back without changing a value', () => {
    const host = paramLayout(model);
    const device = paramLayout(model, 4);
    const params = initParams(model, new Rng(3));
    const padded = repackParams(params, host, device);
    expect(padded.length).toBe(device.total);
    for (const [index, t] of host.tensors.entries()) {
      const d = device.tensors[index];
      const cols = t.shape[t.shape.length - 1];
      const dCols = d.shape[d.shape.length - 1];
      for (let r = 0; r < t.size / cols; r++) {
        for (let c = 0; c < dCols; c++) {
          const expected = c < cols ? params[t.offset + r * cols + c] : 0;
          expect(padded[d.offset + r * dCols + c]).toBe(expected);
        }
      }
    }
    expect(repackParams(padded, device, host)).toEqual(params);
  });
});
