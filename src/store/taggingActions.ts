// What a person does on a restoration task (spaces, case) beyond the
// settings: compare the same model reading left to right and both ways, in
// one click, through the compare machinery (compareActions.ts): the first
// model uni, beside it the same model bi, on the same text and seed; any
// other compared models go. One rebuild, confirmed first once the models
// have trained.

import { isTaggingTask } from '../engine/task';
import type { RunConfig } from '../worker/protocol';
import { useApp } from './app';
import { proposeCompare } from './compareActions';

/** "Compare left to right vs both ways": model 1 uni, model 2 the same model bi. */
export function compareDirections(): void {
  const { config } = useApp.getState();
  if (!isTaggingTask(config.model.task)) return;
  const uni: RunConfig = { ...config, model: { ...config.model, direction: 'uni' } };
  proposeCompare([{ ...uni.model, direction: 'bi' }], uni);
}
