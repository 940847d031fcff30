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
import { buildCorpus, corpusWithVocabulary, type Vocabulary } from '../engine/tokenizer';
import { isTaggingTask, taskOf, type TaggingTask } from '../engine/task';
import { taggingCorpus } from '../tasks/trainingData';
import { seriesFromText } from './forecastData';
import {
  checkFinite,
  checkVocabulary,
  exportVocabJson,
  FormatError,
  newRunId,
  sha256Hex,
  VocabularyMismatchError,
  type LoadedCheckpoint,
  type TrainingSnapshot,
} from '../io';
import type * as Exchange from '../io/bundle';
import { DEFAULT_RUN_CONFIG, modelSettingsOf } from '../engine/settings';
import { resumeFrom, type Session } from './session';

/**
 * The export and import code (the exporters, the zip, the README writer):
 * loaded at the first export or import, not with the worker, which needs it
 * only when a person asks for a file.
 */
const exchange = () => import('../io/bundle');

/**
 * One export's single download. Weight formats write the best validation's
 * weights when `weights` is 'best' and there are any (their step and
 * validation loss in the metadata, "best-step<N>" in the name), else the
 * latest ("step<N>"). A checkpoint holds both.
 */
export async function exportChoice(
  session: Session,
  choice: ExportChoice,
  weights: ExportWeights = 'latest',
): Promise<DownloadFile> {
  const io = await exchange();
  const { name, files } = await exportContents(session, choice, weights, io);
  // Every multi-file export is one zip, here and only here.
  return io.packExport(name, files);
}

