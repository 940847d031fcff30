// Colour maps for activations, as 256-entry lookup tables so painting a
// (P × H) heatmap is one table read per cell. Gates live in [0, 1] and get a
// sequential map; g, c (through tanh) and h live in [−1, 1] and get a
// diverging one whose middle is neutral. Both come from d3-scale-chromatic:
// maps built to be perceptually even and colour-blind safe, sampled here,
// not blended by hand.

import { rgb } from 'd3-color';
import { interpolateRdBu, interpolateViridis } from 'd3-scale-chromatic';

export type Scale = 'unit' | 'signed';

/**
 * Where table entry k samples its map, in [0, 1]. colorIndex rounds the middle
 * of the domain (0.5 of a gate, 0 of a signed value) to entry 128, so entry 128
 * is exactly the map's middle: the diverging table's neutral colour is the
 * colour of zero. Each half is evenly spaced.
 */
function positionOf(k: number): number {
  return k <= 128 ? (0.5 * k) / 128 : 0.5 + (0.5 * (k - 128)) / 127;
}

/** The map sampled over [from, to] of its own domain, as RGBA bytes. */
function lut(map: (t: number) => string, from = 0, to = 1): Uint8ClampedArray {
  const table = new Uint8ClampedArray(256 * 4);
  for (let k = 0; k < 256; k++) {
    const { r, g, b } = rgb(map(from + (to - from) * positionOf(k)));
    table.set([r, g, b, 255], k * 4);
  }
  return table;
}

// Viridis: dark purple (closed gate) to yellow (open gate), even in lightness.
const SEQUENTIAL = lut(interpolateViridis);

// ColorBrewer's RdBu, reversed so negative is blue and positive red (the usual
// reading of signed activations), with a neutral near-white zero: a diverging
// map designed for even lightness steps on both arms, and one ColorBrewer marks
// colour-blind safe (blue against red, never red against green). d3 has no
// diverging map with a dark middle, so the dark theme uses the same map, which
// keeps a value's colour alike on both themes. There the outermost tenth of
// each arm is left out: RdBu's darkest navy (#053061) is nearly the dark page's
// own background (#0d1020), so the strongest activations would sink into the
// page; from 0.1 to 0.9 they stay saturated and apart from it.
const RD_BU_REVERSED = (t: number) => interpolateRdBu(1 - t);
const DIVERGING = {
  light: lut(RD_BU_REVERSED),
  dark: lut(RD_BU_REVERSED, 0.1, 0.9),
};

export function colorTable(scale: Scale, scheme: 'light' | 'dark'): Uint8ClampedArray {
  return scale === 'unit' ? SEQUENTIAL : DIVERGING[scheme];
}

/** Table index of a value: [0, 1] for 'unit', [−1, 1] for 'signed'. */
export function colorIndex(value: number, scale: Scale): number {
  const x = scale === 'unit' ? value : (value + 1) / 2;
  if (!(x > 0)) return 0; // also NaN
  return x >= 1 ? 255 : Math.round(x * 255);
}

export function cssColor(table: Uint8ClampedArray, index: number, alpha = 1): string {
  const o = index * 4;
  return `rgba(${table[o]}, ${table[o + 1]}, ${table[o + 2]}, ${alpha})`;
}

export function cssGradient(table: Uint8ClampedArray): string {
  const stops = [0, 64, 128, 191, 255].map((k) => cssColor(table, k));
  return `linear-gradient(to right, ${stops.join(', ')})`;
}

/** WCAG 2 relative luminance of an sRGB byte triple. */
function luminance(rgb: ArrayLike<number>): number {
  const linear = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(rgb[0]) + 0.7152 * linear(rgb[1]) + 0.0722 * linear(rgb[2]);
}

/** WCAG 2 contrast ratio of two sRGB byte triples, from 1 (same) to 21 (black on white). */
export function contrastRatio(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

const TEXT = { '#fff': [255, 255, 255], '#000': [0, 0, 0] } as const;

/**
 * The text colour with the higher contrast on table entry `index` (text over
 * a coloured cell). Black and white, not a softer pair: one of them always
 * reaches 4.58:1 on any colour, above WCAG's 4.5:1 for body text (#111 would
 * leave mid-tones such as viridis's teal at 4.35:1).
 */
export function textColorOn(table: Uint8ClampedArray, index: number): '#fff' | '#000' {
  const cell = table.subarray(index * 4, index * 4 + 3);
  return contrastRatio(cell, TEXT['#fff']) >= contrastRatio(cell, TEXT['#000']) ? '#fff' : '#000';
}
