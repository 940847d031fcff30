// "Continue in PyTorch" in the built app (CPU backend): after training, the
// button downloads one zip holding the project of the run as it paused (its
// step in config.json and the README, the weights the checkpoint holds), and
// its train.py runs on Debian's torch (required under CI=true). A tagger
// cannot continue there: the button is off and says why. The project's
// numbers against gatescope's are checked in tests/unit/io/pytorchProject.test.ts.
//
// Dimension legend: none (whole files).

import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Download } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { importWeights } from '../../src/io';
import { unzipFiles } from '../../src/io/zip';
import { downloadingBrowser, openPage, serveBuiltApp } from '../helpers/app';
import { trainThenPause, untilTrainable, usePastedText } from './steps';
import { hasTorch, PROJECT_FILES, PYTHON, requireTorch } from '../helpers/pytorchProject';

const HASH = '#E=12&H=24&L=2&T=24&B=4&lr=0.01&seed=5&backend=cpu';
const CORPUS = 'a cab, a bead, a deed; a bad dab.\n'.repeat(60);

const app = serveBuiltApp();
const browsing = downloadingBrowser('project');

describe('Continue in PyTorch (the page)', () => {
  it('downloads one zip of the paused run, whose train.py runs', async () => {
    const { page, log } = await openPage(browsing.context, app.url + HASH);
    await untilTrainable(page, 60_000);
    await usePastedText(page, CORPUS);
    const step = await trainThenPause(page, 20);

    const downloads: Download[] = [];
    page.on('download', (d) => downloads.push(d));
    await page.getByRole('button', { name: 'Continue in PyTorch' }).click();
    await expect.poll(() => downloads.length, { timeout: 60_000 }).toBe(1);
    const download = downloads[0];
    expect(download.suggestedFilename()).toBe(
      `gatescope-lstm-h24-l2-step${step}-pytorch-project.zip`,
    );
    const zipPath = join(browsing.dir, download.suggestedFilename());
    await download.saveAs(zipPath);

    const entries = unzipFiles(new Uint8Array(readFileSync(zipPath)));
    const byName = new Map(entries.map((e) => [e.name, e.bytes]));
    expect([...byName.keys()].sort()).toEqual([...PROJECT_FILES].sort());
    const text = (name: string) => new TextDecoder().decode(byName.get(name));
    const config = JSON.parse(text('config.json')) as { source: { step: number } };
    expect(config.source.step).toBe(step);
    expect(text('README.md')).toContain(`at step ${step}:`);
    expect(text('corpus.txt')).toBe(CORPUS);
    const weights = importWeights(byName.get('model.safetensors')!);
    expect(weights.metadata.step).toBe(String(step));
    expect(log.errors).toEqual([]);

    if (!hasTorch && process.env.CI !== 'true') return; // torch's part: the unit test says more
    requireTorch();
    const project = join(browsing.dir, 'project');
    mkdirSync(project);
    for (const [name, bytes] of byName) writeFileSync(join(project, name), bytes);
    const run = spawnSync(PYTHON, ['train.py', '--steps', '2', '--device', 'cpu'], {
      cwd: project,
      encoding: 'utf8',
      env: { ...process.env, OMP_NUM_THREADS: '1' },
    });
    expect(run.stderr).toBe('');
    const events = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { event: string; step: number });
    expect(events.at(-1)).toMatchObject({ event: 'saved', step: step + 2 });
  });

  it('a tagger cannot continue there, and the button says why', async () => {
    const { page } = await openPage(browsing.context, `${app.url}${HASH}&task=spaces`);
    await untilTrainable(page, 60_000);
    const button = page.getByRole('button', { name: 'Continue in PyTorch' });
    await expect.poll(() => button.isDisabled()).toBe(true);
    await expect
      .poll(() => page.locator('#continue-hint').textContent())
      .toContain('left-to-right language models');
  });
});
