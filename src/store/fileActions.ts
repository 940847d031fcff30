// What a person can do with model files and saved runs: export, import (and
// adopt a file's vocabulary when offered), resume or delete a saved run.

import type { ExportChoice } from '../worker/protocol';
import { useApp } from './app';
import { newCorpusId, rememberImport, rememberPending, send } from './engine';

let nextRequestId = 1;

export function exportModel(choice: ExportChoice): void {
  if (useApp.getState().exporting) return;
  useApp.setState({ exporting: choice, exportError: null });
  send({ type: 'export', id: nextRequestId++, choice });
}

/** Imports weights or a checkpoint (a .safetensors file, with vocab.json when it needs one). */
export function importModelFiles(files: File[], adoptVocabulary = false): void {
  if (files.length === 0) return;
  const id = nextRequestId++;
  const corpusId = newCorpusId();
  rememberImport(id, files);
  rememberPending(corpusId);
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
  rememberPending(corpusId);
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
