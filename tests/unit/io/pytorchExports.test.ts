// The PyTorch export of every task, run in PyTorch itself: the zip's files are
// unpacked into a folder, the README's Python block runs there verbatim in
// Debian's torch (its `nn.LSTM/GRU/RNN(..., bidirectional=D == 2)` and
// `nn.Linear` heads, `load_state_dict(strict=True)`), and a few lines after it
// run the loaded model on the test's input and print its outputs, which must
// be the CPU engine's within 1e-4:
//   - language models: the logits (T, V) of token ids;
//   - bidirectional taggers: the (T, 2) logits, `_reverse` tensors included;
//   - forecasters: the one-step predictions (T, Co) of normalised values.
// The README imports the `safetensors` package, which Debian lacks and no
// reachable index provides; tests/fixtures/python stands in for its two calls,
// reading with the project's own gatescope.py. Under CI=true a machine without
// torch fails here (scripts/ensure-chromium.mjs installs python3-torch).
//
// Dimension legend: T steps, E embedding, H hidden, V vocabulary, L layers,
// Ci values read and Co values predicted per step.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import type { ProbeInput } from '../../../src/engine/backend';
import type { ModelConfig } from '../../../src/engine/config';
import { buildCorpus, type Corpus } from '../../../src/engine/tokenizer';
import { exportFiles } from '../../../src/io/bundle';
import { cpuLogits, maxAbsDiff, seededParams, TEXT } from '../../helpers/io';
import { hasTorch, PYTHON, requireTorch } from '../../helpers/pytorchProject';

const ci = process.env.CI === 'true';
const dir = mkdtempSync(join(tmpdir(), 'gatescope-pytorch-exports-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PYTHONPATH = [
  fileURLToPath(new URL('../../fixtures/python', import.meta.url)),
  fileURLToPath(new URL('../../../src/io/project', import.meta.url)),
].join(':');

const lm = buildCorpus(TEXT);
const spaces = buildCorpus(TEXT.replace(/ /g, ''));
const lower = buildCorpus(TEXT.toLowerCase());
const base = { embedSize: 6, hiddenSize: 7 };
const series = {
  columns: ['load', 'temp', 'hour'],
  inputColumns: [1, 2],
  targetColumns: [0],
  mean: [300, 12, 11.5],
  std: [40, 5, 6.9],
};

type Case = [name: string, model: ModelConfig, corpus: Corpus | null];
const CASES: Case[] = [
  ['lm LSTM, L=2', { ...base, cell: 'lstm', layers: 2, vocabSize: lm.vocab.size }, lm],
  ['lm GRU, L=1', { ...base, cell: 'gru', layers: 1, vocabSize: lm.vocab.size }, lm],
  ['lm RNN, L=2', { ...base, cell: 'rnn', layers: 2, vocabSize: lm.vocab.size }, lm],
  [
    'bidirectional LSTM spaces tagger, L=2',
    {
      ...base,
      cell: 'lstm',
      layers: 2,
      task: 'spaces',
      direction: 'bi',
      vocabSize: spaces.vocab.size,
    },
    spaces,
  ],
  [
    'bidirectional GRU case tagger, L=2',
    { ...base, cell: 'gru', layers: 2, task: 'case', direction: 'bi', vocabSize: lower.vocab.size },
    lower,
  ],
  [
    'bidirectional RNN spaces tagger, L=1',
    {
      ...base,
      cell: 'rnn',
      layers: 1,
      task: 'spaces',
      direction: 'bi',
      vocabSize: spaces.vocab.size,
    },
    spaces,
  ],
  ...(['lstm', 'gru', 'rnn'] as const).map((cell): Case => [
    `${cell.toUpperCase()} forecaster, L=2, Ci=2, Co=1`,
    { ...base, cell, layers: 2, task: 'forecast', vocabSize: 0, seriesInputs: 2, seriesOutputs: 1 },
    null,
  ]),
];

/** Lines run after the README's block: the loaded `model` on input.json, its outputs printed. */
const EPILOGUE = `
with open("input.json") as _f:
    _x = json.load(_f)
with torch.no_grad():
    _out, _ = model(torch.tensor([_x["input"]], dtype=torch.float32 if _x["values"] else torch.long))
print("OUTPUTS " + json.dumps(_out[0].reshape(-1).tolist()))
`;

/** The one Python block of a README. */
function pythonBlock(readme: string): string {
  const blocks = [...readme.matchAll(/^```python\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
  expect(blocks.length).toBe(1);
  return blocks[0];
}

/** Token ids of the corpus's text (T = 40), or (T = 40, Ci) values of a smooth series. */
function inputOf(
  model: ModelConfig,
  corpus: Corpus | null,
): { input: ProbeInput; rows: number[] | number[][] } {
  if (!corpus) {
    const Ci = model.seriesInputs!;
    const rows = Array.from({ length: 40 }, (_, t) =>
      Array.from({ length: Ci }, (_, k) => Math.sin(0.3 * t + k) + 0.1 * k),
    );
    return { input: Float32Array.from(rows.flat()), rows };
  }
  const ids = Array.from(corpus.tokens.subarray(0, 40));
  return { input: Int32Array.from(ids), rows: ids };
}

describe.skipIf(!hasTorch && !ci)('the PyTorch export, loaded by its README in torch', () => {
  test.each(CASES)('%s gives the CPU engine’s outputs (≤ 1e-4)', async (name, model, corpus) => {
    requireTorch();
    const params = seededParams(model, 13);
    const files = exportFiles('safetensors', model, params, corpus?.vocab ?? null, {
      weights: { which: 'latest', step: 3 },
      ...(corpus ? {} : { series }),
    });
    const folder = mkdtempSync(join(dir, 'zip-'));
    for (const f of files) writeFileSync(join(folder, f.name), f.bytes);
    const readme = new TextDecoder().decode(files.find((f) => f.name === 'README.md')!.bytes);
    const { input, rows } = inputOf(model, corpus);
    writeFileSync(join(folder, 'input.json'), JSON.stringify({ input: rows, values: !corpus }));
    writeFileSync(join(folder, 'run.py'), pythonBlock(readme) + EPILOGUE);

    const run = spawnSync(PYTHON, ['run.py'], {
      cwd: folder,
      encoding: 'utf8',
      env: { ...process.env, PYTHONPATH },
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const line = run.stdout.split('\n').find((l) => l.startsWith('OUTPUTS '));
    expect(line).toBeDefined();
    const got = JSON.parse(line!.slice('OUTPUTS '.length)) as number[];
    const diff = maxAbsDiff(got, await cpuLogits(model, params, input));
    console.log(
      `torch (README code) vs CpuBackend.probe, ${name}: max |Δ| ${diff.toExponential(2)}`,
    );
    expect(diff).toBeLessThanOrEqual(1e-4);
  });
});
