// What each model of a session's set trains on, by its task: the corpus text
// itself (next-character prediction), the tagging task derived from it
// (src/tasks: V is the derived input's vocabulary), or the series in use
// (src/series: normalised with its training rows' statistics). The session builds every model through here,
// so a comparison may set a uni and a bi tagger (or a language model) side by
// side on the same text.
//
// Dimension legend: V vocabulary (0 for a forecast), Ci / Co series columns
// read / forecast.

import type { Split } from '../engine/batcher';
import type { ModelConfig, TrainConfig } from '../engine/config';
import { isTaggingTask, type Task } from '../engine/task';
import type { Vocabulary } from '../engine/tokenizer';
import { isTrainingData, textData, type TrainingData } from '../engine/training/data';
import type { TrainerOptions } from '../engine/training/options';
import { taggingCorpus, taggingTrainingData, type TaggingCorpus } from '../tasks/trainingData';
import type { LoadedCorpus } from './corpusLoad';
import { forecastTrainingData, prepareSeries, type SeriesData } from '../series/trainingData';
import type { LoadedSeries } from './forecastData';

/** What a model reads, before its trainer exists: V and the vocabulary its checkpoints keep. */
export interface TaskInput {
  task: Task;
  /** The tokens' vocabulary (the derived input's for a tagger); null for a forecast. */
  vocab: Vocabulary | null;
  /** V of the model (0 for a forecast, which reads values). */
  vocabSize: number;
  /** The model's shape fields of the data: Ci and Co for a forecast. */
  shape: Pick<ModelConfig, 'seriesInputs' | 'seriesOutputs'>;
  tagging?: TaggingCorpus;
  /** The series normalised with its training rows' statistics. */
  series?: SeriesData;
}

/**
 * Derived tagging tasks of the corpus in use, by kind and split, made once per
 * corpus; the series in use normalised for a split, once per series and split.
 */
export class TaskInputs {
  private tagging = new Map<string, TaggingCorpus>();
  private corpus: LoadedCorpus | null = null;
  private prepared: { from: LoadedSeries; valFraction: number; data: SeriesData } | null = null;

  /**
   * The input of a model of `task` on the corpus or series in use; throws
   * CorpusError (with a message for the person) when there is none to train on.
   */
  of(
    task: Task,
    corpus: LoadedCorpus | null,
    series: LoadedSeries | null,
    valFraction: number,
  ): TaskInput {
    if (task === 'forecast') {
      if (!series) throw new Error('load a series first: a forecast model trains on a series');
      const { inputColumns, targetColumns } = series.layout;
      return {
        task,
        vocab: null,
        vocabSize: 0,
        shape: { seriesInputs: inputColumns.length, seriesOutputs: targetColumns.length },
        series: this.seriesData(series, valFraction),
      };
    }
    if (!corpus) throw new Error('load a corpus first: a model trains on a text');
    if (!isTaggingTask(task)) {
      return { task, vocab: corpus.corpus.vocab, vocabSize: corpus.corpus.vocab.size, shape: {} };
    }
    if (this.corpus !== corpus) {
      this.tagging.clear();
      this.corpus = corpus;
    }
    const key = `${task} ${valFraction}`;
    let tagging = this.tagging.get(key);
    if (!tagging) {
      tagging = taggingCorpus(task, corpus.corpus.text, valFraction);
      this.tagging.set(key, tagging);
    }
    return { task, vocab: tagging.vocab, vocabSize: tagging.vocab.size, shape: {}, tagging };
  }

  private seriesData(series: LoadedSeries, valFraction: number): SeriesData {
    const p = this.prepared;
    if (p && p.from === series && p.valFraction === valFraction) return p.data;
    const { name, columns, names, layout } = series;
    const data = prepareSeries(name, columns, names, layout, valFraction);
    this.prepared = { from: series, valFraction, data };
    return data;
  }
}

/** The trainer's data for a model built on `input` (a text split for a language model). */
export function trainingDataOf(
  input: TaskInput,
  corpusSplit: Split | undefined,
  model: ModelConfig,
  train: TrainConfig,
  options: TrainerOptions,
  /** Rows of a forecast chart's rollout, read at each chart (setHorizon changes it). */
  horizon: () => number,
): Split | TrainingData {
  if (input.tagging) return taggingTrainingData(input.tagging, model, train, options);
  if (input.series) return forecastTrainingData(input.series, model, train, options, horizon);
  if (!corpusSplit) throw new Error('load a corpus first: a model trains on a text');
  return corpusSplit;
}

/**
 * The trainer's bundle, made here rather than in the Trainer so that its
 * windows exist before the engine does (Auto times the engines on the first
 * one, backendChoice.ts): a task's bundle as it is, a text split's as the
 * trainer would make it (data.ts textData).
 */
export function trainingBundleOf(
  vocab: Vocabulary | null,
  data: Split | TrainingData,
  train: TrainConfig,
  options: TrainerOptions,
): TrainingData {
  if (isTrainingData(data)) return data;
  if (!vocab) throw new Error('a text split needs its vocabulary');
  return textData(vocab, data, train, options);
}
