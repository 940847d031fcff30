// Typed errors of every reader in src/io. A file that cannot be used ends in a
// FormatError whose `code` says what is wrong (for tests and for the UI to pick
// a remedy) and whose message names the problem in words a person can act on.
// Readers never let any other exception escape: `asFormatError` wraps the
// unexpected ones, so "never crash" is a property of one place.
//
// Public API:
//   FormatError            — a file is unusable; `code`, `message`, optional `file`
//   VocabularyMismatchError — the file's vocabulary differs from the corpus';
//                            carries both vocabularies and whether the corpus
//                            can be re-encoded with the file's (`canAdopt`)
//   CorpusMismatchError    — a checkpoint was saved on another corpus (hash differs)
//
// Browser storage failing is not a bad file: it has its own StorageError
// (storage/errors.ts).

export type FormatErrorCode =
  /** The file ends before its header or data do. */
  | 'truncated'
  /** The safetensors header length is beyond the file or above the cap. */
  | 'header-too-large'
  /** The header is not UTF-8 JSON, or not a JSON object. */
  | 'header-not-json'
  /** A header entry is malformed (missing dtype/shape/offsets, bad types). */
  | 'header-invalid'
  /** Tensor byte ranges overlap, leave gaps, run past the data, or disagree with shapes. */
  | 'bad-offsets'
  /** A tensor is stored as something other than F32. */
  | 'unsupported-dtype'
  /** A tensor the model needs is absent. */
  | 'missing-tensor'
  /** A tensor the model does not have is present. */
  | 'unexpected-tensor'
  /** A tensor's shape disagrees with the model configuration. */
  | 'shape-mismatch'
  /** The file's model configuration differs from the one expected. */
  | 'config-mismatch'
  /** `__metadata__` is missing a field or a field does not parse. */
  | 'metadata-invalid'
  /** A weight is NaN or infinite. */
  | 'non-finite'
  /** The vocabulary is malformed or its size disagrees with the weights. */
  | 'vocabulary-invalid'
  /** The vocabulary differs from the corpus' (see VocabularyMismatchError). */
  | 'vocabulary-mismatch'
  /** A checkpoint was saved on another corpus (see CorpusMismatchError). */
  | 'corpus-mismatch'
  /** The file is a plain weights file or something else where a checkpoint is needed. */
  | 'not-a-checkpoint'
  /** A zip is damaged, not a zip, too large once expanded, or names a path outside itself. */
  | 'archive-invalid'
  /** Anything else a reader did not foresee (a bug, reported as a typed error). */
  | 'internal';

export class FormatError extends Error {
  constructor(
    readonly code: FormatErrorCode,
    message: string,
    /** The file the problem is in, when known ("model.safetensors"). */
    readonly file?: string,
  ) {
    super(file ? `${file}: ${message}` : message);
    this.name = 'FormatError';
  }
}

export class VocabularyMismatchError extends FormatError {
  constructor(
    /** The vocabulary stored in the file, one character per token id. */
    readonly fileVocab: string[],
    /** The corpus' vocabulary. */
    readonly corpusVocab: string[],
    /** Characters of the corpus that the file's vocabulary lacks. */
    readonly missingFromFile: string[],
    /** Characters of the file's vocabulary that the corpus does not use. */
    readonly unusedByCorpus: string[],
    file?: string,
  ) {
    super(
      'vocabulary-mismatch',
      `the model's vocabulary (${fileVocab.length} characters) differs from the corpus' ` +
        `(${corpusVocab.length})` +
        (missingFromFile.length > 0
          ? `: the corpus has ${missingFromFile.length} character(s) the model lacks ` +
            `(${preview(missingFromFile)})`
          : `: the model also knows ${preview(unusedByCorpus)}; adopt the model's vocabulary to continue`),
      file,
    );
    this.name = 'VocabularyMismatchError';
  }

  /**
   * True when every corpus character is in the file's vocabulary, so the
   * corpus can be re-encoded with the file's vocabulary ("adopt it") and the
   * weights used as they are.
   */
  get canAdopt(): boolean {
    return this.missingFromFile.length === 0;
  }
}

export class CorpusMismatchError extends FormatError {
  constructor(
    readonly expectedSha256: string,
    readonly actualSha256: string,
    file?: string,
  ) {
    super(
      'corpus-mismatch',
      'the checkpoint was saved while training on a different text; load its weights alone ' +
        '(fresh optimizer and stream positions) or load the original text',
      file,
    );
    this.name = 'CorpusMismatchError';
  }
}

/** Wraps anything thrown inside a reader so only FormatErrors leave it. */
export function asFormatError(e: unknown, file?: string): FormatError {
  if (e instanceof FormatError) return e;
  const detail = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return new FormatError('internal', `could not read the file (${detail})`, file);
}

/** Runs a reader so that every failure is a FormatError. */
export function guarded<T>(file: string | undefined, read: () => T): T {
  try {
    return read();
  } catch (e) {
    throw asFormatError(e, file);
  }
}

function preview(chars: string[]): string {
  const shown = chars.slice(0, 8).map((c) => JSON.stringify(c));
  return shown.join(', ') + (chars.length > 8 ? `, … (${chars.length - 8} more)` : '');
}
