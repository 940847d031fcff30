// The heatmap colour tables are d3-scale-chromatic's maps sampled, not our own
// blends: each table's ends and middle are the map's colours there, computed
// through d3 here; zero of a signed value lands on the neutral middle; and the
// text drawn over a cell reads on it (WCAG AA contrast on every entry).

import { rgb } from 'd3-color';
import { interpolateRdBu, interpolateViridis } from 'd3-scale-chromatic';
import { expect, test } from 'vitest';
import {
  colorIndex,
  colorTable,
  contrastRatio,
  textColorOn,
  type Scale,
} from '../../../src/ui/colormap';

function entry(table: Uint8ClampedArray, k: number): number[] {
  return [...table.subarray(k * 4, k * 4 + 4)];
}

function bytes(css: string): number[] {
  const { r, g, b } = rgb(css);
  return [r, g, b, 255];
}

// What each table is meant to be: its map at the table's first, middle and last entry.
const CASES: [string, Scale, 'light' | 'dark', string[]][] = [
  ['viridis, light', 'unit', 'light', [0, 0.5, 1].map(interpolateViridis)],
  ['viridis, dark', 'unit', 'dark', [0, 0.5, 1].map(interpolateViridis)],
  // Reversed RdBu: blue at −1, red at +1.
  ['RdBu reversed, light', 'signed', 'light', [1, 0.5, 0].map(interpolateRdBu)],
  // The dark theme leaves out each arm's outermost tenth.
  ['RdBu reversed, dark', 'signed', 'dark', [0.9, 0.5, 0.1].map(interpolateRdBu)],
];

test.each(CASES)(
  "%s: the table's ends and middle are the map's colours there, opaque",
  (_, scale, scheme, [first, middle, last]) => {
    const table = colorTable(scale, scheme);
    expect(table.length).toBe(256 * 4);
    expect(entry(table, colorIndex(scale === 'unit' ? 0 : -1, scale))).toEqual(bytes(first));
    expect(entry(table, colorIndex(scale === 'unit' ? 0.5 : 0, scale))).toEqual(bytes(middle));
    expect(entry(table, colorIndex(1, scale))).toEqual(bytes(last));
    for (let k = 0; k < 256; k++) expect(table[k * 4 + 3]).toBe(255);
  },
);

test('the diverging middle is neutral and its arms are blue (negative) and red (positive)', () => {
  for (const scheme of ['light', 'dark'] as const) {
    const table = colorTable('signed', scheme);
    const [r, g, b] = entry(table, colorIndex(0, 'signed'));
    // A grey to the eye: d3's B-spline through the RdBu stops gives (242, 239, 238) there.
    expect(Math.max(r, g, b) - Math.min(r, g, b)).toBeLessThanOrEqual(5);
    const [nr, , nb] = entry(table, colorIndex(-1, 'signed'));
    const [pr, , pb] = entry(table, colorIndex(1, 'signed'));
    expect(nb).toBeGreaterThan(nr);
    expect(pr).toBeGreaterThan(pb);
  }
});

test('text over a cell is light on the dark colours and dark on the light ones', () => {
  const viridis = colorTable('unit', 'light');
  expect(textColorOn(viridis, 0)).toBe('#fff'); // deep purple
  expect(textColorOn(viridis, 255)).toBe('#000'); // yellow
  for (const scheme of ['light', 'dark'] as const) {
    const rdBu = colorTable('signed', scheme);
    expect(textColorOn(rdBu, 0)).toBe('#fff'); // blue end
    expect(textColorOn(rdBu, colorIndex(0, 'signed'))).toBe('#000'); // near-white zero
    expect(textColorOn(rdBu, 255)).toBe('#fff'); // red end
  }
});

test("the contrast ratio is WCAG 2's", () => {
  expect(contrastRatio([255, 255, 255], [0, 0, 0])).toBeCloseTo(21, 10);
  expect(contrastRatio([0, 0, 0], [255, 255, 255])).toBeCloseTo(21, 10);
  expect(contrastRatio([118, 118, 118], [118, 118, 118])).toBe(1);
  // #767676 on white is the classic grey that just passes AA: 4.54:1.
  expect(contrastRatio([0x76, 0x76, 0x76], [255, 255, 255])).toBeCloseTo(4.54, 2);
});

test.each(CASES)('%s: the text on every entry reaches 4.5:1 (WCAG AA)', (_, scale, scheme) => {
  const table = colorTable(scale, scheme);
  const rgb = { '#fff': [255, 255, 255], '#000': [0, 0, 0] };
  for (let k = 0; k < 256; k++) {
    const cell = [...table.subarray(k * 4, k * 4 + 3)];
    expect(contrastRatio(cell, rgb[textColorOn(table, k)])).toBeGreaterThanOrEqual(4.5);
  }
});
