// Every message the page posts is checked here before the worker acts on it:
// the page is trusted to mean well, not to be right (a stale tab, a bug, a
// crafted link or a script in the console can post anything). A message that
// passes comes back as a fresh object holding only the fields its type
// declares, so nothing unexpected (extra keys, prototypes, getters) reaches
// the session. One that does not is refused with a MessageError naming the
// field and the value it got, e.g. "sample.temperature must be a number > 0,
// got 0". Settings are checked by their declarations (engine/configSchema.ts)
// and sampling requests by engine/sampleRequest.ts (SAMPLE_LIMITS), never
// restated here.
//
// Dimension legend: none (messages; the model's sizes are checked by configSchema.ts).

import type { OptimizerConfig, RegularizationConfig } from '../engine/config';
import type { Setting, SettingGroup } from '../engine/configSchema';
import {
  accepts,
  allowedText,
  optimizerFrom,
  regularizationFrom,
  runConfigFrom,
  settingsIn,
} from '../engine/settings';
import {
  EXPORT_CHOICES,
  EXPORT_WEIGHTS,
  MAX_COMPARED,
  TEST_FAULTS,
  MAX_HORIZON,
  type CompareSettings,
  type SeriesSource,
  type ModelSettings,
  type RunConfig,
  type UiMessage,
} from './protocol';
import { checkPrime, checkSampleNumbers, SampleRequestError } from '../engine/sampleRequest';
import { showValue } from '../engine/errorMessage';
import { SERIES_COLUMNS_IN } from '../engine/configSchema';
import { BUILTIN_SERIES } from '../series/generators';
import type { SeriesLayout } from '../series/windows';

/** A message the worker refuses; `field` is its dotted path, e.g. "setLive.optimizer.learningRate". */
export class MessageError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'MessageError';
  }
}

type Fields = Record<string, unknown>;

/** The message types the worker knows, each with the checker of its fields. */
const PARSERS: Record<UiMessage['type'], (m: Fields) => UiMessage> = {
  setCorpus: (m) => ({
    type: 'setCorpus',
    id: requestId(m, 'setCorpus.id'),
    name: string(m.name, 'setCorpus.name'),
    text: string(m.text, 'setCorpus.text'),
    ...(m.probe === undefined ? {} : { probe: string(m.probe, 'setCorpus.probe') }),
  }),
  loadCorpusFile: (m) => ({
    type: 'loadCorpusFile',
    id: requestId(m, 'loadCorpusFile.id'),
    file: file(m.file, 'loadCorpusFile.file'),
  }),
  configure: (m) => ({
    type: 'configure',
    config: runConfig(m.config, 'configure'),
    ...(m.compare === undefined ? {} : { compare: compareSet(m.compare, 'configure.compare') }),
    ...(m.seq === undefined ? {} : { seq: id(m.seq, 'configure.seq') }),
  }),
  select: (m) => ({ type: 'select', model: id(m.model, 'select.model') }),
  train: () => ({ type: 'train' }),
  pause: () => ({ type: 'pause' }),
  step: () => ({ type: 'step' }),
  reset: () => ({ type: 'reset' }),
  setLive: (m) => ({
    type: 'setLive',
    optimizer: optimizer(m.optimizer, 'setLive.optimizer'),
    regularization: regularization(m.regularization, 'setLive.regularization'),
  }),
  setProbe: (m) => ({ type: 'setProbe', text: string(m.text, 'setProbe.text') }),
  setProbeRows: (m) => ({
    type: 'setProbeRows',
    from: m.from === null ? null : id(m.from, 'setProbeRows.from'),
  }),
  loadSeries: (m) => ({
    type: 'loadSeries',
    id: requestId(m, 'loadSeries.id'),
    name: string(m.name, 'loadSeries.name'),
    source: seriesSource(m.source, 'loadSeries.source'),
    ...(m.layout === undefined ? {} : { layout: seriesLayout(m.layout, 'loadSeries.layout') }),
  }),
  setSeriesLayout: (m) => ({
    type: 'setSeriesLayout',
    layout: seriesLayout(m.layout, 'setSeriesLayout.layout'),
  }),
  setHorizon: (m) => ({ type: 'setHorizon', rows: count(m.rows, MAX_HORIZON, 'setHorizon.rows') }),
  sample: (m) => ({ type: 'sample', request: sampleRequest(m.request) }),
  stopSample: (m) => ({ type: 'stopSample', id: requestId(m, 'stopSample.id') }),
  export: (m) => ({
    type: 'export',
    id: requestId(m, 'export.id'),
    choice: oneOf(m.choice, EXPORT_CHOICES, 'export.choice'),
    weights: oneOf(m.weights, EXPORT_WEIGHTS, 'export.weights'),
  }),
  import: (m) => ({
    type: 'import',
    id: requestId(m, 'import.id'),
    corpusId: id(m.corpusId, 'import.corpusId'),
    files: files(m.files, 'import.files'),
    adoptVocabulary: boolean(m.adoptVocabulary, 'import.adoptVocabulary'),
  }),
  listRuns: () => ({ type: 'listRuns' }),
  resumeRun: (m) => ({
    type: 'resumeRun',
    runId: string(m.runId, 'resumeRun.runId'),
    corpusId: id(m.corpusId, 'resumeRun.corpusId'),
    ...(m.takeOver === undefined ? {} : { takeOver: boolean(m.takeOver, 'resumeRun.takeOver') }),
    ...(m.probe === undefined ? {} : { probe: string(m.probe, 'resumeRun.probe') }),
  }),
  deleteRun: (m) => ({ type: 'deleteRun', runId: string(m.runId, 'deleteRun.runId') }),
  saveNow: () => ({ type: 'saveNow' }),
  remeasure: () => ({ type: 'remeasure' }),
  ping: (m) => ({ type: 'ping', id: requestId(m, 'ping.id') }),
  testFault: (m) => ({
    type: 'testFault',
    fault: oneOf(m.fault, TEST_FAULTS, 'testFault.fault'),
  }),
};

