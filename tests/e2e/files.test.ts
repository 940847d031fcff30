// Model files and saved runs in the browser (CPU backend): train, pause, and
// the run is saved; every export button downloads exactly one file (a zip of
// the model, vocab.json and a README for PyTorch, ONNX and TF.js) whose
// entries ONNX Runtime, TensorFlow.js and our readers load with the same
// logits; reopening the page offers to resume the run exactly where it
// paused; the downloaded checkpoint imports and resumes; the PyTorch zip
// imports as its safetensors would; bad files (and an ONNX zip) are refused
// with a message; a model whose vocabulary covers the corpus is adopted on
// request; runs delete.

import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from '../helpers/ort';
import type { Download, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { modelConfigFields } from '../../src/engine/config';
import { CpuBackend } from '../../src/engine/cpu/backend';
import { importWeights, loadCheckpoint } from '../../src/io';
import { unzipFiles } from '../../src/io/zip';
import { downloadingBrowser, openPage, serveBuiltApp } from '../helpers/app';
import { stepCount, trainThenPause, untilTrainable, usePastedText } from './steps';

// A small model on a text with a small alphabet, so training and the checks are quick.
const HASH = '#E=12&H=24&L=2&T=24&B=4&lr=0.01&seed=5&backend=cpu';
const WORDS = ['abba', 'baca', 'cab', 'dab', 'bad', 'ace', 'bead', 'deed'];
const CORPUS = Array.from({ length: 900 }, (_, k) => WORDS[(k * 5 + (k >> 3)) % 8]).join(' ');
const PROBE = 'a bad cab';
const VOCAB_SIZE = new Set(CORPUS).size;

const app = serveBuiltApp();
const browsing = downloadingBrowser('files');

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function open(hash = HASH): Promise<{ page: Page; errors: string[] }> {
  const { page, log } = await openPage(browsing.context, app.url + hash);
  await untilTrainable(page, 60_000);
  return { page, errors: log.errors };
}

/** Every download of a page, in order: a click that started two would show here. */
function recordDownloads(page: Page): { name: string; saved: Promise<string> }[] {
  const downloads: { name: string; saved: Promise<string> }[] = [];
  page.on('download', (download: Download) => {
    const path = join(browsing.dir, download.suggestedFilename());
    downloads.push({
      name: download.suggestedFilename(),
      saved: download.saveAs(path).then(() => path),
    });
  });
  return downloads;
}

/** Clicks an export button; returns the path of the one file it downloads, once saved. */
async function exportVia(
  page: Page,
  downloads: { name: string; saved: Promise<string> }[],
  label: string,
): Promise<string> {
  const before = downloads.length;
  const button = page.getByRole('group', { name: 'Export' }).getByRole('button', { name: label });
  await button.click();
  await expect.poll(() => downloads.length, { timeout: 60_000 }).toBeGreaterThan(before);
  // The page has taken the worker's answer (the button is free again): one file came.
  await expect.poll(() => button.getAttribute('aria-busy')).toBe('false');
  return downloads[before].saved;
}

/** Drops a file on the page, as a person dragging it from their folder would. */
async function drop(page: Page, path: string): Promise<void> {
  const file = { name: basename(path), base64: readFileSync(path).toString('base64') };
  await page.evaluate(({ name, base64 }) => {
    const data = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const transfer = new DataTransfer();
    transfer.items.add(new File([data], name));
    window.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, cancelable: true }));
  }, file);
}

/** A downloaded zip's entries by name. */
function entriesOf(path: string): Record<string, Uint8Array> {
  return Object.fromEntries(unzipFiles(bytes(path)).map((e) => [e.name, e.bytes]));
}

const bytes = (path: string) => new Uint8Array(readFileSync(path));

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

let savedStep = 0;
/** The downloads' paths: three zips, vocab.json, the checkpoint. */
let files: Record<'pytorch' | 'onnx' | 'tfjs' | 'vocab' | 'checkpoint', string>;

