// What both backends refuse before they touch a window, a probe text or a
// prime: one check, so the CPU reference and the GPU engine reject the same
// inputs with the same words. An out-of-range token is refused here rather
// than left to the embedding lookup, which would read outside its table on
// either engine and train on whatever it found there.
//
// Dimension legend: B batch, T window, V vocabulary. Batches are time-major (T, B).

import type { Batch, SampleOptions } from './backend';
import { checkSampleNumbers } from './sampleRequest';

/** The largest window a backend was built for, and the vocabulary its tokens index. */
export interface WindowLimits {
  /** B the training step is built for; validation may use fewer streams. */
  batchSize: number;
  /** Largest T of a window. */
  seqLen: number;
  /** V: token ids run from 0 to V − 1. */
  vocabSize: number;
}

/**
 * Throws unless `batch` fits the backend: B within 1..batchSize (exactly
 * batchSize when `training`), T within 1..seqLen, arrays of T·B, every
 * input and target a token of the vocabulary.
 */
export function checkBatch(batch: Batch, limits: WindowLimits, training: boolean): void {
  const { seqLen: T, batchSize: B } = batch;
  if (training && B !== limits.batchSize) {
    throw new Error(`training batch has B=${B}, the backend was built for B=${limits.batchSize}`);
  }
  if (!(B >= 1 && B <= limits.batchSize)) {
    throw new Error(`batch has B=${B}; this backend takes 1 to ${limits.batchSize} streams`);
  }
  if (!(T >= 1 && T <= limits.seqLen)) {
    throw new Error(`window has T=${T}; this backend takes 1 to ${limits.seqLen} steps`);
  }
  if (batch.inputs.length !== T * B || batch.targets.length !== T * B) {
    throw new Error('batch arrays do not match its T·B');
  }
  checkTokens(batch.inputs, limits.vocabSize, 'input');
  checkTokens(batch.targets, limits.vocabSize, 'target');
}

/** Throws, naming the first offender and where it is, unless every id is within 0..V − 1. */
export function checkTokens(tokens: Int32Array, vocabSize: number, what = 'token'): void {
  for (let i = 0; i < tokens.length; i++) {
    const id = tokens[i];
    if (!(id >= 0 && id < vocabSize)) {
      throw new Error(
        `${what} token id ${id} at position ${i} is outside the vocabulary (0 to ${vocabSize - 1})`,
      );
    }
  }
}

/** Throws unless a generation's options can run: a prime of known tokens, sound numbers. */
export function checkSampleOptions(options: SampleOptions, vocabSize: number): void {
  if (options.prime.length === 0) {
    throw new Error('sampling needs a prime of at least one character');
  }
  checkSampleNumbers(options);
  checkTokens(options.prime, vocabSize, 'prime');
}
