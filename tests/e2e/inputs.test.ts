// Corpus input and settings in the browser (on the CPU backend: none of this
// depends on the engine): bad text gets an inline message and never costs the
// person their pasted text; a 20 MB file loads with progress; built-in
// corpora, the URL hash, the reset confirmation and the keyboard work. How
// responsive the page stays while a big file loads or big gate maps redraw is
// measured by `npm run bench:ui`, not here.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agreementCorpus } from '../../src/corpora/agreement';
import { openPage, serveBuiltApp } from '../helpers/app';
import { launch } from './browser';
import { pausedSteps, stepCount, untilTrainable } from './steps';

const app = serveBuiltApp();
let browser: Browser | null;
let dir: string;

beforeAll(async () => {
  browser = await launch('cpu');
  dir = mkdtempSync(join(tmpdir(), 'gatescope-e2e-'));
});

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function open(hash = ''): Promise<{ page: Page; errors: string[] }> {
  const { page, log } = await openPage(browser!, app.url + hash, {
    viewport: { width: 1440, height: 1000 },
  });
  await untilTrainable(page, 60_000);
  return { page, errors: log.errors };
}

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const alertText = (page: Page) => page.getByRole('alert').first().textContent();

describe('corpus input', () => {
  it('explains bad text inline and keeps the pasted text', async () => {
    const { page, errors } = await open('#T=32&B=8');
    const area = page.getByLabel('Corpus text');
    const use = page.getByRole('button', { name: 'Use pasted text' });
    const upload = page.getByLabel('Corpus file');

    await use.click();
    await expect.poll(() => alertText(page)).toContain('empty');

    await area.fill('   \n\t  ');
    await use.click();
    await expect.poll(() => alertText(page)).toContain('whitespace');

    const mine = 'hello world, my own short text';
    await area.fill(mine);
    await use.click();
    await expect
      .poll(() => alertText(page), { timeout: 20_000 })
      .toContain('shorter than two windows');

    await upload.setInputFiles(file('binary.txt', new Uint8Array([104, 105, 0, 1, 2, 3, 104])));
    await expect.poll(() => alertText(page)).toContain('NUL bytes');

    await upload.setInputFiles(
      file('latin1.txt', new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x20, 0x6f, 0x6b])),
    );
    await expect.poll(() => alertText(page)).toContain('not valid UTF-8');

    await upload.setInputFiles(file('empty.txt', ''));
    await expect.poll(() => alertText(page)).toContain('empty');

    // Nothing was lost: the pasted text and the corpus in use are as they were.
    expect(await area.inputValue()).toBe(mine);
    const inUse = page.getByRole('group', { name: 'Corpus in use' });
    expect(await inUse.textContent()).toContain('Subject–verb agreement');

    // A built-in corpus is one click.
    await page.getByRole('button', { name: 'Nested brackets' }).click();
    await expect.poll(() => inUse.textContent(), { timeout: 20_000 }).toContain('Nested brackets');
    expect(await page.getByRole('alert').count()).toBe(0);

    // A file dropped anywhere on the page (here on the metrics panel) becomes the corpus.
    const dropped = agreementCorpus(3, 5000);
    const transfer = await page.evaluateHandle((text) => {
      const data = new DataTransfer();
      data.items.add(new File([text], 'dropped.txt', { type: 'text/plain' }));
      return data;
    }, dropped);
    const target = page.getByRole('heading', { name: 'Gates', exact: true });
    await target.dispatchEvent('dragenter', { dataTransfer: transfer });
    await target.dispatchEvent('dragover', { dataTransfer: transfer });
    await target.dispatchEvent('drop', { dataTransfer: transfer });
    await expect.poll(() => inUse.textContent(), { timeout: 20_000 }).toContain('dropped.txt');
    expect(page.url()).toContain(app.url); // the browser did not navigate to the file
    expect(errors).toEqual([]);
    await page.close();
  });

  it('loads a 20 MB file with progress', async () => {
    const { page, errors } = await open();
    const text = agreementCorpus(11, 20_000_000);
    const path = file('big.txt', text);
    // Remember whether a progress bar ever showed: the read may be over before we could look.
    await page.evaluate(() => {
      const w = window as unknown as { __sawProgress: boolean };
      w.__sawProgress = false;
      new MutationObserver(() => {
        if (document.querySelector('progress[aria-label="Corpus loading progress"]'))
          w.__sawProgress = true;
      }).observe(document.body, { childList: true, subtree: true });
    });
    const started = Date.now();
    await page.getByLabel('Corpus file').setInputFiles(path);
    const inUse = page.getByRole('group', { name: 'Corpus in use' });
    await expect
      .poll(() => inUse.textContent(), { timeout: 240_000, interval: 250 })
      .toContain('big.txt');
    console.log(`[e2e inputs] 20 MB file in use after ${(Date.now() - started) / 1000} s`);
    expect(await page.getByLabel('Character count').textContent()).toBe(
      text.length.toLocaleString('en-US'),
    );
    expect(
      await page.evaluate(() => (window as unknown as { __sawProgress: boolean }).__sawProgress),
    ).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('gates', () => {
  it('draws six maps of 512 units × 200 characters, refreshed while training', async () => {
    // A wide model on a short window: the snapshots are big, the steps stay cheap.
    const { page, errors } = await open('#E=16&H=512&L=1&T=8&B=2&backend=cpu');
    const probe = agreementCorpus(5, 400).replace(/\n/g, ' ').slice(0, 200);
    await page.getByLabel('Probe text').fill(probe);
    const heatmap = page.getByRole('img', { name: /^forget gate heatmap/ });
    await expect
      .poll(() => heatmap.getAttribute('aria-label'), { timeout: 30_000 })
      .toContain('200 positions × 512 units');
    const snapshotStep = async () =>
      Number(
        ((await page.getByLabel('Gate snapshot step').textContent()) ?? '').replace(/\D/g, ''),
      );
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    // Refreshed while training: a snapshot of a trained model, then a later one.
    await expect.poll(snapshotStep, { timeout: 120_000 }).toBeGreaterThan(0);
    const first = await snapshotStep();
    await expect.poll(snapshotStep, { timeout: 120_000 }).toBeGreaterThan(first);
    await page.getByRole('button', { name: 'Pause' }).click();
    const paused = await pausedSteps(page);
    // Paused, the last snapshot is of the paused model.
    await expect.poll(snapshotStep, { timeout: 60_000 }).toBe(paused);
    expect(await heatmap.getAttribute('aria-label')).toContain('200 positions × 512 units');
    for (const gate of ['input gate', 'candidate', 'output gate', 'cell state (tanh)']) {
      const map = page.getByRole('img', { name: `${gate} heatmap: ` });
      expect(await map.getAttribute('aria-label'), gate).toContain('200 positions × 512 units');
    }
    await page.screenshot({ path: join('test-results', 'gates-h512.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('settings', () => {
  it('reads the URL hash, asks before a reset, and works from the keyboard', async () => {
    const { page, errors } = await open('#E=8&H=24&L=1&T=16&B=4&lr=0.02&seed=3');
    const hidden = page.getByLabel('Hidden H');
    expect(await hidden.inputValue()).toBe('24');
    expect(await page.getByLabel('Learning rate').inputValue()).toBe('0.02');

    // Keyboard: Enter on Train starts, Space on Pause stops.
    await page.getByRole('button', { name: 'Train', exact: true }).focus();
    await page.keyboard.press('Enter');
    const pauseButton = page.getByRole('button', { name: 'Pause' });
    await expect.poll(() => pauseButton.isEnabled(), { timeout: 60_000 }).toBe(true);
    await expect.poll(() => stepCount(page), { timeout: 120_000 }).toBeGreaterThan(2);
    await pauseButton.focus();
    await page.keyboard.press('Space');
    await expect
      .poll(() => page.getByRole('button', { name: 'Step' }).isEnabled(), { timeout: 60_000 })
      .toBe(true);

    // A live setting applies at once and lands in the URL.
    await page.getByLabel('Learning rate').fill('0.005');
    await page.getByLabel('Learning rate').press('Enter');
    await expect.poll(() => page.evaluate(() => location.hash)).toContain('lr=0.005');
    expect(await page.getByRole('dialog').count()).toBe(0);

    // A model change on a trained model asks first; keeping the model undoes the edit.
    await hidden.fill('32');
    await hidden.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Start a new model?' });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await dialog.textContent()).toContain('hidden size');
    await page.getByRole('button', { name: 'Keep current model' }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect(await hidden.inputValue()).toBe('24');
    expect(await stepCount(page)).toBeGreaterThan(0);

    // Confirming resets the model with the new size.
    await hidden.fill('32');
    await hidden.press('Enter');
    await page.getByRole('button', { name: 'Reset and apply' }).click();
    await expect.poll(() => page.evaluate(() => location.hash)).toContain('H=32');
    await expect.poll(() => stepCount(page), { timeout: 60_000 }).toBe(0);

    // Page-wide shortcuts, away from any field: Space trains and pauses, '.' steps once.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('Space');
    await expect.poll(() => pauseButton.isEnabled(), { timeout: 60_000 }).toBe(true);
    await expect.poll(() => stepCount(page), { timeout: 120_000 }).toBeGreaterThan(0);
    await page.keyboard.press('Space');
    const stepButton = page.getByRole('button', { name: 'Step' });
    await expect.poll(() => stepButton.isEnabled(), { timeout: 60_000 }).toBe(true);
    const paused = await pausedSteps(page); // steps in flight at the pause land
    await page.keyboard.press('.');
    await expect.poll(() => stepCount(page), { timeout: 60_000 }).toBe(paused + 1);
    expect(await pausedSteps(page)).toBe(paused + 1);

    // Another corpus on a trained model asks first; keeping the model keeps the corpus.
    const inUse = page.getByRole('group', { name: 'Corpus in use' });
    const before = await inUse.textContent();
    await page.getByRole('button', { name: 'Nested brackets' }).click();
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await dialog.textContent()).toContain('Saved runs');
    await page.getByRole('button', { name: 'Keep current model' }).click();
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect(await inUse.textContent()).toBe(before);
    expect(await stepCount(page)).toBe(paused + 1);

    // Out of range: an inline message, nothing applied.
    await page.getByLabel('Layers L').fill('99');
    await page.getByLabel('Layers L').press('Enter');
    expect(await page.getByText('between 1 and 8').count()).toBe(1);
    expect(await page.evaluate(() => location.hash)).toContain('L=1');
    expect(errors).toEqual([]);
    await page.close();
  });
});
