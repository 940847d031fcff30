// Colour maps for activations, as 256-entry lookup tables so painting a
// (P × H) heatmap is one table read per cell. Gates live in [0, 1] and get a
// sequential map; g, c (through tanh) and h live in [−1, 1] and get a
// diverging one whose middle is neutral.

export type Scale = 'unit' | 'signed';

type Rgb = [number, number, number];

function lut(stops: Rgb[]): Uint8ClampedArray {
  const table = new Uint8ClampedArray(256 * 4);
  for (let k = 0; k < 256; k++) {
    const x = (k / 255) * (stops.length - 1);
    const i = Math.min(stops.length - 2, Math.floor(x));
    const f = x - i;
    for (let c = 0; c < 3; c++)
      table[k * 4 + c] = stops[i][c] + (stops[i + 1][c] - stops[i][c]) * f;
    table[k * 4 + 3] = 255;
  }
  return table;
}

// Viridis-like: dark blue (closed gate) to yellow (open gate).
const SEQUENTIAL = lut([
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
]);

const DIVERGING = {
  light: lut([
    [33, 102, 172],
    [146, 197, 222],
    [247, 247, 247],
    [244, 165, 130],
    [178, 24, 43],
  ]),
  dark: lut([
    [90, 160, 255],
    [50, 90, 150],
    [40, 44, 66],
    [170, 70, 60],
    [255, 120, 90],
  ]),
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