/** The message as the worker may act on it, or a MessageError naming what is wrong. */
export function parseUiMessage(data: unknown): UiMessage {
  if (!isRecord(data))
    throw new MessageError('message', `a message must be an object, got ${showValue(data)}`);
  const type = data.type;
  if (typeof type !== 'string' || !Object.hasOwn(PARSERS, type)) {
    throw new MessageError('type', `unknown message type ${showValue(type)}`);
  }
  return PARSERS[type as UiMessage['type']](data);
}

/**
 * The id a refused message carried, when it has a usable one: its reply (a
 * corpusError, sampleError, exportError or importError) then reaches the
 * request that is waiting for it.
 */
export function requestIdOf(data: unknown): number | null {
  if (!isRecord(data)) return null;
  const raw = data.type === 'sample' && isRecord(data.request) ? data.request.id : data.id;
  return isId(raw) ? raw : null;
}

/** The count a refused configure carried (protocol.ts 'configure'.seq), when usable. */
export function configureSeqOf(data: unknown): number | null {
  return isRecord(data) && isId(data.seq) ? data.seq : null;
}

function requestId(m: Fields, field: string): number {
  return id(m.id, field);
}

function sampleRequest(raw: unknown) {
  const r = record(raw, 'sample.request');
  const request = {
    id: id(r.id, 'sample.id'),
    prime: r.prime as string,
    temperature: r.temperature as number,
    topK: r.topK as number,
    length: r.length as number,
    seed: r.seed as number,
  };
  try {
    checkPrime(request.prime, 'sample.prime');
    checkSampleNumbers(request, 'sample.');
  } catch (error) {
    if (error instanceof SampleRequestError) throw asMessageError(error.message);
    throw error;
  }
  return request;
}

/**
 * A RunConfig holding every declared setting (engine/configSchema.ts), each of
 * its kind and range; a MessageError names the first that is not, by its path
 * ("configure.train.optimizer.learningRate must be a number from …").
 */
function runConfig(raw: unknown, at: string): RunConfig {
  const c = record(raw, `${at}.config`);
  const paths: Record<SettingGroup, string> = {
    run: at,
    model: `${at}.model`,
    train: `${at}.train`,
    optimizer: `${at}.train.optimizer`,
    regularization: `${at}.train.regularization`,
  };
  const train = record(c.train, paths.train);
  const fields: Record<SettingGroup, Fields> = {
    run: c,
    model: record(c.model, paths.model),
    train,
    optimizer: record(train.optimizer, paths.optimizer),
    regularization: record(train.regularization, paths.regularization),
  };
  return runConfigFrom((s) => setting(s, fields[s.group], paths[s.group]));
}

/**
 * The models compared beside the first: at most MAX_COMPARED − 1, each checked
 * as in runConfig, with its own regularisation when it carries one.
 */
