// What both backends refuse before they touch a window, a probe text or a
// prime: one check, so the CPU reference and the GPU engine reject the same
// inputs with the same words. An out-of-range token is refused here rather
// than left to the embedding lookup, which would read outside its table on
// either engine and train on whatever it found there.
//
// Dimension legend: B batch, T window, V vocabulary, O head outputs (task.ts
// outputSize: V, the tagging classes, or a forecast's Co), Ci values read per
// timestep (forecast). Batches are time-major (T, B) (values (T, B, Ci|Co)).

import type { Batch, SampleOptions } from './backend';
import type { ModelConfig } from './config';
import { checkSampleNumbers } from './sampleRequest';
import { outputSize, readsTokens, taskOf } from './task';

/** The largest window a backend was built for, and the vocabulary its tokens index. */
export interface WindowLimits {
  /** B the training step is built for; validation may use fewer streams. */
  batchSize: number;
  /** Largest T of a window. */
  seqLen: number;
  /** V: token ids run from 0 to V − 1. */
  vocabSize: number;
  /**
   * The model the batches feed: its task decides what a target is (a token,
   * a class id below O, or Co values) and whether inputs are tokens or Ci
   * values. Absent: a language model over `vocabSize`.
   */
  model?: ModelConfig;
}

/**
 * Throws unless `batch` fits the backend: B within 1..batchSize (exactly
 * batchSize when `training`), T within 1..seqLen, arrays of T·B, every
 * input a token of the vocabulary and every target one of the O classes
 * (tokens of an lm, labels of a tagger); a forecast's values and target
 * values instead, T·B·Ci and T·B·Co finite numbers.
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
  const model = limits.model;
  if (model && !readsTokens(model)) {
    checkValues(batch.values, T * B, model.seriesInputs ?? 0, 'values');
    checkValues(batch.targetValues, T * B, outputSize(model), 'targetValues');
    return;
  }
  if (batch.inputs.length !== T * B || batch.targets.length !== T * B) {
    throw new Error('batch arrays do not match its T·B');
  }
  checkTokens(batch.inputs, limits.vocabSize, 'input');
  if (model && taskOf(model) !== 'lm') checkClasses(batch.targets, outputSize(model));
  else checkTokens(batch.targets, limits.vocabSize, 'target');
}

/** Throws unless `values` holds exactly `positions`·`width` finite numbers. */
function checkValues(
  values: Float32Array | undefined,
  positions: number,
  width: number,
  what: string,
): void {
  if (!values) throw new Error(`a forecast batch needs ${what}`);
  if (values.length !== positions * width) {
    throw new Error(
      `batch ${what} have ${values.length} numbers, T·B·${width} is ${positions * width}`,
    );
  }
  const bad = values.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) throw new Error(`batch ${what} hold ${values[bad]} at position ${bad}`);
}

/** Throws unless every target is a class id within 0..O − 1 (a tagging label). */
function checkClasses(targets: Int32Array, classes: number): void {
  for (let i = 0; i < targets.length; i++) {
    const id = targets[i];
    if (!(id >= 0 && id < classes)) {
      throw new Error(
        `target class ${id} at position ${i} is outside the classes (0 to ${classes - 1})`,
      );
    }
  }
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
