// The one store, built from typed slices. What changes it lives outside, as
// plain functions, so every caller (a component, the receiver) runs the same
// code: a person's commands in actions.ts (run, sample, settings),
// corpusActions.ts (choosing the corpus) and fileActions.ts (model files,
// saved runs); what to do about the worker's messages in corpusInUse.ts,
// runActions.ts and fileActions.ts (receiver.ts routes them there); a restart
// of the worker in recovery.ts.

import { create } from 'zustand';
import { createCompareSlice, type CompareSlice } from './compareSlice';
import { createConfigSlice, type ConfigSlice } from './configSlice';
import { createCorpusSlice, type CorpusSlice } from './corpusSlice';
import { createDiagnosticsSlice, type DiagnosticsSlice } from './diagnosticsSlice';
import { createFilesSlice, type FilesSlice } from './filesSlice';
import { createGatesSlice, type GatesSlice } from './gatesSlice';
import { createRunSlice, type RunSlice } from './runSlice';
import { createSampleSlice, type SampleSlice } from './sampleSlice';
import { createTaskSlice, type TaskSlice } from './taskSlice';

export type AppState = CorpusSlice &
  ConfigSlice &
  RunSlice &
  GatesSlice &
  SampleSlice &
  FilesSlice &
  DiagnosticsSlice &
  CompareSlice &
  TaskSlice;

export const useApp = create<AppState>()((...a) => ({
  ...createCorpusSlice(...a),
  ...createConfigSlice(...a),
  ...createRunSlice(...a),
  ...createGatesSlice(...a),
  ...createSampleSlice(...a),
  ...createFilesSlice(...a),
  ...createDiagnosticsSlice(...a),
  ...createCompareSlice(...a),
  ...createTaskSlice(...a),
}));
