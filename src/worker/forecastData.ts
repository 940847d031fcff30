// The series in use for the forecast task, in the engine worker.
//
// Dimension legend: N rows, Ci / Co columns read / forecast.

import type { ModelConfig, TrainConfig } from '../engine/config';
import type { TrainingData } from '../engine/training/data';
import type { TrainerOptions } from '../engine/training/options';
import type { SeriesLayout } from '../series/windows';

/** A series checked and ready to train on. */
export interface LoadedSeries {
  name: string;
  /** (N) per numeric column, in its own units. */
  columns: Float64Array[];
  names: string[];
  layout: SeriesLayout;
}

export function forecastTrainingData(
  _series: LoadedSeries,
  _model: ModelConfig,
  _train: TrainConfig,
  _options: TrainerOptions,
): TrainingData {
  throw new Error('forecasting is not wired yet');
}
