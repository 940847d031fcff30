// The built-in corpora, generated in code from a fixed seed: each shows one
// thing an LSTM's memory is for, and each is there the moment the page opens.

import { agreementCorpus } from './agreement';
import { bracketsCorpus } from './brackets';
import { lineLengthCorpus } from './lineLength';

export interface BuiltinCorpus {
  id: string;
  title: string;
  description: string;
  /** A suggested probe text that exercises what the corpus teaches. */
  probe: string;
  generate(): string;
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
];

export function builtinCorpus(id: string): BuiltinCorpus | undefined {
  return BUILTIN_CORPORA.find((c) => c.id === id);
}
