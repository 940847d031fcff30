// vocab.json: `{ "itos": [...], "stoi": {...}, "vocab_size": V }`, one string
// per token id in code-point order (Python's sorted(set(text))). Written beside
// every export and inside safetensors metadata; read strictly, because a
// wrong vocabulary silently scrambles every prediction.
//
// Public API:
//   vocabJson(vocab) → string
//   parseVocabJson(text, file?) → Vocabulary   (throws FormatError 'vocabulary-invalid')
//   checkVocabulary(fileVocab, corpusVocab, file?) (throws VocabularyMismatchError)

import { Vocabulary } from '../engine/tokenizer';
import { FormatError, VocabularyMismatchError } from './errors';

export function vocabJson(vocab: Vocabulary): string {
  return JSON.stringify(vocab.toJSON());
}

export function parseVocabJson(text: string, file?: string): Vocabulary {
  const fail = (msg: string) => new FormatError('vocabulary-invalid', msg, file);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw fail('the vocabulary is not valid JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw fail('the vocabulary is not a JSON object with "itos"');
  }
  const { itos, stoi, vocab_size: size } = raw as Record<string, unknown>;
  if (!Array.isArray(itos) || !itos.every((s) => typeof s === 'string')) {
    throw fail('"itos" must be a list of strings');
  }
  if (itos.length < 2)
    throw fail(`the vocabulary has ${itos.length} entries; at least 2 are needed`);
  let vocab: Vocabulary;
  try {
    vocab = Vocabulary.fromItos(itos as string[]);
  } catch (e) {
    throw fail(e instanceof Error ? e.message : String(e));
  }
  // fromItos sorts by code point; a file in another order would map ids to other characters.
  const sorted = vocab.itos;
  const at = (itos as string[]).findIndex((s, i) => s !== sorted[i]);
  if (at >= 0) {
    throw fail(`"itos" is not sorted by code point (entry ${at} is ${JSON.stringify(itos[at])})`);
  }
  if (size !== undefined && size !== itos.length) {
    throw fail(`"vocab_size" is ${JSON.stringify(size)} but "itos" has ${itos.length} entries`);
  }
  if (stoi !== undefined) {
    if (typeof stoi !== 'object' || stoi === null || Array.isArray(stoi)) {
      throw fail('"stoi" must be an object');
    }
    const entries = Object.entries(stoi as Record<string, unknown>);
    if (entries.length !== itos.length || entries.some(([ch, id]) => itos[id as number] !== ch)) {
      throw fail('"stoi" disagrees with "itos"');
    }
  }
  return vocab;
}

/** Throws VocabularyMismatchError unless both vocabularies are the same characters. */
export function checkVocabulary(
  fileVocab: Vocabulary,
  corpusVocab: Vocabulary,
  file?: string,
): void {
  const a = fileVocab.itos;
  const b = corpusVocab.itos;
  if (a.length === b.length && a.every((s, i) => s === b[i])) return;
  const inFile = new Set(a);
  const inCorpus = new Set(b);
  throw new VocabularyMismatchError(
    a,
    b,
    b.filter((s) => !inFile.has(s)),
    a.filter((s) => !inCorpus.has(s)),
    file,
  );
}
