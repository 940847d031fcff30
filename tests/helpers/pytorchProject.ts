// What the tests of the "Continue in PyTorch" project share: Debian's python
// with torch (scripts/ensure-chromium.mjs installs python3-torch; under
// CI=true a machine without it fails the tests, never skips them), and the
// files the project zip holds (src/io/project/pytorchProject.ts writes them).

import { spawnSync } from 'node:child_process';

/** Debian's python, which has python3-torch (a python first on PATH may not). */
export const PYTHON = '/usr/bin/python3';

export const hasTorch =
  spawnSync(PYTHON, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0;

/** Throws (the test fails) when torch is missing: the call for a test CI requires. */
export function requireTorch(): void {
  if (!hasTorch) throw new Error(`${PYTHON} has no torch: node scripts/ensure-chromium.mjs`);
}

/** The entries of the project zip, as a person unpacks them. */
export const PROJECT_FILES = [
  'README.md',
  'config.json',
  'corpus.txt',
  'gatescope.py',
  'model.safetensors',
  'sample.py',
  'state.safetensors',
  'train.py',
  'vocab.json',
];
