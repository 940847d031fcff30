// Reading numbers off the page, waiting until it can train, and until training has come
// to rest: the engine says it is paused, and the count shown, the engine's
// count and the step of the last training loss received all agree (the Steps
// output carries the last two as data attributes). A condition the page states,
// not a quiet period, so it holds however slow the machine is.

import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/** The number a labelled tile shows ("1,234" reads as 1234). */
export async function shownNumber(page: Page, label: string): Promise<number> {
  const text = (await page.getByLabel(label, { exact: true }).textContent()) ?? '';
  return Number(text.replace(/,/g, ''));
}

/** The step count shown on the Steps tile. */
export function stepCount(page: Page): Promise<number> {
  return shownNumber(page, 'Steps');
}

/** Waits until the Train button can be pressed: the page has built its first model. */
export async function untilTrainable(page: Page, timeout: number): Promise<void> {
  await expect
    .poll(() => page.getByRole('button', { name: 'Train', exact: true }).isEnabled(), { timeout })
    .toBe(true);
}

export interface StepsState {
  shown: number;
  engine: number;
  engineTraining: boolean;
  lastLoss: number;
}

/**
 * What the Steps tile says: the count shown and the engine's own figures
 * behind it, read in one evaluation so they come from one moment (separate
 * reads could straddle the pause's status and pair an old step with "paused").
 */
export async function stepsState(page: Page): Promise<StepsState> {
  const tile = page.getByLabel('Steps', { exact: true });
  const read = await tile.evaluate((el: HTMLElement) => ({
    text: el.textContent ?? '',
    engine: el.dataset.engineStep,
    training: el.dataset.engineTraining,
    lastLoss: el.dataset.lossStep,
  }));
  return {
    shown: Number(read.text.replace(/,/g, '')),
    engine: Number(read.engine),
    engineTraining: read.training !== 'false',
    lastLoss: Number(read.lastLoss),
  };
}

const atRest = (s: StepsState) =>
  !s.engineTraining && s.shown === s.engine && s.lastLoss === s.engine;

/**
 * Waits until the engine is paused and every step it ran has landed on the
 * page (count and loss), then returns that step count. Fails, showing the
 * tile's figures, if that does not happen within `timeout` ms: a Pause that
 * does not stop training fails here.
 */
export async function pausedSteps(page: Page, timeout = 60_000): Promise<number> {
  await expect.poll(() => stepsState(page), { timeout, interval: 200 }).toSatisfy(atRest);
  // Paused with everything landed, nothing moves any more: this read sees the same.
  const state = await stepsState(page);
  expect(state).toSatisfy(atRest);
  return state.shown;
}

/** Pastes `text` as the corpus and waits until it is the one in use. */
export async function usePastedText(page: Page, text: string): Promise<void> {
  await page.getByLabel('Corpus text').fill(text);
  await page.getByRole('button', { name: 'Use pasted text' }).click();
  await expect
    .poll(() => page.getByRole('group', { name: 'Corpus in use' }).textContent(), {
      timeout: 30_000,
    })
    .toContain('Pasted text');
}

/**
 * Trains until at least `steps` steps show, pauses, and returns the step count
 * once every step in flight has landed (the step a pause saves).
 */
export async function trainThenPause(page: Page, steps: number, timeout = 60_000): Promise<number> {
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expect.poll(() => stepCount(page), { timeout }).toBeGreaterThanOrEqual(steps);
  await page.getByRole('button', { name: 'Pause' }).click();
  return pausedSteps(page, timeout);
}
