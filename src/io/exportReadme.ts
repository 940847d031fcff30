// The README.md inside each export zip: what the files are, the model's
// shapes and settings, and a few lines that load it in that framework (read
// from the files' own metadata, so they work for this model's cell, task and
// sizes). These snippets are the one copy of the loading code; docs/export.md
// builds on them (sampling, training on, saving back).
//
// Dimension legend: T steps, B batch, E embedding, H hidden, V vocabulary,
// L layers, D directions, O head outputs (V, 2, or Co), Ci/Co a forecast's
// columns read/predicted.
//
// Public API:
//   exportReadme(input: ReadmeInput) → string (Markdown)

import { CELLS } from '../engine/cells';
import type { ModelConfig } from '../engine/config';
import { countParameters } from '../engine/paramCount';
import { carriesState, directionCount, outputSize, taskOf, type Task } from '../engine/task';
import type { Vocabulary } from '../engine/tokenizer';
import type { ExportKind } from './bundle';
import { onnxInputName, onnxOutputName } from './exportOnnx';
import type { SeriesMetadata } from './seriesMetadata';

export interface ReadmeInput {
  kind: ExportKind;
  model: ModelConfig;
  vocab: Vocabulary | null;
  series?: SeriesMetadata;
  /** The other files in the zip, in order, with what each is. */
  files: { name: string; about: string }[];
  /** Which weights: the best validation's (with its loss) or the latest, and their step. */
  weights?: { which: 'best' | 'latest'; step: number; validationLoss?: number };
}

const FRAMEWORK: Record<ExportKind, string> = {
  safetensors: 'PyTorch',
  onnx: 'ONNX Runtime',
  tfjs: 'TensorFlow.js',
};

const TASK: Record<Task, string> = {
  lm: 'next-character language model',
  spaces: 'space-restoration tagger: reads the text without its spaces, class 1 = a space after',
  case: 'case-restoration tagger: reads the lower-cased text, class 1 = upper case',
  forecast: 'one-step-ahead forecast of a series',
};

export function exportReadme(input: ReadmeInput): string {
  const { kind, model, weights } = input;
  const which = !weights
    ? 'its weights'
    : weights.which === 'best'
      ? `the weights of the best validation (step ${weights.step}, validation loss ${weights.validationLoss})`
      : `the latest weights (step ${weights.step})`;
  const lines = [
    `# gatescope ${CELLS[model.cell].label} model for ${FRAMEWORK[kind]}`,
    '',
    `A ${TASK[taskOf(model)]}, trained in gatescope: ${which}.`,
    '',
    '## Files',
    '',
    ...input.files.map((f) => `- \`${f.name}\`: ${f.about}`),
    '- `README.md`: this file',
    '',
    '## The model',
    '',
    ...shapes(model),
    '',
    `## Load it in ${FRAMEWORK[kind]}`,
    '',
    ...(kind === 'safetensors' ? pytorch(input) : kind === 'onnx' ? onnx(input) : tfjs(input)),
    '',
    ...dataSection(input),
  ];
  return lines.join('\n');
}

function shapes(model: ModelConfig): string[] {
  const task = taskOf(model);
  const D = directionCount(model);
  const rows: [string, string][] = [
    ['cell', `${CELLS[model.cell].label} (PyTorch's equations and gate order)`],
    ['task', `${task}${D === 2 ? ', bidirectional (D = 2)' : ''}`],
    task === 'forecast'
      ? ['input', `Ci = ${model.seriesInputs} normalised values per step`]
      : ['vocabulary V', `${model.vocabSize} characters`],
  ];
  if (task !== 'forecast') rows.push(['embedding E', String(model.embedSize)]);
  rows.push(
    ['hidden H', String(model.hiddenSize)],
    ['layers L', String(model.layers)],
    ['head outputs O', String(outputSize(model))],
    ['parameters', countParameters(model).toLocaleString('en-US')],
  );
  return ['| setting | value |', '| --- | --- |', ...rows.map(([k, v]) => `| ${k} | ${v} |`)];
}

/** A short input made of characters the model knows, for the examples. */
function sampleText(model: ModelConfig, vocab: Vocabulary | null): string {
  if (!vocab) return '';
  const task = taskOf(model);
  const phrase = task === 'spaces' ? 'thecatsat' : task === 'case' ? 'the cat sat' : 'The ';
  const known = [...phrase].filter((c) => vocab.has(c)).join('');
  return known.length >= 3 ? known : vocab.itos.slice(0, 4).join('');
}

const py = (s: string) => JSON.stringify(s); // a JSON string is a valid Python literal

