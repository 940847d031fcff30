// The io module's public surface, in one import for the UI and the worker:
//   import { exportSafetensors, importWeights, loadCheckpoint, … } from '../io';
// Each file's header documents its functions; docs/formats.md describes the files.
//
// Not here, on purpose: the code only an export or an import runs (bundle.ts,
// exportOnnx.ts, exportTfjs.ts, protobuf.ts, zip.ts, exportReadme.ts). The
// worker loads it on demand (src/worker/files.ts): a module this barrel
// re-exports would be bundled into the worker's first-load chunk. Import those
// from their own modules.

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
export type { ExportFile, ExportKind, ExportOptions } from './bundle';
