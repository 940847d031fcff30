// What a page has drawn, read off its canvases and SVG charts: the share of a
// heatmap's pixels that are not its background, and the number of recharts
// lines with enough points. Conditions the browser tests wait for, so they
// hold however slowly the machine draws.

import type { Page } from 'playwright-core';

/** Share of the pixels of the canvas named `name` that differ from its background colour. */
export async function drawnShare(page: Page, name: string | RegExp): Promise<number> {
  return page.getByRole('img', { name }).evaluate((canvas: HTMLCanvasElement) => {
    const ctx = canvas.getContext('2d')!;
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    const bg = getComputedStyle(canvas).backgroundColor.match(/\d+/g)!.map(Number);
    let differing = 0;
    for (let k = 0; k < data.length; k += 4) {
      const same =
        data[k + 3] === 0 ||
        (Math.abs(data[k] - bg[0]) < 4 &&
          Math.abs(data[k + 1] - bg[1]) < 4 &&
          Math.abs(data[k + 2] - bg[2]) < 4);
      if (!same) differing++;
    }
    return differing / (data.length / 4);
  });
}

/** Drawn lines of the chart labelled `label`: stroked recharts curves of at least `points` points. */
export function linesIn(page: Page, label: RegExp, points: number): Promise<number> {
  return page
    .getByRole('img', { name: label })
    .locator('path.recharts-line-curve')
    .evaluateAll(
      (paths, min) =>
        paths.filter(
          (p) =>
            p.getAttribute('stroke') !== 'none' &&
            (p.getAttribute('d') ?? '').split(/[LC]/).length >= min,
        ).length,
      points,
    );
}

/** The models whose stroked curves, of `selector` inside the chart labelled `label`, have ≥ `points` points. */
export function drawnModels(page: Page, label: RegExp, selector: string, points: number) {
  return page
    .getByRole('img', { name: label })
    .locator(selector)
    .evaluateAll(
      (groups, min) =>
        groups
          .filter((g) => {
            const path = g.matches('path') ? g : g.querySelector('path.recharts-line-curve');
            const d = path?.getAttribute('d') ?? '';
            return path?.getAttribute('stroke') !== 'none' && d.split(/[LC]/).length >= min;
          })
          .map((g) => [...g.classList].find((c) => c.startsWith('model-')) ?? '?')
          .sort(),
      points,
    );
}