function pytorch({ model, vocab }: ReadmeInput): string[] {
  const task = taskOf(model);
  const head = [
    '```python',
    `# pip install torch safetensors${task === 'forecast' ? ' numpy' : ''}`,
    'import json',
    ...(task === 'forecast' ? ['import numpy as np'] : []),
    'import torch',
    'from torch import nn',
    'from safetensors import safe_open',
    'from safetensors.torch import load_file',
    '',
    'path = "model.safetensors"',
    'with safe_open(path, "pt") as f:',
    '    meta = f.metadata()',
    'cfg = json.loads(meta["config"])  # cell, task, direction, vocabSize, embedSize, hiddenSize, layers, ...',
    'cell, H, L = cfg["cell"], cfg["hiddenSize"], cfg["layers"]',
    'Recurrent = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[cell]',
    'D = 2 if cfg.get("direction") == "bi" else 1',
    '',
  ];
  if (task === 'forecast') {
    return [
      ...head,
      'series = json.loads(meta["series"])',
      'Ci, Co = cfg["seriesInputs"], cfg["seriesOutputs"]',
      '',
      'class Forecaster(nn.Module):',
      '    def __init__(self):',
      '        super().__init__()',
      "        # Registered under the cell's name (lstm / gru / rnn), as the state_dict keys are.",
      '        setattr(self, cell, Recurrent(Ci, H, num_layers=L, batch_first=True))',
      '        self.head = nn.Linear(H, Co)',
      '    def forward(self, x, state=None):  # x: (B, T, Ci) normalised values',
      '        y, state = getattr(self, cell)(x, state)',
      '        return self.head(y), state  # (B, T, Co): row t + 1, normalised',
      '',
      'model = Forecaster()',
      'model.load_state_dict(load_file(path), strict=True)',
      'mean, std = np.array(series["mean"]), np.array(series["std"])',
      'ins, outs = series["inputColumns"], series["targetColumns"]',
      'raw = np.zeros((24, len(series["columns"])))  # your rows (T, C), columns in series["columns"] order',
      'x = torch.tensor(((raw[:, ins] - mean[ins]) / std[ins])[None], dtype=torch.float32)',
      'with torch.no_grad():',
      '    y_norm, state = model(x)',
      "y = y_norm[0].numpy() * std[outs] + mean[outs]  # one-step predictions, in the columns' units",
      '```',
    ];
  }
  const tagger = task !== 'lm';
  const cls = tagger ? 'Tagger' : 'CharModel';
  const text = sampleText(model, vocab);
  const body = [
    ...head,
    'itos = json.loads(meta["vocab"])["itos"]  # token id -> character',
    'stoi = {c: i for i, c in enumerate(itos)}',
    '',
    `class ${cls}(nn.Module):`,
    '    def __init__(self):',
    '        super().__init__()',
    '        self.embedding = nn.Embedding(cfg["vocabSize"], cfg["embedSize"])',
    "        # Registered under the cell's name (lstm / gru / rnn), as the state_dict keys are.",
    '        rnn = Recurrent(cfg["embedSize"], H, num_layers=L, batch_first=True, bidirectional=D == 2)',
    '        setattr(self, cell, rnn)',
    `        self.head = nn.Linear(D * H, ${tagger ? '2' : 'cfg["vocabSize"]'})`,
    '    def forward(self, x, state=None):  # x: (B, T) token ids',
    '        y, state = getattr(self, cell)(self.embedding(x), state)',
    `        return self.head(y), state  # (B, T, ${tagger ? '2' : 'V'}) logits`,
    '',
    `model = ${cls}()`,
    'model.load_state_dict(load_file(path), strict=True)',
    'model.eval()',
    '',
  ];
  if (task === 'lm') {
    return [
      ...body,
      `text = ${py(text)}  # characters of itos only`,
      'with torch.no_grad():',
      '    logits, state = model(torch.tensor([[stoi[c] for c in text]]))',
      '    for _ in range(200):  # sample at temperature 0.8, carrying the state',
      '        nxt = torch.multinomial(torch.softmax(logits[0, -1] / 0.8, -1), 1).item()',
      '        text += itos[nxt]',
      '        logits, state = model(torch.tensor([[nxt]]), state)',
      'print(text)',
      '```',
    ];
  }
  const apply =
    task === 'spaces'
      ? '"".join(c + (" " if t == 1 else "") for c, t in zip(text, tags))'
      : '"".join(c.upper() if t == 1 else c for c, t in zip(text, tags))';
  return [
    ...body,
    `text = ${py(text)}  # ${task === 'spaces' ? 'without spaces' : 'lower-cased'}, characters of itos only`,
    'with torch.no_grad():',
    '    logits, _ = model(torch.tensor([[stoi[c] for c in text]]))',
    'tags = logits[0].argmax(-1).tolist()',
    `print(${apply})`,
    '```',
  ];
}

