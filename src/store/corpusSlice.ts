// Corpus state: the paste area's text (never thrown away by a failed load), the
// corpus the model trains on, and the progress and errors of loading one.

import type { StateCreator } from 'zustand';
import type { CorpusStats } from '../engine/protocol';
import type { AppState } from './app';

export interface CorpusLoading {
  name: string;
  /** Bytes read so far and in all, or 0 / 0 while the worker checks the text. */
  loaded: number;
  total: number;
}

export interface CorpusSlice {
  /** What is in the paste area. */
  draft: string;
  /** The corpus in use, as the worker measured it. */
  active: CorpusStats | null;
  /** The start of the corpus in use, for a preview. */
  activePreview: string;
  /** Id of the corpus the worker is checking, to drop stale answers. */
  pendingCorpusId: number;
  loading: CorpusLoading | null;
  corpusError: string | null;
}

export const createCorpusSlice: StateCreator<AppState, [], [], CorpusSlice> = () => ({
  draft: '',
  active: null,
  activePreview: '',
  pendingCorpusId: 0,
  loading: null,
  corpusError: null,
});
