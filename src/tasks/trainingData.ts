// A tagging task as the training loop's data bundle (engine/training/data.ts):
// the task derived from the corpus text (tagging.ts), its vocabulary (that of
// the derived input: no space for 'spaces', no capital for 'case'), the
// windows (taggingWindows.ts), the scores over the whole validation split with
// each validation run (taggingMetrics.ts), and the gate snapshot of the probe
// text: the derived probe input, its true labels and P(class 1) at each
// character, both directions' layers for a bidirectional model.
//
// Dimension legend: B batch, T window, H hidden, P probe characters, K = 2
// classes.

import type { Backend } from '../engine/backend';
import { MAX_PROBE_CHARS, type ModelConfig, type TrainConfig } from '../engine/config';
import type { ProbeOutcome, ProbeSnapshot } from '../engine/snapshot';
import { directionCount, TAG_CLASSES, type TaggingTask as TaskName } from '../engine/task';
import { buildCorpus, CorpusError, type Vocabulary } from '../engine/tokenizer';
import { copyLayers, type TaskScorer, type TrainingData } from '../engine/training/data';
import { PROBE_STREAMS } from '../engine/training/diagnostics';
import type { TrainerOptions } from '../engine/training/options';
import { deriveTask } from './tagging';
import { addConfusions, argmaxLabels, confusion, scoresOf } from './taggingMetrics';
import {
  encodeTask,
  splitTagging,
  TaggingBatcher,
  taggingValidationBatches,
  taggingWindowAt,
  type TaggingData,
  type TaggingSplit,
} from './taggingWindows';

/** A corpus text turned into a tagging task: its vocabulary, ids and labels, split. */
export interface TaggingCorpus {
  kind: TaskName;
  /** V: the derived input's characters. */
  vocab: Vocabulary;
  data: TaggingData;
  split: TaggingSplit;
}

/**
 * Derives the task from `text` (already the corpus' normalised text) and
 * encodes it with the derived input's vocabulary, or with `vocab` (a
 * checkpoint's) when given, which must then hold every derived character.
 */
export function taggingCorpus(
  kind: TaskName,
  text: string,
  valFraction: number,
  vocab?: Vocabulary,
): TaggingCorpus {
  const task = deriveTask(kind, text);
  if (task.labels.length === 0) throw new CorpusError(`the text has nothing left to tag`);
  const own = vocab ?? buildCorpus(task.input).vocab;
  const data = encodeTask(task, own);
  return { kind, vocab: own, data, split: splitTagging(data, valFraction) };
}

/** Why a tagging model cannot sample. */
export const TAGGER_SAMPLING_REFUSAL =
  'a tagging model labels the text it reads and does not generate text: sampling needs a next-character model';

/** The training loop's bundle for a tagger of `model` on `corpus`. */
export function taggingTrainingData(
  corpus: TaggingCorpus,
  model: ModelConfig,
  { batchSize: B, seqLen: T, seed }: TrainConfig,
  options: TrainerOptions,
): TrainingData {
  const { split, vocab, kind } = corpus;
  const uni = directionCount(model) === 1;
  return {
    batches: new TaggingBatcher(split.train, B, T, seed),
    validation: taggingValidationBatches(split.validation, B, T, options.maxValidationWindows),
    flowWindow: uni ? flowWindow(split.train, B, T) : null,
    flowProblem: 'gradient flow is measured on left-to-right models only',
    probe: {
      needsText: true,
      take: (backend, { text }) => taggingProbe(backend, vocab, kind, text),
    },
    sampling: { refusal: TAGGER_SAMPLING_REFUSAL },
    // The whole held-out part: the curves are about all of it, not the loss's few windows.
    scores: taggingScorer(taggingValidationBatches(split.validation, B, T, Infinity)),
  };
}

/** The fixed gradient-flow window: the first T characters of min(B, 8) streams spread over the training part. */
function flowWindow(train: TaggingData, batchSize: number, seqLen: number) {
  const B = Math.min(batchSize, PROBE_STREAMS);
  return taggingWindowAt(train, Math.floor(train.ids.length / B), 0, B, seqLen);
}

/** Accuracy, precision, recall and F1 of class 1 over `batches`, from the model's argmax. */
export function taggingScorer(batches: ReturnType<typeof taggingValidationBatches>): TaskScorer {
  return {
    async run(backend) {
      if (batches.length === 0) return null;
      const logits = await backend.predict(batches); // each (T, B, K)
      const scores = scoresOf(
        addConfusions(batches.map((b, k) => confusion(argmaxLabels(logits[k]), b.targets))),
      );
      const { accuracy, precision, recall, f1 } = scores;
      return { kind: 'tagging', step: backend.step, accuracy, precision, recall, f1 };
    },
  };
}

/**
 * The gate snapshot of a tagger on `probeText`: the task derived from it
 * (characters outside the vocabulary skipped and named, at most
 * MAX_PROBE_CHARS kept), `truth` its labels, `nextCharProb` P(class 1).
 */
export async function taggingProbe(
  backend: Backend,
  vocab: Vocabulary,
  kind: TaskName,
  probeText: string,
): Promise<ProbeOutcome> {
  const step = backend.step;
  const task = deriveTask(kind, probeText);
  const chars: string[] = [];
  const labels: number[] = [];
  const unknown = new Set<string>();
  let i = 0;
  for (const ch of task.input) {
    const label = task.labels[i++];
    if (chars.length === MAX_PROBE_CHARS) break;
    if (vocab.has(ch)) {
      chars.push(ch);
      labels.push(label);
    } else unknown.add(ch);
  }
  if (chars.length === 0) {
    return { problem: 'the probe text has no character the model knows' };
  }
  const tokens = Int32Array.from(chars, (ch) => vocab.idOf(ch.codePointAt(0)!)!); // (P)
  const result = await backend.probe(tokens);
  const K = TAG_CLASSES;
  const nextCharProb = new Float32Array(tokens.length); // (P)
  for (let t = 0; t < tokens.length; t++) {
    // softmax over K = 2 classes, class 1's share: a logistic of the difference.
    nextCharProb[t] = 1 / (1 + Math.exp(result.logits[t * K] - result.logits[t * K + 1]));
  }
  const { cell } = backend.model;
  const snapshot: ProbeSnapshot = {
    step,
    cell,
    chars,
    hidden: backend.model.hiddenSize,
    layers: copyLayers(result.layers, cell),
    nextCharProb,
    truth: Uint8Array.from(labels),
    unknown: [...unknown],
  };
  if (result.reverse) snapshot.reverse = copyLayers(result.reverse, cell);
  return { snapshot };
}
