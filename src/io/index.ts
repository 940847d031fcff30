// The io module's public surface, in one import for the UI and the worker:
//   import { exportSafetensors, importWeights, exportTfjs, exportOnnx, … } from '../io';
// Each file's header documents its functions; docs/formats.md describes the files.

export * from './errors';
export { readSafetensors, writeSafetensors, MAX_HEADER_BYTES } from './safetensors';
export type { NamedTensor, SafetensorsFile } from './safetensors';
export {
  exportSafetensors,
  exportVocabJson,
  importWeights,
  modelMetadata,
  WEIGHTS_FORMAT,
} from './weights';
export type { ImportOptions, ImportedWeights } from './weights';
export { parseVocabJson, checkVocabulary } from './vocabFile';
export { exportTfjs, TfjsGruUnsupportedError } from './exportTfjs';
export type { TfjsExport } from './exportTfjs';
export { exportOnnx, onnxInputName, onnxOutputName } from './exportOnnx';
export { seriesMetadataOf, checkSeriesMetadata, SERIES_META_KEY } from './seriesMetadata';
export type { SeriesMetadata } from './seriesMetadata';
export {
  saveCheckpoint,
  loadCheckpoint,
  captureCheckpoint,
  restoreCheckpoint,
  checkFinite,
  NonFiniteWeightsError,
  CHECKPOINT_FORMAT,
} from './checkpoint';
export type {
  TrainingSnapshot,
  LoadedCheckpoint,
  LoadOptions,
  SavedEarlyStopping,
} from './checkpoint';
export { sha256Hex } from './hash';
export {
  openRunStore,
  createAutosaver,
  checkQuota,
  newRunId,
  isDamaged,
  StorageError,
  StorageFullError,
  StaleRunError,
} from './storage';
export type {
  RunInfo,
  DamagedRun,
  RunStore,
  SaveRunInput,
  LoadedRun,
  Autosaver,
  AutosaverOptions,
  StorageErrorCode,
} from './storage';
export { exportFiles, checkpointFile, importFiles } from './bundle';
export type { ExportFile, ExportKind, ExportOptions } from './bundle';
