// Corpus state: the corpus box's text (never thrown away by a failed load),
// the corpus the model trains on, and the progress and errors of loading one.

import type { StateCreator } from 'zustand';
import type { CorpusStats } from '../worker/protocol';
import type { AppState } from './app';

export interface CorpusLoading {
  name: string;
  /** Bytes read so far and in all, or 0 / 0 while the worker checks the text. */
  loaded: number;
  total: number;
}

/**
 * Where the corpus box's text stands (corpusActions.ts has the one rule):
 * - `empty`: nothing (or only whitespace) in the box;
 * - `waiting`: edited; an untrained model adopts it shortly, a trained one asks at Train;
 * - `checking`: sent to the worker, which splits and measures it;
 * - `inUse`: it is the corpus the model trains on;
 * - `rejected`: the worker refused it (`corpusError` says why); Train will not run on another text;
 * - `aside`: the person kept the trained model, or chose another corpus since.
 */
export type DraftStatus = 'empty' | 'waiting' | 'checking' | 'inUse' | 'rejected' | 'aside';

export interface CorpusSlice {
  /** What the corpus box shows: the text, or the start of a very large paste. */
  draft: string;
  /** The box's whole text (the same string as `draft` unless a large paste is previewed). */
  draftText: string;
  draftStatus: DraftStatus;
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
  draftText: '',
  draftStatus: 'empty',
  active: null,
  activePreview: '',
  pendingCorpusId: 0,
  loading: null,
  corpusError: null,
});
