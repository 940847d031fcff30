// Per-character tagging tasks derived from any text, so a bidirectional model
// (issue 15) can be trained without labelled data: the text itself is the
// answer key. Each derivation turns a text into an input with one binary label
// per character, and `restore` turns an input and labels back into text.
//
// Lengths and indices are in code points, as in src/engine/tokenizer.ts, so an
// emoji is one character with one label. Every derivation first applies the
// tokenizer's normalizeText (NFC, LF line endings): the model sees that form.
//
// Dimension legend: N input length in code points (= labels.length). No T or
// B here: windows of (T, B) are cut in taggingWindows.ts.

import { normalizeText } from '../engine/tokenizer';

/** A derived task: `labels[i]` belongs to the i-th code point of `input`. */
export interface TaggingTask {
  input: string;
  /** One 0/1 label per code point of `input`. */
  labels: Uint8Array;
}

export type TaggingKind = 'spaces' | 'case';

const SPACE = ' ';
/** A combining mark: it joins the character before it. */
const COMBINING = /^\p{M}$/u;

/**
 * The form of `text` that space restoration can give back exactly: normalised
 * (NFC, LF), leading spaces dropped and every run of spaces made one space,
 * except that a space holding a character that would join what precedes it
 * stays, as its own character (see keepsSpace). Only U+0020 counts as a
 * space; tabs, newlines and other blanks are ordinary characters, kept in the
 * input (a line break is structure the model reads, not something it has to
 * guess).
 */
export function normalizeForSpaces(text: string): string {
  const chars = [...normalizeText(text)];
  let out = '';
  let prev: string | null = null;
  for (let i = 0; i < chars.length;) {
    if (chars[i] !== SPACE) {
      prev = chars[i++];
      out += prev;
      continue;
    }
    let j = i;
    while (j < chars.length && chars[j] === SPACE) j++;
    const kept = keepsSpace(prev, chars[j]);
    const gap = j - i - (kept ? 1 : 0) > 0 && prev !== null;
    out += (gap ? SPACE : '') + (kept ? SPACE : '');
    if (kept) prev = SPACE;
    i = j;
  }
  return out;
}

/**
 * Whether the last space of a run stays in the input as an ordinary character
 * (label 0 on it): when `next`, written straight after `prev`, would join it.
 * A combining mark after a space is a standalone mark (the space carries it),
 * and Hangul jamo or marks would compose under NFC with the character before
 * (e + ́ → é): dropping the space would change the characters, not only the
 * gaps, and the input would no longer be NFC. Rare in real text.
 */
function keepsSpace(prev: string | null, next: string | undefined): boolean {
  if (next === undefined) return false;
  if (COMBINING.test(next)) return true;
  return prev !== null && (prev + next).normalize('NFC') !== prev + next;
}

/**
 * Space restoration: the text without its spaces; label 1 on a character a
 * space followed. A run of spaces is one label (a label says "a gap here", not
 * how wide), and spaces before the first character are dropped (no character
 * to carry them). A space at the start of a line is carried by the newline
 * before it; trailing spaces by the last character. A space before a
 * character that would join the one before it stays (keepsSpace).
 */
export function deriveSpaces(text: string): TaggingTask {
  const chars = [...normalizeText(text)];
  const labels = new Uint8Array(chars.length);
  let input = '';
  let n = 0;
  let prev: string | null = null;
  for (let i = 0; i < chars.length;) {
    if (chars[i] !== SPACE) {
      prev = chars[i++];
      input += prev;
      n++;
      continue;
    }
    let j = i;
    while (j < chars.length && chars[j] === SPACE) j++;
    const kept = keepsSpace(prev, chars[j]);
    if (j - i - (kept ? 1 : 0) > 0 && n > 0) labels[n - 1] = 1;
    if (kept) {
      prev = SPACE;
      input += SPACE;
      n++;
    }
    i = j;
  }
  return { input, labels: labels.slice(0, n) };
}

