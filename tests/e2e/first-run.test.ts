// A newcomer's first minute, exactly as they would do it, on both backends:
// paste a text into the corpus box and press Train. The model must train the
// pasted text (the "in use" card shows its characters and vocabulary) with no
// other click; once a model has trained, Train asks before a new text
// replaces it, and either answer trains. A very large paste reaches the
// worker whole while the box shows only its start.

import type { Browser } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { openPage, serveBuiltApp, withBrowser } from '../helpers/app';
import { MODES } from './browser';
import { shownNumber, untilTrainable } from './steps';

const app = serveBuiltApp();

/** A text of the kind a person pastes: mixed case, digits and punctuation. */
function pastedText(seed: string): string {
  const line = `${seed} The Quick Brown Fox (No. 42) jumps over 7 lazy dogs; why? "Because!"\n`;
  return line.repeat(60);
}

function statsOf(text: string) {
  return { chars: [...text].length, vocab: new Set(text).size };
}

async function open(browser: Browser) {
  // A small model, so steps come quickly on two shared cores.
  const { page, log } = await openPage(browser, `${app.url}#E=16&H=32&L=1&T=16&B=4`, {
    viewport: { width: 1440, height: 1000 },
  });
  await untilTrainable(page, 300_000);
  return { page, log, train: page.getByRole('button', { name: 'Train', exact: true }) };
}

describe.each(MODES)('first run (%s)', (mode) => {
  it('paste, then Train, trains the pasted text; a later text asks first', async () => {
    await withBrowser(mode, async (browser) => {
      const { page, log, train } = await open(browser);
      const inUse = page.getByRole('group', { name: 'Corpus in use' });
      await expect.poll(() => inUse.textContent()).not.toContain('Pasted text');

      // Paste and press Train at once, as a newcomer does. In one go in the page: as two
      // Playwright actions, a loaded machine can let the box's 400 ms adoption pause end between
      // them, and the build it starts disables Train after Playwright has checked it is enabled,
      // so the click lands on a disabled button (the likeliest way a CI run lost its Train).
      const first = pastedText('Alpha');
      await page.getByLabel('Corpus text').evaluate((box, text) => {
        const setValue = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value')!;
        setValue.set!.call(box, text);
        box.dispatchEvent(new Event('input', { bubbles: true }));
        const buttons = [...document.querySelectorAll('button')];
        const trainButton = buttons.find((b) => b.textContent?.trim() === 'Train');
        if (!trainButton || trainButton.disabled) throw new Error('no enabled Train button');
        trainButton.click();
      }, first);
      await expect.poll(() => inUse.textContent(), { timeout: 30_000 }).toContain('Pasted text');
      expect(await shownNumber(page, 'Vocabulary size')).toBe(statsOf(first).vocab);
      expect(await shownNumber(page, 'Character count')).toBe(statsOf(first).chars);
      // Training started (a lost Train fails here), then its first step lands: on a loaded
      // machine a software adapter's first step (shader compiles) can take minutes.
      const pause = page.getByRole('button', { name: 'Pause' });
      await expect.poll(() => pause.isEnabled(), { timeout: 300_000 }).toBe(true);
      await expect.poll(() => shownNumber(page, 'Steps'), { timeout: 300_000 }).toBeGreaterThan(0);
      await pause.click();
      await expect.poll(() => train.isEnabled(), { timeout: 300_000 }).toBe(true);

      // The model has trained: a new text waits until Train, which asks first.
      const second = pastedText('Zulu & Yankee: 1938');
      await page.getByLabel('Corpus text').fill(second);
      await expect
        .poll(() => page.getByLabel('Corpus box status').textContent())
        .toContain('Train asks');
      expect(await shownNumber(page, 'Vocabulary size')).toBe(statsOf(first).vocab);
      await train.click();
      const ask = page.getByRole('dialog', { name: 'Start a new model?' });
      await expect.poll(() => ask.isVisible()).toBe(true);
      await ask.getByRole('button', { name: 'Use the new text' }).click();
      await expect
        .poll(() => shownNumber(page, 'Vocabulary size'), { timeout: 30_000 })
        .toBe(statsOf(second).vocab);
      expect(await shownNumber(page, 'Character count')).toBe(statsOf(second).chars);
      // …and it trains the new model without another click.
      await expect.poll(() => pause.isEnabled(), { timeout: 300_000 }).toBe(true);
      await expect.poll(() => shownNumber(page, 'Steps'), { timeout: 300_000 }).toBeGreaterThan(0);
      await pause.click();
      await expect.poll(() => train.isEnabled(), { timeout: 300_000 }).toBe(true);

      // Keeping the trained model also trains, on the corpus in use; Space does what Train does.
      await page.getByLabel('Corpus text').fill(pastedText('Kilo'));
      await page.getByRole('heading', { name: 'Corpus' }).click(); // focus leaves the box
      await page.keyboard.press('Space');
      await expect.poll(() => ask.isVisible()).toBe(true);
      await ask.getByRole('button', { name: 'Keep current model' }).click();
      await expect.poll(() => pause.isEnabled(), { timeout: 300_000 }).toBe(true);
      expect(await shownNumber(page, 'Vocabulary size')).toBe(statsOf(second).vocab);
      await expect
        .poll(() => page.getByLabel('Corpus box status').textContent())
        .toContain('not in use');
      await pause.click();
      expect(log.errors).toEqual([]);
    });
  });
});

