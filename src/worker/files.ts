// Export and import in the engine worker: the download files of every format
// (made from weights read between two training steps) and the import of
// weights or a checkpoint. A checkpoint of the corpus in use resumes exactly;
// weights (or a checkpoint of another text) start a model with a fresh
// optimizer. Nothing here touches the model before the file has been read
// and checked in full, so a bad file costs nothing.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers.

import type { DownloadFile, ExportChoice, ExportWeights } from './protocol';
import { corpusWithVocabulary, type Vocabulary } from '../engine/tokenizer';
import {
  checkFinite,
  checkpointFile,
  checkVocabulary,
  exportFiles,
  exportVocabJson,
  FormatError,
  importFiles,
  newRunId,
  VocabularyMismatchError,
  type ExportOptions,
  type LoadedCheckpoint,
  type TrainingSnapshot,
} from '../io';
import { DEFAULT_RUN_CONFIG, modelSettingsOf } from '../engine/settings';
import { resumeFrom, type Session } from './session';

/**
 * The files of one export. Weight formats write the best validation's weights
 * when `weights` is 'best' and there are any (named model-best-step<N>, their
 * step and validation loss in the metadata), else the latest (named model, as
 * always; the metadata says "latest" and the step). A checkpoint holds both.
 */
export async function exportChoice(
  session: Session,
  choice: ExportChoice,
  weights: ExportWeights = 'latest',
): Promise<DownloadFile[]> {
  if (choice === 'checkpoint') {
    // captureCheckpoint checks the weights, moments and state themselves.
    const { bytes } = await session.checkpoint();
    // A copy: the download is transferred to the page, the session keeps its own.
    return [checkpointFile(bytes.slice())];
  }
  const vocab = session.corpus?.corpus.vocab;
  if (!vocab) throw new Error('no model yet: load a corpus first');
  if (choice === 'vocab') {
    return [
      {
        name: 'vocab.json',
        mimeType: 'application/json',
        bytes: new TextEncoder().encode(exportVocabJson(vocab)),
      },
    ];
  }
  const { model, params, step, best } = await session.weights(weights);
  // A diverged model's weights would load nowhere (and our own import refuses them).
  checkFinite(params);
  const options: ExportOptions = best
    ? {
        baseName: `model-best-step${step}`,
        metadata: { weights: 'best', step: String(step), validation_loss: String(best.loss) },
      }
    : { metadata: { weights: 'latest', step: String(step) } };
  return exportFiles(choice, model, params, vocab, options).filter((f) => f.name !== 'vocab.json');
}

/** Thrown when the file's vocabulary could replace the corpus' (the page asks first). */
export class AdoptableVocabularyError extends Error {}

/**
 * Loads weights or a checkpoint from files the person chose. Returns a
 * sentence saying what happened. Throws FormatError (the file is unusable),
 * AdoptableVocabularyError, or CorpusError.
 */
export async function importChosenFiles(
  session: Session,
  corpusId: number,
  files: File[],
  adoptVocabulary: boolean,
): Promise<string> {
  const { corpus, config } = session;
  if (!corpus || !config) throw new Error('load a corpus first: a model trains on a text');
  const read = await Promise.all(
    files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })),
  );
  const loaded = importFiles(read);
  const source = read.find((f) => f.name.toLowerCase().endsWith('.safetensors'))!.name;

  if (loaded.kind === 'checkpoint' && loaded.corpusSha256 === corpus.sha256) {
    await resumeCheckpoint(session, corpusId, corpus.name, corpus.corpus.text, loaded, {
      id: newRunId(),
      name: loaded.extra?.runName ?? source,
    });
    return `resumed ${source} exactly where it stopped, at step ${loaded.optimizer.step}`;
  }

  await startFromWeights(session, corpusId, loaded, source, adoptVocabulary);
  const note =
    loaded.kind === 'checkpoint'
      ? 'it was saved while training on another text, so only its weights were loaded'
      : 'weights loaded';
  return `${source}: ${note}; a fresh optimizer starts at step 0`;
}

async function startFromWeights(
  session: Session,
  corpusId: number,
  loaded: LoadedCheckpoint,
  source: string,
  adoptVocabulary: boolean,
): Promise<void> {
  const corpus = session.corpus!;
  const config = session.config!;
  let vocab: Vocabulary = corpus.corpus.vocab;
  const fileVocab = textVocabulary(loaded.vocab, source);
  try {
    checkVocabulary(fileVocab, corpus.corpus.vocab, source);
  } catch (error) {
    if (!(error instanceof VocabularyMismatchError)) throw error;
    if (!error.canAdopt) throw error;
    if (!adoptVocabulary) throw new AdoptableVocabularyError(error.message);
    vocab = fileVocab;
  }
  const model = modelSettingsOf(loaded.model);
  const run = { ...config, model };
  // Checked before anything changes: the settings must fit the corpus.
  const next = await session.prepareCorpus(
    corpus.name,
    vocab === corpus.corpus.vocab ? corpus.corpus : corpusWithVocabulary(corpus.corpus.text, vocab),
    run,
  );
  if (next.corpus !== corpus.corpus) session.useCorpus(corpusId, next);
  session.config = run;
  await session.rebuild({
    params: loaded.params,
    run: { id: newRunId(), name: `${source} on ${corpus.name}` },
  });
}

/** A file's vocabulary; a forecast has none, and a text session cannot take it. */
function textVocabulary(vocab: Vocabulary | null, source: string): Vocabulary {
  if (!vocab) {
    throw new FormatError(
      'config-mismatch',
      'this is a forecast model: it reads a series, not a text',
      source,
    );
  }
  return vocab;
}

/**
 * Makes `snapshot` the model in training, over `text` encoded with the
 * checkpoint's vocabulary, so the next step is the one the saved run would
 * have taken. The probe text is `probe`, else the one the checkpoint saved.
 */
export async function resumeCheckpoint(
  session: Session,
  corpusId: number,
  corpusName: string,
  text: string,
  snapshot: TrainingSnapshot,
  run: { id: string; name: string },
  probe?: string,
): Promise<void> {
  const config = {
    model: modelSettingsOf(snapshot.model),
    train: snapshot.train,
    backend: session.config?.backend ?? DEFAULT_RUN_CONFIG.backend,
  };
  const loaded = await session.prepareCorpus(
    corpusName,
    corpusWithVocabulary(text, textVocabulary(snapshot.vocab, corpusName)),
    config,
  );
  if (loaded.sha256 !== snapshot.corpusSha256) {
    throw new Error('the saved text does not match the checkpoint; it cannot resume exactly');
  }
  session.useCorpus(corpusId, loaded, probe || snapshot.extra?.probe);
  session.config = config;
  await session.rebuild(resumeFrom(snapshot, run));
}
