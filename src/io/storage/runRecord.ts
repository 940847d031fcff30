// The shape of a saved-run record, checked whenever one is read back from
// IndexedDB. Storage outlives the code that wrote it (an older or newer
// gatescope, a browser that lost part of a write, someone editing the
// database in devtools), so a record is data to validate, never a RunInfo to
// trust: a record that fails the check is listed as damaged, with the reason,
// and is never loaded as a model.
//
// Public API:
//   checkRunRecord(record, storedParts?) → RunInfo | DamagedRun
//   isDamaged(run) → run is DamagedRun
//
// Dimension legend: none (records, not tensors).

import { modelConfigFields, validateModelConfig, type ModelConfig } from '../../engine/config';

export interface RunInfo {
  id: string;
  name: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  updatedAt: number;
  step: number;
  model: ModelConfig;
  corpusSha256: string;
  /** Length of the corpus in UTF-16 units (what the UI shows as its size). */
  corpusLength: number;
  checkpointBytes: number;
  lastLoss?: number;
  /** The tab (RunKeeper) that wrote this save; a save of the same run from another writer must not go back in steps. */
  writer?: string;
}

/** A record that cannot be resumed: what the list shows of it, and why. */
export interface DamagedRun {
  id: string;
  /** The record's own name when it has one, otherwise a stand-in. */
  name: string;
  /** 0 when the record has no usable time. */
  updatedAt: number;
  /** Why it cannot be resumed, in words a person can act on. */
  damaged: string;
}

export function isDamaged(run: RunInfo | DamagedRun): run is DamagedRun {
  return 'damaged' in run;
}

/** Whether the checkpoint and corpus a record points to are present, when the caller looked. */
export interface StoredParts {
  hasCheckpoint: boolean;
  hasCorpus: boolean;
}

/**
 * Checks one record read from the runs store. `id` is the record's key
 * (what deleting it needs, even when the record itself is garbage).
 */
export function checkRunRecord(
  id: string,
  record: unknown,
  parts?: StoredParts,
): RunInfo | DamagedRun {
  const fields = isObject(record) ? record : {};
  const name =
    typeof fields.name === 'string' && fields.name.length > 0 ? fields.name : 'unnamed run';
  const updatedAt = finiteOr0(fields.updatedAt);
  const damaged = (reason: string): DamagedRun => ({ id, name, updatedAt, damaged: reason });

  if (!isObject(record)) return damaged('the saved record is not a run');
  if (typeof record.damaged === 'string') return damaged(record.damaged);
  const problem = recordProblem(record);
  if (problem) return damaged(`the saved record is incomplete: ${problem}`);
  if (parts && !parts.hasCheckpoint) return damaged('its checkpoint is missing from storage');
  if (parts && !parts.hasCorpus) return damaged('its text is missing from storage');
  const r = record as unknown as RunInfo;
  return {
    id,
    name: r.name,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    step: r.step,
    model: modelConfigFields(r.model),
    corpusSha256: r.corpusSha256,
    corpusLength: r.corpusLength,
    checkpointBytes: r.checkpointBytes,
    ...(typeof r.lastLoss === 'number' ? { lastLoss: r.lastLoss } : {}),
    ...(typeof r.writer === 'string' ? { writer: r.writer } : {}),
  };
}

/** The first thing wrong with a record, or null. */
function recordProblem(r: Record<string, unknown>): string | null {
  if (typeof r.name !== 'string') return 'no name';
  for (const key of ['createdAt', 'updatedAt'] as const) {
    if (!isFiniteNumber(r[key])) return `no valid ${key}`;
  }
  for (const key of ['step', 'corpusLength', 'checkpointBytes'] as const) {
    const v = r[key];
    if (!isFiniteNumber(v) || !Number.isInteger(v) || v < 0) return `no valid ${key}`;
  }
  if (typeof r.corpusSha256 !== 'string' || !/^[0-9a-f]{64}$/.test(r.corpusSha256)) {
    return 'no valid corpus hash';
  }
  if (r.lastLoss !== undefined && typeof r.lastLoss !== 'number') return 'lastLoss is not a number';
  if (!isObject(r.model)) return 'no model';
  try {
    validateModelConfig(modelConfigFields(r.model));
  } catch (error) {
    return `model: ${(error as Error).message}`;
  }
  return null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function finiteOr0(v: unknown): number {
  return isFiniteNumber(v) ? v : 0;
}
