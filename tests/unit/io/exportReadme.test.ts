// The README.md of every export zip, for each task and format: its code
// blocks parse (Python by python3's own parser, JavaScript by node's), it
// names the files the zip holds, the model's sizes, and for ONNX the graph's
// own input and output names. (The loading code itself runs in its engine: the
// Python of the PyTorch README verbatim in torch in pytorchExports.test.ts, the
// ONNX and TF.js names in bundle.test.ts.)
//
// Dimension legend: H hidden, L layers, V vocabulary.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { ModelConfig } from '../../../src/engine/config';
import { buildCorpus } from '../../../src/engine/tokenizer';
import { exportFiles, type ExportKind } from '../../../src/io/bundle';
import { onnxInputName, onnxOutputName } from '../../../src/io/exportOnnx';
import { seededParams } from '../../helpers/io';

const dir = mkdtempSync(join(tmpdir(), 'gatescope-readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lmVocab = buildCorpus('The cat sat on the mat.').vocab;
const spacesVocab = buildCorpus('thecatsatonthemat').vocab;
const base = { embedSize: 4, hiddenSize: 5, layers: 2 };
const MODELS: [string, ModelConfig, ExportKind[]][] = [
  ['lm LSTM', { ...base, cell: 'lstm', vocabSize: lmVocab.size }, ['safetensors', 'onnx', 'tfjs']],
  ['lm GRU', { ...base, cell: 'gru', vocabSize: lmVocab.size }, ['safetensors', 'onnx']],
  [
    'bidirectional spaces RNN',
    { ...base, cell: 'rnn', task: 'spaces', direction: 'bi', vocabSize: spacesVocab.size },
    ['safetensors', 'onnx', 'tfjs'],
  ],
  [
    'case LSTM',
    { ...base, cell: 'lstm', task: 'case', direction: 'bi', vocabSize: lmVocab.size },
    ['safetensors', 'onnx', 'tfjs'],
  ],
  [
    'forecast LSTM',
    { ...base, cell: 'lstm', task: 'forecast', vocabSize: 0, seriesInputs: 2, seriesOutputs: 1 },
    ['safetensors', 'onnx', 'tfjs'],
  ],
];
const series = {
  columns: ['load', 'temp'],
  inputColumns: [0, 1],
  targetColumns: [0],
  mean: [300, 12],
  std: [40, 5],
};

/** The fenced code blocks of a Markdown text, with their language. */
function codeBlocks(markdown: string): { lang: string; code: string }[] {
  return [...markdown.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)].map((m) => ({
    lang: m[1],
    code: m[2],
  }));
}

describe.each(MODELS)('the README of a %s', (_, model, kinds) => {
  const vocab = model.task === 'forecast' ? null : model.task === 'spaces' ? spacesVocab : lmVocab;
  test.each(kinds)('%s: code that parses, files, sizes and names', (kind) => {
    const files = exportFiles(kind, model, seededParams(model), vocab, {
      weights: { which: 'latest', step: 7 },
      ...(model.task === 'forecast' ? { series } : {}),
    });
    const readme = new TextDecoder().decode(files.at(-1)!.bytes);
    for (const f of files) expect(readme).toContain(`\`${f.name}\``);
    expect(readme).toContain(`| hidden H | ${model.hiddenSize} |`);
    expect(readme).toContain(`| layers L | ${model.layers} |`);
    expect(readme).toContain('the latest weights (step 7)');
    if (kind === 'onnx') {
      expect(readme).toContain(`"${onnxInputName(model)}": x`);
      expect(readme).toContain(`${onnxOutputName(model)}`);
    }
    const blocks = codeBlocks(readme);
    expect(blocks.map((b) => b.lang)).toEqual([kind === 'tfjs' ? 'js' : 'python']);
    for (const { lang, code } of blocks) {
      if (lang === 'python') {
        execFileSync('python3', ['-c', 'import ast, sys; ast.parse(sys.stdin.read())'], {
          input: code,
        });
      } else {
        const file = join(dir, `${kind}-${model.cell}-${model.task ?? 'lm'}.mjs`);
        writeFileSync(file, code);
        execFileSync(process.execPath, ['--check', file]);
      }
    }
  });
});
