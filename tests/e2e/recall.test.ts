// The delayed-recall corpus on the page: choosing its chip shows the Delay D
// field; a D outside 5–200 is explained inline and changes nothing; a good D
// regenerates the text (the corpus in use is named with it, its lines have D
// filler letters); another corpus hides the field. On the CPU backend: none of
// this depends on the engine.

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, serveBuiltApp } from '../helpers/app';
import { launch } from './browser';
import { untilTrainable } from './steps';

const app = serveBuiltApp();
let browser: Browser | null;

beforeAll(async () => {
  browser = await launch('cpu');
});

afterAll(async () => {
  await browser?.close();
});

/** Filler letters between ':' and '>' in the first line of the preview. */
function delayShown(preview: string | null): number {
  const line = (preview ?? '').split('\n')[0];
  const match = /^[ABCD]:([stuvwxyz]+)>([ABCD])$/.exec(line);
  if (!match || match[2] !== line[0]) return -1;
  return match[1].length;
}

describe('delayed-recall corpus', () => {
  it('chooses D on the page, refuses one outside 5–200, regenerates the text', async () => {
    const { page, log } = await openPage(browser!, app.url + '#T=32&B=8', {
      viewport: { width: 1440, height: 1000 },
    });
    await untilTrainable(page, 60_000);
    const inUse = page.getByRole('group', { name: 'Corpus in use' });
    const preview = () => inUse.locator('pre.preview').textContent();
    const field = page.getByLabel('Delay D');
    await expect.poll(() => field.count()).toBe(0);

    const chip = page.getByRole('button', { name: 'Delayed recall' });
    await chip.click();
    await expect.poll(() => inUse.textContent()).toContain('Delayed recall (D = 20)');
    await expect.poll(async () => delayShown(await preview())).toBe(20);
    await expect.poll(() => chip.getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => field.inputValue()).toBe('20');

    for (const bad of ['4', '201']) {
      await field.fill(bad);
      await field.press('Enter');
      await expect.poll(() => field.getAttribute('aria-invalid')).toBe('true');
      await expect.poll(() => page.getByText('between 5 and 200').count()).toBe(1);
      await expect.poll(() => inUse.textContent()).toContain('Delayed recall (D = 20)');
    }

    await field.fill('40');
    await field.press('Enter');
    await expect.poll(() => inUse.textContent()).toContain('Delayed recall (D = 40)');
    await expect.poll(async () => delayShown(await preview())).toBe(40);
    await expect.poll(() => field.getAttribute('aria-invalid')).toBe('false');
    // The chip again: a fresh model at the same D.
    await chip.click();
    await expect.poll(() => field.inputValue()).toBe('40');

    await page.getByRole('button', { name: 'Nested brackets' }).click();
    await expect.poll(() => inUse.textContent()).toContain('Nested brackets');
    await expect.poll(() => field.count()).toBe(0);
    await expect.poll(() => chip.getAttribute('aria-pressed')).toBe('false');
    expect(log.errors).toEqual([]);
  });
});
