// Sampling settings and the text generated so far (appended in chunks of a
// few characters, a few dozen times a second at most).

import type { StateCreator } from 'zustand';
import type { AppState } from './app';

export interface SampleSlice {
  prime: string;
  temperature: number;
  topK: number;
  sampleLength: number;
  /** Id of the generation in progress, or null. */
  sampleId: number | null;
  sampleText: string;
  samplePrime: string;
  sampleError: string | null;
}

export const createSampleSlice: StateCreator<AppState, [], [], SampleSlice> = () => ({
  prime: 'The ',
  temperature: 0.8,
  topK: 0,
  sampleLength: 300,
  sampleId: null,
  sampleText: '',
  samplePrime: '',
  sampleError: null,
});