function onnx({ model, vocab }: ReadmeInput): string[] {
  const task = taskOf(model);
  const input = onnxInputName(model);
  const output = onnxOutputName(model);
  const stateful = carriesState(model);
  const withC = stateful && CELLS[model.cell].carriesCell;
  const feeds = [
    `"${input}": x`,
    ...(stateful ? ['"h0": h0'] : []),
    ...(withC ? ['"c0": c0'] : []),
  ];
  const outs = [output, ...(stateful ? ['hn'] : []), ...(withC ? ['cn'] : [])];
  const lines = [
    '```python',
    '# pip install onnxruntime numpy',
    'import json',
    'import numpy as np',
    'import onnxruntime as ort',
    '',
    'sess = ort.InferenceSession("model.onnx")',
    'meta = sess.get_modelmeta().custom_metadata_map',
    'cfg = json.loads(meta["config"])',
  ];
  if (task === 'forecast') {
    lines.push(
      'series = json.loads(meta["series"])',
      'mean, std = np.array(series["mean"]), np.array(series["std"])',
      'ins, outs = series["inputColumns"], series["targetColumns"]',
      'raw = np.zeros((24, len(series["columns"])))  # your rows (T, C), columns in series["columns"] order',
      `x = ((raw[:, ins] - mean[ins]) / std[ins])[:, None, :].astype(np.float32)  # (T, B=1, Ci), time-major`,
    );
  } else {
    lines.push(
      'itos = json.loads(meta["vocab"])["itos"]',
      'stoi = {c: i for i, c in enumerate(itos)}',
      `text = ${py(sampleText(model, vocab))}`,
      'x = np.array([[stoi[c]] for c in text], dtype=np.int64)  # (T, B=1), time-major',
    );
  }
  if (stateful) {
    lines.push('h0 = np.zeros((cfg["layers"], 1, cfg["hiddenSize"]), np.float32)  # a fresh start');
    if (withC) lines.push('c0 = np.zeros_like(h0)');
  }
  lines.push(`${outs.join(', ')} = sess.run(None, {${feeds.join(', ')}})`);
  if (task === 'forecast') {
    lines.push(`y = ${output}[:, 0, :] * std[outs] + mean[outs]  # (T, Co), in the columns' units`);
  } else {
    lines.push(`# ${output}: (T, B, ${task === 'lm' ? 'V' : '2'})`);
  }
  if (stateful) {
    lines.push(
      `# Feed ${withC ? 'hn and cn back as h0 and c0' : 'hn back as h0'} to continue from where this input ended.`,
    );
  }
  lines.push(
    '```',
    '',
    `Graph inputs: \`${input}\`${stateful ? ', `h0`' : ''}${withC ? ', `c0`' : ''}; outputs: ${outs.map((o) => `\`${o}\``).join(', ')}. T and B are free.`,
  );
  return lines;
}

function tfjs({ model, vocab }: ReadmeInput): string[] {
  const task = taskOf(model);
  const input =
    task === 'forecast'
      ? [
          '// values: (B, T, Ci) normalised values, (raw - mean) / std per input column (see below)',
          `const x = tf.zeros([1, 24, ${model.seriesInputs}]);`,
        ]
      : [
          'const { itos } = model.getUserDefinedMetadata().vocab;',
          `const text = ${JSON.stringify(sampleText(model, vocab))};`,
          '// (B, T) token ids; Keras embeddings take them as float32',
          'const x = tf.tensor2d([[...text].map((c) => itos.indexOf(c))]);',
        ];
  return [
    'Serve this folder (any static server) and, in a page with TensorFlow.js:',
    '',
    '```js',
    "import * as tf from '@tensorflow/tfjs';",
    '',
    "const model = await tf.loadLayersModel('model.json'); // fetches model.weights.bin beside it",
    ...input,
    `const y = model.predict(x); // (B, T, ${task === 'forecast' ? 'Co) normalised predictions' : task === 'lm' ? 'V) logits' : '2) logits'}`,
    '```',
    '',
    'In Node, `@tensorflow/tfjs-node` loads it with `tf.loadLayersModel("file://model.json")`.',
    'Each `predict` starts from a zero state. The configuration is in',
    '`model.getUserDefinedMetadata().config`.',
  ];
}

function dataSection({ model, series }: ReadmeInput): string[] {
  const task = taskOf(model);
  if (task === 'forecast') {
    return [
      '## The series',
      '',
      'The model reads and predicts normalised values. `series.json` (also in the',
      "model's metadata as `series`) lists the columns it uses, which it reads",
      "(`inputColumns`) and predicts (`targetColumns`), and the training split's",
      '`mean` and `std` of each: `x_norm = (x - mean[i]) / std[i]` for an input column i,',
      '`y = y_norm * std[j] + mean[j]` for a target column j.',
      ...(series ? ['', `Columns: ${series.columns.map((c) => `\`${c}\``).join(', ')}.`] : []),
      '',
    ];
  }
  const reads =
    task === 'spaces'
      ? 'the text with its spaces removed'
      : task === 'case'
        ? 'the lower-cased text'
        : 'the text';
  return [
    '## The vocabulary',
    '',
    "`vocab.json` (also in the model's metadata as `vocab`) maps token ids to",
    'characters: `itos[i]` is the character of id i, `stoi` the reverse, `vocab_size` V.',
    `The model reads ${reads}, one token per Unicode code point (not UTF-16 unit),`,
    'normalised to NFC with LF line endings; a character outside `itos` was never seen',
    'in training and has no id.',
    '',
  ];
}
