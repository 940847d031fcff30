// Model files and saved runs: exports in progress, the outcome of an import
// (and an offer to adopt a file's vocabulary), the runs saved in this
// browser, the last autosave, and the offer to resume made when the page opens.

import type { StateCreator } from 'zustand';
import type { ExportChoice, SavedRun, StorageReport } from '../worker/protocol';
import type { AppState } from './app';

export interface ImportNotice {
  ok: boolean;
  text: string;
}

export interface FilesSlice {
  /** The export being made, if any. */
  exporting: ExportChoice | null;
  exportError: string | null;
  /** Id of the import in progress (0: none). */
  importId: number;
  importNotice: ImportNotice | null;
  /** Files whose vocabulary could replace the corpus', waiting for the person's answer. */
  adoptOffer: { files: File[]; message: string } | null;
  savedRuns: SavedRun[];
  /** The saved run that the model in training is, if saved. */
  currentRunId: string | null;
  storage: StorageReport | null;
  /** The last autosave of this session. */
  lastSave: { step: number; at: number } | null;
  saveProblem: string | null;
  /** The newest saved run, offered once when the page opens; null once answered. */
  resumeOffer: SavedRun | null;
  /** The first list of saved runs has arrived (the resume offer is made from it). */
  runsListed: boolean;
}

export const createFilesSlice: StateCreator<AppState, [], [], FilesSlice> = () => ({
  exporting: null,
  exportError: null,
  importId: 0,
  importNotice: null,
  adoptOffer: null,
  savedRuns: [],
  currentRunId: null,
  storage: null,
  lastSave: null,
  saveProblem: null,
  resumeOffer: null,
  runsListed: false,
});
