// vocab.json: `{ "itos": [...], "stoi": {...}, "vocab_size": V }`, one string
// per token id in code-point order (Python's sorted(set(text))). Written beside
// every export and inside safetensors metadata; read strictly, because a
// wrong vocabulary silently scrambles every prediction.
//
// Public API:
//   vocabJson(vocab) → string
//   parseVocabJson(text, file?) → Vocabulary   (throws FormatError 'vocabulary-invalid')
//   checkVocabulary(fileVocab, corpusVocab, file?) (throws VocabularyMismatchError)
//
// A vocabulary file comes from anywhere, so two rules keep it honest:
// - no entry may be a character no corpus can hold: NUL, CR (texts are read
//   with LF line endings), a lone UTF-16 surrogate, more than one character,
//   or a duplicate;
// - adopting a file's vocabulary (its extra characters become tokens the
//   model may write) is refused when an extra character is a control
//   character other than tab and newline, or a bidirectional override,
//   embedding or isolate (U+202A–U+202E, U+2066–U+2069): characters that
//   print nothing or reorder what follows, so sampled text could be made to
//   read other than it is. A corpus that holds such characters itself still
//   round-trips: its own characters are never "extra".

import { loneSurrogateAt, Vocabulary } from '../engine/tokenizer';
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
  for (const [i, entry] of (itos as string[]).entries()) {
    const problem = impossibleEntry(entry);
    if (problem) throw fail(`"itos" entry ${i} is ${problem}`);
  }
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
    // Own keys only (JSON.parse makes "__proto__" an own key, never a prototype).
    const entries = Object.entries(stoi as Record<string, unknown>);
    if (
      entries.length !== itos.length ||
      entries.some(([ch, id]) => !Number.isInteger(id) || itos[id as number] !== ch)
    ) {
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
  const disguising = a.filter((s) => !inCorpus.has(s) && isDisguising(s));
  if (disguising.length > 0 && b.every((s) => inFile.has(s))) {
    throw new FormatError(
      'vocabulary-invalid',
      `the file's vocabulary adds ${disguising.length} character(s) the corpus does not use that ` +
        `print nothing or reorder text (${disguising.slice(0, 5).map(describeChar).join(', ')}): ` +
        'it is not adopted, so generated text cannot be disguised; use the corpus the model was trained on',
      file,
    );
  }
  throw new VocabularyMismatchError(
    a,
    b,
    b.filter((s) => !inFile.has(s)),
    a.filter((s) => !inCorpus.has(s)),
    file,
  );
}

/** Why `entry` cannot be a token of any corpus, or null. */
function impossibleEntry(entry: string): string | null {
  if (loneSurrogateAt(entry) >= 0) return `a lone UTF-16 surrogate (${describeUnits(entry)})`;
  if ([...entry].length !== 1) return `${JSON.stringify(entry)}, not one character`;
  if (entry === '\u0000') return 'NUL (U+0000), which no text holds';
  if (entry === '\r') return 'a carriage return (U+000D); texts are read with LF line endings';
  return null;
}

/** Control characters other than tab and newline, and bidirectional overrides/isolates. */
function isDisguising(ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  if (cp === 0x09 || cp === 0x0a) return false;
  return (
    cp < 0x20 ||
    (cp >= 0x7f && cp <= 0x9f) ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2066 && cp <= 0x2069)
  );
}

function describeChar(ch: string): string {
  const hex = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
  return `U+${hex}`;
}

function describeUnits(s: string): string {
  return Array.from(
    { length: s.length },
    (_, i) => `U+${s.charCodeAt(i).toString(16).toUpperCase()}`,
  )
    .slice(0, 4)
    .join(' ');
}
