// What a person can do with model files and saved runs: export, import (and
// adopt a file's vocabulary when offered), resume or delete a saved run; and
// what the page does with the worker's answers to those requests.

import type { EngineMessageOf, ExportChoice, ExportWeights } from '../worker/protocol';
import { useApp } from './app';
import { downloadFile } from './download';
import { newCorpusId, send } from './engine';
import { onResumeAnswer } from './recovery';

let nextRequestId = 1;
/** Files of imports in flight, by id: kept to retry one with the file's vocabulary. */
const imports = new Map<number, File[]>();

/** Exports `choice`: the weights of the best validation (when there are any) unless `weights` says latest. */
export function exportModel(choice: ExportChoice, weights: ExportWeights = 'best'): void {
  if (useApp.getState().exporting) return;
  useApp.setState({ exporting: choice, exportError: null });
  send({ type: 'export', id: nextRequestId++, choice, weights });
}

/** A model export a person may choose or drop: an exported zip or a .safetensors file. */
export function isModelFile(name: string): boolean {
  return /\.(zip|safetensors)$/i.test(name);
}

/** Imports weights or a checkpoint (a .safetensors file, with vocab.json when it needs one, or an exported PyTorch zip). */
export function importModelFiles(files: File[], adoptVocabulary = false): void {
  if (files.length === 0) return;
  const id = nextRequestId++;
  const corpusId = newCorpusId();
  imports.set(id, files);
  // A corpus the import brings (re-encoded or restored) is the one to show.
  useApp.setState({
    importId: id,
    importNotice: null,
    adoptOffer: null,
    pendingCorpusId: corpusId,
  });
  send({ type: 'import', id, corpusId, files, adoptVocabulary });
}

export function adoptVocabulary(): void {
  const offer = useApp.getState().adoptOffer;
  if (offer) importModelFiles(offer.files, true);
}

export function dismissImportNotice(): void {
  useApp.setState({ importNotice: null, adoptOffer: null });
}

export function resumeRun(runId: string): void {
  const corpusId = newCorpusId();
  useApp.setState({
    resumeOffer: null,
    importNotice: null,
    pendingCorpusId: corpusId,
  });
  send({ type: 'resumeRun', runId, corpusId });
}

export function deleteRun(runId: string): void {
  useApp.setState((s) => ({
    resumeOffer: s.resumeOffer?.id === runId ? null : s.resumeOffer,
  }));
  send({ type: 'deleteRun', runId });
}

let persistenceAsked = false;

/**
 * Asks the browser once per page to keep saved runs under storage pressure
 * (persist() exists on the page only, not in workers), then lists the runs
 * again so Saved runs says what the browser decided.
 */
export async function askPersistentStorage(): Promise<void> {
  if (persistenceAsked) return;
  persistenceAsked = true;
  const storage = (navigator as { storage?: Partial<StorageManager> }).storage;
  if (typeof storage?.persist !== 'function') return;
  try {
    await storage.persist();
  } catch {
    return; // The answer stays "not granted", which the panel already says.
  }
  send({ type: 'listRuns' });
}

export function dismissResumeOffer(): void {
  useApp.setState({ resumeOffer: null });
}

export function onExported(message: EngineMessageOf<'exported'>): void {
  downloadFile(message.file);
  useApp.setState({ exporting: null, exportError: null });
}

/** An import or a resume went through (id 0: a resume, maybe the one an engine restart asked for). */
export function onImported(message: EngineMessageOf<'imported'>): void {
  if (message.id === 0 && onResumeAnswer(message.summary)) return;
  imports.delete(message.id);
  useApp.setState({
    importId: 0,
    adoptOffer: null,
    resumeOffer: null,
    importNotice: { ok: true, text: message.summary },
  });
}

/** An import or a resume failed; a file whose vocabulary could be adopted is offered again. */
export function onImportFailed(message: EngineMessageOf<'importError'>): void {
  if (message.id === 0 && onResumeAnswer(null, message.message)) return;
  const files = imports.get(message.id);
  imports.delete(message.id);
  useApp.setState({
    importId: 0,
    adoptOffer: message.adoptable && files ? { files, message: message.message } : null,
    importNotice: message.adoptable ? null : { ok: false, text: message.message },
  });
}

/** The saved runs; the first listing of the page offers to resume the latest sound one. */
export function onRunsListed(message: EngineMessageOf<'runs'>): void {
  const { runsListed } = useApp.getState();
  useApp.setState({
    savedRuns: message.runs,
    currentRunId: message.current,
    storage: message.storage,
    saveProblem: message.storage.problem ?? null,
    ...(runsListed
      ? {}
      : { runsListed: true, resumeOffer: message.runs.find((r) => !r.damaged) ?? null }),
  });
}

export function onSaved(message: EngineMessageOf<'saved'>): void {
  useApp.setState({
    // Saves are of the run this tab trains (a copy of another tab's run saves under its own id).
    modelRunId: message.run.id,
    lastSave: { step: message.run.step, at: Date.now() },
    saveProblem: null,
    currentRunId: message.run.id,
  });
}