/** The files of one export and the name of their zip (used when there are several). */
async function exportContents(
  session: Session,
  choice: ExportChoice,
  weights: ExportWeights,
  io: typeof Exchange,
): Promise<{ name: string; files: DownloadFile[] }> {
  if (choice === 'checkpoint') {
    // captureCheckpoint checks the weights, moments and state themselves.
    const { bytes } = await session.checkpoint();
    // A copy: the download is transferred to the page, the session keeps its own.
    return { name: 'checkpoint', files: [io.checkpointFile(bytes.slice())] };
  }
  if (choice === 'pytorch-project') {
    // From the run's checkpoint: the project starts where the browser stands (weights,
    // Adam's moments, step, stream position, carried state), on the text in use.
    // Loaded on demand like the rest of the export code: it carries the Python files.
    const { pytorchProject } = await import('../io/project/pytorchProject');
    const { bytes } = await session.checkpoint();
    const { name, text } = await session.dataRecord();
    const { model, step, files } = pytorchProject(bytes, { name, text });
    return {
      name: io.exportName(model, { which: 'latest', step }, 'pytorch-project'),
      files,
    };
  }
  // The selected model's own: a tagger's derived vocabulary, none for a forecast.
  const { vocab, series } = await session.dataRecord();
  if (choice === 'vocab') {
    if (!vocab) throw new Error('a forecast model reads values and has no vocabulary to export');
    const bytes = new TextEncoder().encode(exportVocabJson(vocab));
    return { name: 'vocab', files: [{ name: 'vocab.json', mimeType: 'application/json', bytes }] };
  }
  const { model, params, step, best } = await session.weights(weights);
  // A diverged model's weights would load nowhere (and our own import refuses them).
  checkFinite(params);
  const exported: Exchange.ExportedWeights = best
    ? { which: 'best', step, validationLoss: best.loss }
    : { which: 'latest', step };
  const options: Exchange.ExportOptions = { weights: exported };
  // A forecast's columns and normalisation statistics, so its outputs can be read in units.
  if (series) options.series = series;
  return {
    name: io.exportName(model, exported, choice),
    files: io.exportFiles(choice, model, params, vocab, options),
  };
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
  if (!config || (!corpus && !session.series)) {
    throw new Error('load a corpus first: a model trains on a text');
  }
  const read = await Promise.all(
    files.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })),
  );
  // A chosen zip (an export of ours) is expanded there; `source` names what was chosen.
  const loaded = (await exchange()).importFiles(read);
  const { source } = loaded;

  // The text (or series) in use, as the selected model's checkpoints name it.
  const data = session.models.length > 0 ? await session.dataRecord() : null;
  if (loaded.kind === 'checkpoint' && data && loaded.corpusSha256 === data.sha256) {
    await resumeCheckpoint(session, corpusId, data.name, data.text, loaded, {
      id: newRunId(),
      name: loaded.extra?.runName ?? source,
    });
    return `resumed ${source} exactly where it stopped, at step ${loaded.optimizer.step}`;
  }
  const task = taskOf(loaded.model);
  if (task === 'forecast') {
    // Not yet: its columns and statistics would have to be matched to the series in use.
    throw new FormatError(
      'config-mismatch',
      'this is a forecast model: it starts only from a checkpoint of the series in use',
      source,
    );
  }
  if (!corpus) throw new Error('load a corpus first: a model trains on a text');
  if (isTaggingTask(task)) {
    await startTaggerFromWeights(session, loaded, task, source);
    return `${source}: ${task} tagger weights loaded; a fresh optimizer starts at step 0`;
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

/**
 * A tagger's weights on the text in use: its vocabulary must be that of the
 * task derived from the text (the model reads the derived input), nothing to
 * adopt or re-encode.
 */
async function startTaggerFromWeights(
  session: Session,
  loaded: LoadedCheckpoint,
  task: TaggingTask,
  source: string,
): Promise<void> {
  const corpus = session.corpus!;
  const config = session.config!;
  const fileVocab = textVocabulary(loaded.vocab, source);
  const derived = taggingCorpus(task, corpus.corpus.text, config.train.valFraction).vocab;
  if (derived.itos.join('') !== fileVocab.itos.join('')) {
    throw new FormatError(
      'config-mismatch',
      `the ${task} tagger reads ${fileVocab.size} characters, but the ${task} task of ` +
        `${corpus.name} has ${derived.size} others: it was trained on another text`,
      source,
    );
  }
  session.config = { ...config, model: modelSettingsOf(loaded.model) };
  await session.rebuild({
    params: loaded.params,
    run: { id: newRunId(), name: `${source} on ${corpus.name} (${task})` },
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
  const task = taskOf(snapshot.model);
  if (task === 'forecast') {
    // The series was saved as CSV text of its used columns (forecastData.ts seriesText).
    if (!snapshot.series) {
      throw new Error('this forecast checkpoint lacks its series record: it cannot resume');
    }
    if ((await sha256Hex(text)) !== snapshot.corpusSha256) {
      throw new Error('the saved series does not match the checkpoint; it cannot resume exactly');
    }
    const series = await seriesFromText(corpusId, corpusName, text, snapshot.series);
    session.config = config;
    await session.useSeries(series, false);
    await session.rebuild(resumeFrom(snapshot, run));
    return;
  }
  const fileVocab = textVocabulary(snapshot.vocab, corpusName);
  // A tagger's vocabulary is its derived input's: the corpus keeps its own, and the task
  // derived from it again must give the checkpoint's (taskData.ts).
  const tagger = isTaggingTask(task);
  const loaded = await session.prepareCorpus(
    corpusName,
    tagger ? buildCorpus(text) : corpusWithVocabulary(text, fileVocab),
    config,
  );
  if (loaded.sha256 !== snapshot.corpusSha256) {
    throw new Error('the saved text does not match the checkpoint; it cannot resume exactly');
  }
  if (tagger) {
    const derived = taggingCorpus(task, loaded.corpus.text, snapshot.train.valFraction).vocab;
    if (derived.itos.join('') !== fileVocab.itos.join('')) {
      throw new Error(
        `the ${task} task of the saved text has another vocabulary than the checkpoint`,
      );
    }
  }
  session.useCorpus(corpusId, loaded, probe || snapshot.extra?.probe);
  session.config = config;
  await session.rebuild(resumeFrom(snapshot, run));
}
