// A text becoming the corpus a model trains on, in the engine worker: split
// into training and validation parts, measured for the page, checked against
// the run's window and streams (and, through the session, against memory),
// and given the probe text the gate view shows for it.
//
// Dimension legend: B batch, T window, V vocabulary.

import { minTokensFor, splitCorpus, type Split } from '../engine/batcher';
import { RANGES } from '../engine/config';
import { DEFAULT_RUN_CONFIG } from '../engine/settings';
import { CorpusError, type Corpus } from '../engine/tokenizer';
import { sha256Hex } from '../io';
import type { CorpusStats, RunConfig } from './protocol';

export interface LoadedCorpus {
  name: string;
  corpus: Corpus;
  split: Split;
  stats: CorpusStats;
  /** Of the normalised text: checkpoints name the corpus they were trained on by it. */
  sha256: string;
}

/** Characters of the corpus' start sent to the page for its preview. */
export const PREVIEW_CHARS = 1200;

/**
 * Splits and measures a corpus; throws CorpusError when it cannot train
 * under `run`. `checkCapacity` throws CapacityError when the model it makes
 * would not fit (its V comes from this text).
 */
export async function prepareCorpus(
  name: string,
  corpus: Corpus,
  run: RunConfig | null,
  checkCapacity: (run: RunConfig, split: Split) => Promise<unknown>,
): Promise<LoadedCorpus> {
  const V = corpus.vocab.size;
  const maxV = RANGES.vocabSize[1];
  if (V > maxV) {
    throw new CorpusError(
      `the text has ${V.toLocaleString('en')} distinct characters; a model takes at most ` +
        `${maxV.toLocaleString('en')}: use a text with fewer different characters`,
    );
  }
  const split = splitCorpus(
    corpus.tokens,
    run?.train.valFraction ?? DEFAULT_RUN_CONFIG.train.valFraction,
  );
  const problem = run ? misfit(split, corpus.tokens.length, run) : null;
  if (problem) throw new CorpusError(problem);
  if (run) await checkCapacity(run, split);
  return {
    name,
    corpus,
    split,
    sha256: await sha256Hex(corpus.text),
    stats: {
      name,
      chars: corpus.tokens.length,
      vocabSize: corpus.vocab.size,
      trainChars: split.train.length,
      validationChars: split.validation.length,
      vocabulary: corpus.vocab.itos.join(''),
    },
  };
}

/** Why this corpus cannot train under this configuration, or null when it can. */
export function misfit(split: Split, total: number, run: RunConfig): string | null {
  const { seqLen: T, batchSize: B } = run.train;
  if (total < 2 * T + 1) {
    return `the text has ${total} characters, shorter than two windows of T=${T}: use a longer text or a smaller T`;
  }
  if (split.train.length < minTokensFor(B, T)) {
    return (
      `the training part has ${split.train.length} characters; B=${B} streams × T=${T} need ` +
      `${minTokensFor(B, T)}: use a longer text or lower B or T`
    );
  }
  return null;
}

/**
 * The probe text for a corpus: the one chosen for it (a built-in corpus's,
 * or the page's own after an engine restart), else the one its checkpoint
 * saved, else its first line or so.
 */
export function probeFor(text: string, chosen?: string): string {
  if (chosen) return chosen;
  const start = text.slice(0, PREVIEW_CHARS).trimStart();
  const firstLines = start.slice(0, 200).split('\n').slice(0, 2).join('\n');
  return [...firstLines].slice(0, 80).join('');
}
