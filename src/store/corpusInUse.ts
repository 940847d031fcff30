// What the page does when the worker answers about a corpus it asked for:
// the "in use" card, the loading line and the error line follow, the gate
// view takes the probe text the worker chose with the corpus, and a prime
// the new vocabulary cannot feed starts over at the probe's first word. An
// answer about a corpus the page no longer waits for changes nothing shown.

import type { EngineMessageOf } from '../worker/protocol';
import { useApp } from './app';
import { onCorpusAccepted, onCorpusRefused, onStaleCorpusAnswer } from './corpusActions';

export function onCorpusInUse(message: EngineMessageOf<'corpus'>): void {
  const state = useApp.getState();
  if (message.id !== state.pendingCorpusId) return onStaleCorpusAnswer(message.id);
  useApp.setState({
    active: message.stats,
    activePreview: message.preview,
    loading: null,
    corpusError: null,
  });
  onCorpusAccepted(message.id);
  const { probe } = message;
  const known = new Set(message.stats.vocabulary);
  if ([...state.prime].some((ch) => !known.has(ch))) {
    // The old prime cannot be fed to this model: start from this corpus's first word.
    useApp.setState({ prime: firstWord(probe) });
  }
  // The worker probes with it already: the box shows what the heatmaps are of.
  if (probe && probe !== state.probeText) useApp.setState({ probeText: probe });
}

export function onCorpusProgress(message: EngineMessageOf<'corpusProgress'>): void {
  const { pendingCorpusId, loading } = useApp.getState();
  if (message.id !== pendingCorpusId || !loading) return;
  useApp.setState({ loading: { ...loading, loaded: message.loaded, total: message.total } });
}

export function onCorpusError(message: EngineMessageOf<'corpusError'>): void {
  if (message.id !== useApp.getState().pendingCorpusId) return onStaleCorpusAnswer(message.id);
  useApp.setState({ loading: null, corpusError: message.message });
  onCorpusRefused(message.id, message.message);
}

/** Up to and including the first space, at most 12 characters; never empty for a non-empty text. */
function firstWord(text: string): string {
  const chars = [...text.trimStart()];
  const space = chars.indexOf(' ');
  return chars.slice(0, space >= 0 && space < 12 ? space + 1 : 12).join('');
}