describe('first run (one rule for every source)', () => {
  it('a refused text never blocks a corpus chosen after it; Step follows Train', async () => {
    await withBrowser('cpu', async (browser) => {
      const { page, log, train } = await open(browser);
      const inUse = page.getByRole('group', { name: 'Corpus in use' });
      const alerts = async () => (await page.getByRole('alert').allTextContents()).join(' ');
      await page.getByLabel('Corpus text').fill('far too short');
      await expect.poll(alerts, { timeout: 30_000 }).toContain('shorter than two windows');
      await train.click();
      await expect.poll(alerts).toContain('cannot be trained on');
      expect(await shownNumber(page, 'Steps')).toBe(0);

      // Another corpus chosen after it is the newest: Train trains that one.
      await page.getByRole('button', { name: 'Nested brackets' }).click();
      await expect.poll(() => inUse.textContent(), { timeout: 30_000 }).toContain('brackets');
      await expect
        .poll(() => page.getByLabel('Corpus box status').textContent())
        .toContain('not in use');
      await train.click();
      const pause = page.getByRole('button', { name: 'Pause' });
      await expect.poll(() => pause.isEnabled(), { timeout: 300_000 }).toBe(true);
      await expect.poll(() => shownNumber(page, 'Steps'), { timeout: 300_000 }).toBeGreaterThan(0);
      await pause.click();
      await expect.poll(() => train.isEnabled(), { timeout: 300_000 }).toBe(true);

      // Step, like Train, asks before the box's new text replaces the trained model.
      const text = pastedText('Step by step');
      await page.getByLabel('Corpus text').fill(text);
      await page.getByRole('button', { name: 'Step' }).click();
      const ask = page.getByRole('dialog', { name: 'Start a new model?' });
      await expect.poll(() => ask.isVisible()).toBe(true);
      await ask.getByRole('button', { name: 'Use the new text' }).click();
      await expect
        .poll(() => shownNumber(page, 'Vocabulary size'), { timeout: 30_000 })
        .toBe(statsOf(text).vocab);
      await expect.poll(() => shownNumber(page, 'Steps'), { timeout: 300_000 }).toBe(1);
      expect(log.errors).toEqual([]);
    });
  });
});

describe('first run (large paste)', () => {
  it('takes a 50 MB paste whole while the box shows its start', async () => {
    await withBrowser('cpu', async (browser) => {
      const { page, log } = await open(browser);
      const size = 50 * 1024 * 1024;
      const vocab = await page.getByLabel('Corpus text').evaluate((box, n) => {
        const words = ['gates ', 'forget ', 'input ', 'output ', 'cell\n', 'State. '];
        const parts: string[] = [];
        let length = 0;
        for (let k = 0; length < n; k++) {
          const word = words[(k * 7 + (k >> 3)) % words.length];
          parts.push(word);
          length += word.length;
        }
        const text = parts.join('').slice(0, n);
        const data = new DataTransfer();
        data.setData('text/plain', text);
        box.dispatchEvent(
          new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }),
        );
        return new Set(text).size;
      }, size);
      const inUse = page.getByRole('group', { name: 'Corpus in use' });
      await expect.poll(() => inUse.textContent(), { timeout: 300_000 }).toContain('Pasted text');
      expect(await shownNumber(page, 'Character count')).toBe(size);
      expect(await shownNumber(page, 'Vocabulary size')).toBe(vocab);
      const shown = await page.getByLabel('Corpus text').inputValue();
      expect(shown.length).toBeLessThan(size / 100);
      expect(await page.getByLabel('Corpus box status').textContent()).toContain(
        `${size.toLocaleString('en-US')} characters pasted`,
      );
      expect(log.errors).toEqual([]);
    });
  });
});
