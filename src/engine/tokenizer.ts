// Character tokenizer over Unicode code points (not UTF-16 units), so an emoji
// or a CJK character outside the BMP is one token, as in Python's
// sorted(set(text)). Text is NFC-normalised and CRLF/CR become LF first, so the
// same visible text always gives the same tokens.
//
// Dimension legend: V vocabulary size (distinct code points).

export class CorpusError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorpusError';
  }
}

/** NFC and LF line endings: the canonical form every corpus and prompt goes through. */
export function normalizeText(text: string): string {
  return text.normalize('NFC').replace(/\r\n?/g, '\n');
}

export class Vocabulary {
  /** Code point of each token id, ascending. */
  readonly codePoints: Int32Array;
  private readonly index: Map<number, number>;

  constructor(codePoints: Iterable<number>) {
    const sorted = [...new Set(codePoints)].sort((a, b) => a - b);
    this.codePoints = Int32Array.from(sorted);
    this.index = new Map(sorted.map((cp, i) => [cp, i]));
  }

  /** Vocabulary of a (normalised) text. */
  static fromText(text: string): Vocabulary {
    const seen = new Set<number>();
    for (const ch of text) seen.add(ch.codePointAt(0)!);
    return new Vocabulary(seen);
  }

  /** From the `itos` list of an export (one string per token). */
  static fromItos(itos: string[]): Vocabulary {
    const cps = itos.map((s) => {
      const cp = s.codePointAt(0);
      if (cp === undefined || [...s].length !== 1) {
        throw new CorpusError(`vocabulary entry ${JSON.stringify(s)} is not one character`);
      }
      return cp;
    });
    if (new Set(cps).size !== cps.length)
      throw new CorpusError('vocabulary has duplicate characters');
    return new Vocabulary(cps);
  }

  get size(): number {
    return this.codePoints.length;
  }

  get itos(): string[] {
    return Array.from(this.codePoints, (cp) => String.fromCodePoint(cp));
  }

  has(char: string): boolean {
    return this.index.has(char.codePointAt(0)!);
  }

  idOf(codePoint: number): number | undefined {
    return this.index.get(codePoint);
  }

  /** Characters of a (normalised) text that the vocabulary lacks, each once. */
  unknownChars(text: string): string[] {
    const missing = new Set<string>();
    for (const ch of text) if (!this.index.has(ch.codePointAt(0)!)) missing.add(ch);
    return [...missing];
  }

  /** Token ids of a text; throws CorpusError naming characters outside the vocabulary. */
  encode(text: string): Int32Array {
    const normalized = normalizeText(text);
    const ids = new Int32Array(countCodePoints(normalized));
    let n = 0;
    for (const ch of normalized) {
      const id = this.index.get(ch.codePointAt(0)!);
      if (id === undefined) {
        const shown = this.unknownChars(normalized)
          .slice(0, 5)
          .map((c) => JSON.stringify(c))
          .join(', ');
        throw new CorpusError(`text has characters the model has not seen: ${shown}`);
      }
      ids[n++] = id;
    }
    return ids;
  }

  decode(ids: ArrayLike<number>): string {
    let out = '';
    for (let i = 0; i < ids.length; i++) {
      const cp = this.codePoints[ids[i]];
      if (cp === undefined) throw new CorpusError(`token id ${ids[i]} is outside the vocabulary`);
      out += String.fromCodePoint(cp);
    }
    return out;
  }

  toJSON(): { itos: string[]; stoi: Record<string, number>; vocab_size: number } {
    const itos = this.itos;
    return { itos, stoi: Object.fromEntries(itos.map((s, i) => [s, i])), vocab_size: itos.length };
  }
}

function countCodePoints(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const u = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (u >= 0xd800 && u <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** Index of the first unpaired UTF-16 surrogate in `text`, or -1 when it is well formed. */
export function loneSurrogateAt(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const u = text.charCodeAt(i);
    if (u < 0xd800 || u > 0xdfff) continue;
    if (u <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
    }
    return i;
  }
  return -1;
}

export interface Corpus {
  text: string;
  vocab: Vocabulary;
  /** Token ids of the whole text. */
  tokens: Int32Array;
}

/**
 * Normalises and checks a corpus: rejects empty or whitespace-only text, NUL
 * bytes (the sign of a binary file) and lone surrogates (not Unicode text),
 * with a message a person can act on.
 */
export function buildCorpus(raw: string): Corpus {
  if (raw.includes('\u0000')) {
    throw new CorpusError('the text contains NUL bytes: this looks like a binary file, not text');
  }
  // A pasted U+FFFD is a character like any other; a file that is not UTF-8 is refused
  // where files are decoded (corpusFile.ts, fatal decoder), not here.
  const lone = loneSurrogateAt(raw);
  if (lone >= 0) {
    // No UTF-8 file can hold one, and text encoders turn every one into U+FFFD, so two
    // different texts would share a corpus hash (checkpoints name their text by it).
    throw new CorpusError(
      `the text contains a lone UTF-16 surrogate (U+${raw.charCodeAt(lone).toString(16).toUpperCase()} ` +
        `at character ${lone}): it is not valid Unicode text`,
    );
  }
  const text = normalizeText(raw);
  if (text.trim().length === 0) throw new CorpusError('the corpus is empty (or only whitespace)');
  const vocab = Vocabulary.fromText(text);
  if (vocab.size < 2) throw new CorpusError('the corpus needs at least two distinct characters');
  return { text, vocab, tokens: vocab.encode(text) };
}

/**
 * The corpus encoded with a given vocabulary (a checkpoint's or an imported
 * model's) instead of its own: every character of the text must be in it.
 */
export function corpusWithVocabulary(raw: string, vocab: Vocabulary): Corpus {
  const own = buildCorpus(raw);
  const missing = vocab.unknownChars(own.text);
  if (missing.length > 0) {
    const shown = missing.slice(0, 8).map((c) => JSON.stringify(c));
    throw new CorpusError(
      `the text has ${missing.length} character(s) the model's vocabulary lacks: ${shown.join(', ')}`,
    );
  }
  return { text: own.text, vocab, tokens: vocab.encode(own.text) };
}