function compareSet(raw: unknown, at: string): CompareSettings[] {
  if (!Array.isArray(raw) || raw.length >= MAX_COMPARED) {
    throw new MessageError(
      at,
      `${at} must be a list of at most ${MAX_COMPARED - 1} models, got ${showValue(raw)}`,
    );
  }
  return raw.map((m, k) => {
    const fields = record(m, `${at}[${k}]`);
    const read = (s: Setting) => setting(s, fields, `${at}[${k}]`);
    const model = Object.fromEntries(
      settingsIn('model').map((s) => [s.key, read(s)]),
    ) as ModelSettings;
    if (fields.regularization === undefined) return model;
    return {
      ...model,
      regularization: regularization(fields.regularization, `${at}[${k}].regularization`),
    };
  });
}

/** The optimizer's settings (setLive), checked as in runConfig. */
function optimizer(raw: unknown, at: string): OptimizerConfig {
  const o = record(raw, at);
  return optimizerFrom((s) => setting(s, o, at));
}

/** The regularisation settings (setLive), checked as in runConfig. */
function regularization(raw: unknown, at: string): RegularizationConfig {
  const o = record(raw, at);
  return regularizationFrom((s) => setting(s, o, at));
}

function setting(s: Setting, fields: Fields, at: string): unknown {
  const value = fields[s.key];
  if (!accepts(s, value)) {
    const field = `${at}.${s.key}`;
    throw new MessageError(field, `${field} must be ${allowedText(s)}, got ${showValue(value)}`);
  }
  return value;
}

/** The series source of a loadSeries: CSV text, a file, or a built-in series by name. */
function seriesSource(raw: unknown, at: string): SeriesSource {
  const m = record(raw, at);
  const kind = oneOf(m.kind, ['text', 'file', 'builtin'] as const, `${at}.kind`);
  if (kind === 'text') return { kind, text: string(m.text, `${at}.text`) };
  if (kind === 'file') return { kind, file: file(m.file, `${at}.file`) };
  return { kind, series: oneOf(m.series, BUILTIN_SERIES, `${at}.series`) };
}

/** Column indices: whole numbers ≥ 0, at least one of each, none repeated within a list. */
function seriesLayout(raw: unknown, at: string): SeriesLayout {
  const m = record(raw, at);
  const columns = (value: unknown, field: string): number[] => {
    if (!Array.isArray(value) || value.length === 0 || value.length > SERIES_COLUMNS_IN.max) {
      throw new MessageError(
        field,
        `${field} must list 1 to ${SERIES_COLUMNS_IN.max} columns, got ${showValue(value)}`,
      );
    }
    const list = value.map((v, k) => id(v, `${field}[${k}]`));
    if (new Set(list).size !== list.length) {
      throw new MessageError(field, `${field} names a column twice: ${showValue(value)}`);
    }
    return list;
  };
  return {
    inputColumns: columns(m.inputColumns, `${at}.inputColumns`),
    targetColumns: columns(m.targetColumns, `${at}.targetColumns`),
  };
}

/** A whole number from 1 to `max`. */
function count(value: unknown, max: number, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new MessageError(
      field,
      `${field} must be a whole number from 1 to ${max}, got ${showValue(value)}`,
    );
  }
  return value;
}

function asMessageError(message: string): MessageError {
  return new MessageError(message.split(' ')[0], message);
}

function record(value: unknown, field: string): Fields {
  if (!isRecord(value))
    throw new MessageError(field, `${field} must be an object, got ${showValue(value)}`);
  return value;
}

function id(value: unknown, field: string): number {
  if (!isId(value)) {
    throw new MessageError(field, `${field} must be a whole number ≥ 0, got ${showValue(value)}`);
  }
  return value;
}

function string(value: unknown, field: string): string {
  if (typeof value !== 'string') {
    throw new MessageError(field, `${field} must be a string, got ${showValue(value)}`);
  }
  return value;
}

function boolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') {
    throw new MessageError(field, `${field} must be true or false, got ${showValue(value)}`);
  }
  return value;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new MessageError(
      field,
      `${field} must be one of ${allowed.join(', ')}, got ${showValue(value)}`,
    );
  }
  return value as T;
}

function file(value: unknown, field: string): File {
  if (!(value instanceof Blob)) {
    throw new MessageError(field, `${field} must be a File, got ${showValue(value)}`);
  }
  // A Blob without a name (from a script) reads like a file named "text".
  return value instanceof File ? value : new File([value], 'text');
}

function files(value: unknown, field: string): File[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new MessageError(
      field,
      `${field} must be a list of at least one File, got ${showValue(value)}`,
    );
  }
  return value.map((f, k) => file(f, `${field}[${k}]`));
}

function isRecord(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
