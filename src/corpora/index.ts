// The built-in corpora, generated in code from a fixed seed: each shows one
// thing an LSTM's memory is for, and each is there the moment the page opens.

import { agreementCorpus } from './agreement';
import { bracketsCorpus } from './brackets';
import { delayProblem, delayedRecallCorpus, RECALL_DELAY, recallProbe } from './delayedRecall';
import { lineLengthCorpus } from './lineLength';
import { OVERFIT_SETTINGS, OVERFIT_SIZE, overfitCorpus } from './overfit';

/** A whole number a corpus is generated from, chosen on the page (delayed recall's D). */
export interface CorpusParameter {
  /** Its symbol, as the corpus name shows it: "Delayed recall (D = 40)". */
  symbol: string;
  /** The field's name. */
  label: string;
  /** What it changes, shown on hover. */
  hint: string;
  min: number;
  max: number;
  default: number;
  /** Why a value is not usable, or null. */
  problem(value: number): string | null;
  /** The suggested probe text at a value. */
  probe(value: number): string;
}

export interface BuiltinCorpus {
  id: string;
  title: string;
  description: string;
  /** A suggested probe text that exercises what the corpus teaches (at the parameter's default). */
  probe: string;
  /** The number the text is generated from, when the page lets a person choose it. */
  parameter?: CorpusParameter;
  /** The text, at `value` of the parameter (its default when omitted or without one). */
  generate(value?: number): string;
  /**
   * Settings (configSchema.ts keys) the page applies with this corpus: a
   * preset made to show one thing (the overfitting one's large H).
   */
  settings?: Readonly<Record<string, number | string>>;
}

/** Big enough for many epochs' worth of variety, small enough to generate instantly. */
const SIZE = 200_000;

export const BUILTIN_CORPORA: BuiltinCorpus[] = [
  {
    id: 'agreement',
    title: 'Subject–verb agreement',
    description: 'The verb agrees with a subject named many words earlier.',
    probe: 'The cats which often saw the dog near the old barn were tired.',
    generate: () => agreementCorpus(1, SIZE),
  },
  {
    id: 'brackets',
    title: 'Nested brackets',
    description: 'Brackets and quotes close in order, up to six deep.',
    probe: '(a [b {c "x (y) z" foo} bar] id)',
    generate: () => bracketsCorpus(2, SIZE),
  },
  {
    id: 'lines',
    title: 'Line lengths',
    description: 'Lines wrapped at 40 columns: the model must count.',
    probe: 'the people who made this one have been\nfound in the way that',
    generate: () => lineLengthCorpus(3, SIZE),
  },
  {
    id: 'recall',
    title: 'Delayed recall',
    description:
      'A key, D random letters, then ">" and the key again: only memory predicts it ' +
      '(chance is 1 in 4).',
    probe: recallProbe(RECALL_DELAY.default),
    parameter: {
      symbol: 'D',
      label: 'Delay D',
      hint:
        `Random letters between the key and its recall (${RECALL_DELAY.min} to ` +
        `${RECALL_DELAY.max}). A line is D + 5 characters: the model is only taught to ` +
        'recall across lines that fit in one window T, because gradients do not cross windows.',
      min: RECALL_DELAY.min,
      max: RECALL_DELAY.max,
      default: RECALL_DELAY.default,
      problem: delayProblem,
      probe: recallProbe,
    },
    generate: (delay = RECALL_DELAY.default) => delayedRecallCorpus(4, SIZE, delay),
  },
  {
    id: 'overfit',
    title: 'Overfitting preset',
    description:
      'A few KB of random-word sentences and a large H: within a minute the validation loss ' +
      'turns up while the training loss keeps falling. Then try dropout or early stopping.',
    probe: 'the brave fox watched a cold lamp near the hill.',
    generate: () => overfitCorpus(5, OVERFIT_SIZE),
    settings: OVERFIT_SETTINGS,
  },
];

/** What the page sends the worker for a built-in corpus: its name, text and probe. */
export interface BuiltinText {
  name: string;
  text: string;
  probe: string;
}

/**
 * The text of `corpus` at `value` of its parameter (the default when omitted),
 * named so the name says the value; throws a RangeError for an unusable value.
 */
export function builtinText(corpus: BuiltinCorpus, value?: number): BuiltinText {
  const p = corpus.parameter;
  if (!p) return { name: corpus.title, text: corpus.generate(), probe: corpus.probe };
  const v = value ?? p.default;
  const problem = p.problem(v);
  if (problem) throw new RangeError(problem);
  return {
    name: `${corpus.title} (${p.symbol} = ${v})`,
    text: corpus.generate(v),
    probe: p.probe(v),
  };
}

/**
 * Which built-in corpus a corpus name (builtinText's) belongs to, and its
 * parameter's value; undefined for any other name.
 */
export function builtinOfName(
  name: string,
): { corpus: BuiltinCorpus; value: number | null } | undefined {
  for (const corpus of BUILTIN_CORPORA) {
    const p = corpus.parameter;
    if (!p) {
      if (name === corpus.title) return { corpus, value: null };
      continue;
    }
    const prefix = `${corpus.title} (${p.symbol} = `;
    if (!name.startsWith(prefix) || !name.endsWith(')')) continue;
    const value = Number(name.slice(prefix.length, -1));
    if (p.problem(value) === null) return { corpus, value };
  }
  return undefined;
}

export function builtinCorpus(id: string): BuiltinCorpus | undefined {
  return BUILTIN_CORPORA.find((c) => c.id === id);
}