/** The text of `input` with one space after each character labelled 1. */
export function restoreSpaces(input: string, labels: ArrayLike<number>): string {
  const chars = checkedChars(input, labels);
  let out = '';
  for (let i = 0; i < chars.length; i++) out += labels[i] === 1 ? chars[i] + SPACE : chars[i];
  return out;
}

/**
 * The lower-case character `ch` is the capital of, or null when it has none
 * this task can use. A character counts as upper-case only when lower-casing
 * it gives one other code point whose upper-casing gives `ch` back: that pair
 * is what makes restore exact. So İ (→ "i̇", two code points), ẞ (→ ß → "SS"),
 * and title-case Dž (→ dž → DŽ) stay as they are with label 0, as do ß,
 * digits, emoji and everything without case. The mapping is
 * Unicode's default one, per character and locale-free (no Turkish dotless i,
 * no final-sigma context: Σ is always σ), so the same text gives the same task
 * in every browser locale.
 */
function lowerPartner(ch: string): string | null {
  const lower = ch.toLowerCase();
  if (lower === ch) return null;
  if ([...lower].length !== 1) return null;
  return lower.toUpperCase() === ch ? lower : null;
}

/**
 * Case restoration: the text lower-cased character by character; label 1
 * where the original was upper-case (see lowerPartner for which characters
 * are). Exact round trip: restoreCase(deriveCase(t)) is normalizeText(t).
 *
 * The input stays NFC, so the tokenizer's normalisation (Vocabulary.encode,
 * buildCorpus) leaves it, and its length, as it is: a capital whose lower
 * case would compose with the marks after it (H + ̱ → ẖ, J + ̌ → ǰ: these
 * letters have a precomposed lower case only) is left as it is, label 0.
 */
export function deriveCase(text: string): TaggingTask {
  const chars = [...normalizeText(text)];
  const labels = new Uint8Array(chars.length);
  let input = '';
  for (let i = 0; i < chars.length; i++) {
    const lower = lowerPartner(chars[i]);
    if (lower === null || composesWithMarks(lower, chars, i + 1)) input += chars[i];
    else {
      input += lower;
      labels[i] = 1;
    }
  }
  return { input, labels };
}

/** Whether `lower` followed by the combining marks from chars[from] is not NFC. */
function composesWithMarks(lower: string, chars: string[], from: number): boolean {
  let seq = lower;
  // NFC composes a character only with the marks that follow it, up to the next starter.
  for (let j = from; j < chars.length && COMBINING.test(chars[j]); j++) seq += chars[j];
  return seq.length > lower.length && seq.normalize('NFC') !== seq;
}

/**
 * The text of `input` with each character labelled 1 upper-cased. A label 1
 * on a character whose upper case is not one code point (a model's mistake on
 * ß, say) leaves it as it is, so the restored text keeps the input's length
 * and the positions mistakes() reports stay valid.
 */
export function restoreCase(input: string, labels: ArrayLike<number>): string {
  const chars = checkedChars(input, labels);
  let out = '';
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i];
    const upper = labels[i] === 1 ? ch.toUpperCase() : ch;
    out += [...upper].length === 1 ? upper : ch;
  }
  return out;
}

/** The derivation of a task by its kind. */
export function deriveTask(kind: TaggingKind, text: string): TaggingTask {
  return kind === 'spaces' ? deriveSpaces(text) : deriveCase(text);
}

/** The restoration of a task by its kind. */
export function restoreTask(kind: TaggingKind, input: string, labels: ArrayLike<number>): string {
  return kind === 'spaces' ? restoreSpaces(input, labels) : restoreCase(input, labels);
}

/** The text a task of `kind` restores exactly: what a round trip is compared against. */
export function normalizeForTask(kind: TaggingKind, text: string): string {
  return kind === 'spaces' ? normalizeForSpaces(text) : normalizeText(text);
}

/** Code points of `input`, checked to match `labels` one for one. */
function checkedChars(input: string, labels: ArrayLike<number>): string[] {
  const chars = [...input];
  if (chars.length !== labels.length) {
    throw new RangeError(
      `the input has ${chars.length} characters but ${labels.length} labels: they must match one for one`,
    );
  }
  return chars;
}
