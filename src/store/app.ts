// The one store, built from typed slices. Actions live in actions.ts as plain
// functions so the worker bridge and components call the same code.

import { create } from 'zustand';
import { createConfigSlice, type ConfigSlice } from './configSlice';
import { createCorpusSlice, type CorpusSlice } from './corpusSlice';
import { createFilesSlice, type FilesSlice } from './filesSlice';
import { createGatesSlice, type GatesSlice } from './gatesSlice';
import { createRunSlice, type RunSlice } from './runSlice';
import { createSampleSlice, type SampleSlice } from './sampleSlice';

export type AppState = CorpusSlice & ConfigSlice & RunSlice & GatesSlice & SampleSlice & FilesSlice;

export const useApp = create<AppState>()((...a) => ({
  ...createCorpusSlice(...a),
  ...createConfigSlice(...a),
  ...createRunSlice(...a),
  ...createGatesSlice(...a),
  ...createSampleSlice(...a),
  ...createFilesSlice(...a),
}));