describe('model files', () => {
  it('trains, saves on pause, and exports files that other engines load', async () => {
    const { page, errors } = await open();
    await usePastedText(page, CORPUS);
    // Every step in flight at the pause has landed: this is the step the pause saves.
    savedStep = await trainThenPause(page, 40);
    // The pause saves the run: it shows in the list, marked as the one training. (An
    // autosave during training may show first, with an earlier step: wait for this one.)
    const list = page.getByRole('list', { name: 'Saved runs' });
    const shown = `step ${savedStep.toLocaleString('en-US')}`;
    await expect.poll(() => list.getByRole('listitem').count(), { timeout: 30_000 }).toBe(1);
    await expect
      .poll(() => page.getByLabel('Autosave status').textContent(), { timeout: 30_000 })
      .toMatch(`autosaved at ${shown}`);
    expect(await list.textContent()).toContain(shown);

    // The weights of the paused model, as the checkpoint holds them (a best validation's
    // weights of an earlier step would be the default once offered).
    const latest = page.getByRole('radio', { name: 'Latest' });
    if ((await latest.count()) > 0) await latest.check();
    const downloads = recordDownloads(page);
    const pytorch = await exportVia(page, downloads, 'PyTorch');
    const onnx = await exportVia(page, downloads, 'ONNX');
    const tfjs = await exportVia(page, downloads, 'TensorFlow.js');
    files = {
      pytorch,
      onnx,
      tfjs,
      vocab: await exportVia(page, downloads, 'vocab.json'),
      checkpoint: await exportVia(page, downloads, 'Checkpoint'),
    };
    const zipName = (format: string) =>
      expect.stringMatching(
        new RegExp(`^gatescope-lstm-h24-l2-(best-)?step${savedStep}-${format}\\.zip$`),
      );
    expect(downloads.map((d) => d.name)).toEqual([
      zipName('pytorch'),
      zipName('onnx'),
      zipName('tfjs'),
      'vocab.json',
      'checkpoint.safetensors',
    ]);
    const zipped = { pytorch: entriesOf(pytorch), onnx: entriesOf(onnx), tfjs: entriesOf(tfjs) };
    expect(Object.keys(zipped.pytorch)).toEqual(['model.safetensors', 'vocab.json', 'README.md']);
    expect(Object.keys(zipped.onnx)).toEqual(['model.onnx', 'vocab.json', 'README.md']);
    expect(Object.keys(zipped.tfjs)).toEqual([
      'model.json',
      'model.weights.bin',
      'vocab.json',
      'README.md',
    ]);
    const vocabJson = readFileSync(files.vocab, 'utf8');
    for (const entries of Object.values(zipped)) {
      expect(new TextDecoder().decode(entries['vocab.json'])).toBe(vocabJson);
    }
    expect(new TextDecoder().decode(zipped.pytorch['README.md'])).toContain(
      'model.load_state_dict(load_file(path), strict=True)',
    );

    // The checkpoint is the paused run: same step, same weights as model.safetensors.
    const checkpoint = loadCheckpoint(bytes(files.checkpoint), {
      requireCheckpoint: true,
    });
    if (checkpoint.kind !== 'checkpoint') throw new Error('not a checkpoint');
    expect(checkpoint.optimizer.step).toBe(savedStep);
    const weights = importWeights(zipped.pytorch['model.safetensors'], { vocabJson });
    expect(maxAbsDiff(weights.params, checkpoint.params)).toBe(0);
    expect(weights.model).toEqual(
      modelConfigFields({
        vocabSize: VOCAB_SIZE,
        cell: 'lstm',
        embedSize: 12,
        hiddenSize: 24,
        layers: 2,
      }),
    );

    // Reference logits from our CPU engine with those weights.
    const tokens = weights.vocab!.encode(PROBE);
    const cpu = new CpuBackend(weights.model, weights.params, { batchSize: 1, seqLen: 8 });
    const want = (await cpu.probe(tokens)).logits;
    cpu.dispose();
    const { layers: L, hiddenSize: H } = weights.model;

    const session = await ort.InferenceSession.create(zipped.onnx['model.onnx']);
    const out = await session.run({
      tokens: new ort.Tensor(
        'int64',
        BigInt64Array.from(tokens, (t) => BigInt(t)),
        [tokens.length, 1],
      ),
      h0: new ort.Tensor('float32', new Float32Array(L * H), [L, 1, H]),
      c0: new ort.Tensor('float32', new Float32Array(L * H), [L, 1, H]),
    });
    const onnxDiff = maxAbsDiff(out.logits.data as Float32Array, want);

    // Served as the unzipped folder would be.
    const served = zipped.tfjs;
    const fetchFunc = async (url: RequestInfo | URL) => {
      const body = served[String(url).split('/').pop()!];
      return body ? new Response(body.slice()) : new Response('missing', { status: 404 });
    };
    const tfModel = await tf.loadLayersModel('http://127.0.0.1/m/model.json', { fetchFunc });
    const input = tf.tensor2d(Array.from(tokens), [1, tokens.length]);
    const output = tfModel.predict(input) as tf.Tensor;
    const tfDiff = maxAbsDiff(await output.data(), want);
    tf.dispose([input, output]);
    tfModel.dispose();
    console.log(
      `[e2e files] step ${savedStep}: downloads → ONNX Runtime max |Δlogit| ${onnxDiff.toExponential(2)}, ` +
        `TF.js ${tfDiff.toExponential(2)}`,
    );
    expect(onnxDiff).toBeLessThanOrEqual(1e-4);
    expect(tfDiff).toBeLessThanOrEqual(1e-4);
    // Each click gave one download, and no late second one came while the engines ran.
    expect(downloads).toHaveLength(5);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('offers to resume the saved run when the page opens again, and resumes it exactly', async () => {
    const { page, errors } = await open('#backend=cpu');
    const offer = page.getByRole('region', { name: 'Resume a saved run' });
    await expect.poll(() => offer.isVisible(), { timeout: 30_000 }).toBe(true);
    expect(await offer.textContent()).toContain(`step ${savedStep.toLocaleString('en-US')}`);
    await offer.getByRole('button', { name: 'Resume it' }).click();
    await expect.poll(() => stepCount(page), { timeout: 30_000 }).toBe(savedStep);
    // The run's settings came back with it, into the form and the address bar.
    expect(await page.getByLabel('Hidden H').inputValue()).toBe('24');
    expect(page.url()).toContain('H=24');
    await expect
      .poll(() => page.getByRole('group', { name: 'Corpus in use' }).textContent())
      .toContain('Pasted text');
    expect(await page.getByLabel('Vocabulary size').textContent()).toBe(String(VOCAB_SIZE));
    // Training goes on from there.
    await page.getByRole('button', { name: 'Step' }).click();
    await expect.poll(() => stepCount(page), { timeout: 30_000 }).toBe(savedStep + 1);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('imports the downloaded checkpoint and weights, refuses bad files, adopts a vocabulary', async () => {
    const { page, errors } = await open(HASH);
    const offer = page.getByRole('region', { name: 'Resume a saved run' });
    await expect.poll(() => offer.isVisible(), { timeout: 30_000 }).toBe(true);
    await offer.getByRole('button', { name: 'Start fresh' }).click();
    const picker = page.getByLabel('Model or checkpoint file');
    const result = page.getByLabel('Import result');

    // A checkpoint of another text (the built-in corpus is in use): weights only.
    await picker.setInputFiles(files.checkpoint);
    await expect
      .poll(() => result.textContent(), { timeout: 30_000 })
      .toMatch(/Not imported|vocabulary/);

    // The same text as the checkpoint: it resumes exactly.
    await page.getByLabel('Corpus text').fill(CORPUS);
    await page.getByRole('button', { name: 'Use pasted text' }).click();
    await expect.poll(() => stepCount(page), { timeout: 30_000 }).toBe(0);
    await picker.setInputFiles(files.checkpoint);
    await expect.poll(() => result.textContent(), { timeout: 30_000 }).toContain('resumed');
    expect(await result.textContent()).toContain(`step ${savedStep}`);
    // The Steps tile repaints on the next animation frame after the run comes in: polled.
    await expect.poll(() => stepCount(page)).toBe(savedStep);

    // Bad files: a truncated one and a stranger, each with a message naming the problem.
    const whole = entriesOf(files.pytorch)['model.safetensors'];
    const truncated = join(browsing.dir, 'truncated.safetensors');
    writeFileSync(truncated, whole.subarray(0, Math.floor(whole.length / 2)));
    await picker.setInputFiles(truncated);
    await expect.poll(() => result.textContent(), { timeout: 30_000 }).toContain('Not imported');
    expect(await result.textContent()).toMatch(/truncated\.safetensors.*(end|short|truncat)/i);
    const notes = join(browsing.dir, 'notes.txt');
    writeFileSync(notes, 'hello');
    await page.getByRole('button', { name: 'Dismiss' }).click();
    await picker.setInputFiles(notes);
    await expect.poll(() => result.textContent(), { timeout: 30_000 }).toContain('.safetensors');
    await expect.poll(() => stepCount(page)).toBe(savedStep);
    // An ONNX zip: gatescope reads safetensors, and says which file to bring.
    await page.getByRole('button', { name: 'Dismiss' }).click();
    await picker.setInputFiles(files.onnx);
    await expect
      .poll(() => result.textContent(), { timeout: 30_000 })
      .toContain('this is an ONNX export; gatescope imports safetensors');
    await expect.poll(() => stepCount(page)).toBe(savedStep);

    // Another text with the same characters: the checkpoint gives its weights, not its state.
    await page.getByRole('button', { name: 'Dismiss' }).click();
    await page.getByLabel('Corpus text').fill(CORPUS.split(' ').reverse().join(' '));
    await page.getByRole('button', { name: 'Use pasted text' }).click();
    // The resumed run has trained: a new text asks before it replaces the model.
    const ask = page.getByRole('dialog', { name: 'Start a new model?' });
    await expect.poll(() => ask.isVisible()).toBe(true);
    await ask.getByRole('button', { name: 'Use the new text' }).click();
    await expect.poll(() => stepCount(page), { timeout: 30_000 }).toBe(0);
    await picker.setInputFiles(files.checkpoint);
    await expect
      .poll(() => result.textContent(), { timeout: 30_000 })
      .toContain('saved while training on another text, so only its weights were loaded');
    await expect.poll(() => stepCount(page)).toBe(0);

    // A text using only some of the model's characters: adopt the model's vocabulary.
    await page.getByRole('button', { name: 'Dismiss' }).click();
    await page
      .getByLabel('Corpus text')
      .fill(Array.from({ length: 300 }, () => 'abba cab').join(' '));
    await page.getByRole('button', { name: 'Use pasted text' }).click();
    await expect.poll(() => page.getByLabel('Vocabulary size').textContent()).toBe('4');
    // The PyTorch zip, as downloaded: its model.safetensors is what loads.
    await picker.setInputFiles(files.pytorch);
    const adopt = page.getByRole('alertdialog', { name: "Adopt the model's vocabulary" });
    await expect.poll(() => adopt.isVisible(), { timeout: 30_000 }).toBe(true);
    await adopt.getByRole('button', { name: 'Adopt its vocabulary' }).click();
    await expect.poll(() => result.textContent(), { timeout: 30_000 }).toContain('weights loaded');
    expect(await page.getByLabel('Vocabulary size').textContent()).toBe(String(VOCAB_SIZE));
    await expect.poll(() => stepCount(page)).toBe(0);

    // Dropped on the page, the zip is imported too (not read as a corpus): the corpus now
    // reads with the model's vocabulary, so its weights load at once.
    await page.getByRole('button', { name: 'Dismiss' }).click();
    await expect.poll(() => result.count()).toBe(0);
    await drop(page, files.pytorch);
    await expect.poll(() => result.textContent(), { timeout: 30_000 }).toContain('weights loaded');
    expect(await result.textContent()).toContain(basename(files.pytorch));
    expect(await page.getByLabel('Vocabulary size').textContent()).toBe(String(VOCAB_SIZE));

    // The loss chart redraws at most once a second: the picture waits until it has caught up
    // with the fresh model, whose training curve has no segment yet.
    const trainSegments = page.locator('.loss-line.train path.recharts-line-curve[d*="L"]');
    await expect.poll(() => trainSegments.count(), { timeout: 30_000 }).toBe(0);
    await page.screenshot({ path: join('test-results', 'model-files.png'), fullPage: true });
    // Delete every saved run.
    const list = page.getByRole('list', { name: 'Saved runs' });
    while ((await list.getByRole('listitem').count()) > 0) {
      const before = await list.getByRole('listitem').count();
      await list
        .getByRole('button', { name: /^Delete / })
        .first()
        .click();
      await expect.poll(() => list.getByRole('listitem').count()).toBe(before - 1);
    }
    expect(errors).toEqual([]);
    await page.close();
  });
});
