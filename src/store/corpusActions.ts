// Choosing the corpus, with one rule for every way a text arrives (typed or
// pasted into the corpus box, a dropped or picked file, a built-in chip):
//
//   The newest text a person gives is the corpus Train trains.
//   While nothing has been trained it is adopted at once (the box's text after
//   a short pause in typing, files and chips immediately). Once a model has
//   trained, replacing it asks first: files and chips when chosen, the box's
//   text when Train is pressed (asking on every keystroke would be noise).
//
// The worker reads, splits and measures every text; the "in use" card
// changes only when it accepts one, so it never shows a corpus that is not
// the one training.
//
// A built-in corpus with preset settings (the overfitting one's large H)
// applies them with it: they need a fresh model like any other change, which
// the corpus brings anyway, so the one question (or none, untrained) covers both.

import { BUILTIN_CORPORA, builtinCorpus, builtinText } from '../corpora';
import { freshModelChanges } from '../engine/settings';
import { applyConfig, proposeConfig } from './actions';
import { useApp } from './app';
import { presetSummary, withPreset, type Preset } from './configSlice';
import type { DraftStatus } from './corpusSlice';
import { newCorpusId, send } from './engine';

/** Pause in typing after which an untrained model adopts the box's text. */
const ADOPT_DELAY_MS = 400;
/**
 * A paste this long is not put into the box: a textarea holding tens of
 * megabytes makes every keystroke and render slow. The box previews its start
 * and the whole text goes to the worker.
 */
export const LARGE_PASTE_CHARS = 200_000;
const LARGE_PASTE_PREVIEW_CHARS = 20_000;
const DRAFT_NAME = 'Pasted text';
/** How the confirmation dialog names the box's text. */
const DRAFT_IN_DIALOG = 'the text in the corpus box';

let adoptTimer: ReturnType<typeof setTimeout> | undefined;
/** Id of the last corpus sent from the box: answers to it concern the box's text. */
let draftCorpusId = -1;
/** The box's last text sent has no answer yet (a newer edit waits for it). */
let draftInFlight = false;
/** The box was edited while its previous text was being checked: adopt once that is answered. */
let adoptAfterAnswer = false;

/** Train or Step was pressed while a corpus was being checked: do it once that corpus is in use. */
type StartCommand = 'train' | 'step';
let startOnceAccepted: { id: number; command: StartCommand } | null = null;

/** Where a corpus the page sent came from, so a restarted engine can be given it again. */
type CorpusSource =
  | { kind: 'text'; name: string; text: string; probe?: string; fromBox?: true }
  | { kind: 'file'; file: File };
/** Corpora sent and not yet answered, by id. */
const sentSources = new Map<number, CorpusSource>();
/** The last corpus the worker accepted from the page. */
let lastAccepted: CorpusSource | null = null;

function untrained(): boolean {
  const { status } = useApp.getState();
  return status.step === 0 && !status.training;
}

/** The box's text was edited (typed, pasted, dropped as text, cleared). */
export function setDraft(text: string): void {
  putDraft(text, text);
}

/** A paste of LARGE_PASTE_CHARS or more: the box shows its start, the worker gets all of it. */
export function pasteLargeText(text: string): void {
  putDraft(text.slice(0, LARGE_PASTE_PREVIEW_CHARS), text);
}

function putDraft(shown: string, whole: string): void {
  clearTimeout(adoptTimer);
  adoptAfterAnswer = false;
  const blank = whole.trim().length === 0;
  useApp.setState({
    draft: shown,
    draftText: whole,
    draftStatus: blank ? 'empty' : 'waiting',
    corpusError: null,
  });
  if (!blank && untrained()) adoptTimer = setTimeout(adoptDraftIfUntrained, ADOPT_DELAY_MS);
}

function adoptDraftIfUntrained(): void {
  if (useApp.getState().draftStatus !== 'waiting' || !untrained()) return;
  // One text of the box at a time: each would build a model the next one throws away.
  if (draftInFlight) adoptAfterAnswer = true;
  else adoptDraft();
}

/** Sends the box's text to the worker; returns the id its answer will carry. */
function adoptDraft(): number {
  clearTimeout(adoptTimer);
  adoptAfterAnswer = false;
  const text = useApp.getState().draftText;
  const id = sendSource({ kind: 'text', name: DRAFT_NAME, text, fromBox: true });
  draftCorpusId = id;
  draftInFlight = true;
  useApp.setState({ draftStatus: 'checking' });
  return id;
}

/**
 * "Use pasted text": a fresh model on the box's text now (asking first when a
 * model has trained), also when it is the text in use already.
 */
export function submitDraft(): void {
  const { draftText, draftStatus } = useApp.getState();
  if (draftText.trim().length === 0) {
    useApp.setState({
      corpusError: 'the corpus box is empty (or only whitespace): paste or type some text first',
    });
    return;
  }
  if (draftStatus === 'checking') return;
  askBeforeReplacingModel(DRAFT_IN_DIALOG, adoptDraft);
}

/**
 * Train or Step (buttons, Space, period) on the newest text given: the box's
 * text is adopted first (asking when a model has trained); a text the worker
 * refused stops them with the reason rather than training another corpus.
 */
export function startOnNewestCorpus(command: StartCommand, start: () => void): void {
  clearTimeout(adoptTimer);
  const { draftStatus, corpusError, active } = useApp.getState();
  switch (draftStatus) {
    case 'waiting':
      askBeforeReplacingModel(
        DRAFT_IN_DIALOG,
        () => {
          startOnceAccepted = { id: adoptDraft(), command };
        },
        () => {
          useApp.setState({ draftStatus: 'aside' });
          start();
        },
      );
      return;
    case 'checking':
      startOnceAccepted = { id: draftCorpusId, command };
      return;
    case 'rejected':
      useApp.setState({
        engineError:
          `the text in the corpus box cannot be trained on (${corpusError ?? 'it was refused'}): ` +
          `change it, or clear the box to train on ${active?.name ?? 'a built-in corpus'}`,
      });
      return;
    default:
      // A file or chip still being checked: start once it is in use.
      if (useApp.getState().loading && sentSources.has(useApp.getState().pendingCorpusId)) {
        startOnceAccepted = { id: useApp.getState().pendingCorpusId, command };
        return;
      }
      start();
  }
}

/** The worker accepted corpus `id`, the newest the page asked for (box, file, chip, import, saved run). */
export function onCorpusAccepted(id: number): void {
  const source = sentSources.get(id);
  sentSources.delete(id);
  if (source) lastAccepted = source;
  const { draftStatus } = useApp.getState();
  if (id === draftCorpusId) {
    draftInFlight = false;
    // Edited while it was checked: the newer text is adopted in turn.
    if (draftStatus === 'checking') useApp.setState({ draftStatus: 'inUse' });
    else if (adoptAfterAnswer) adoptDraftIfUntrained();
  } else if (isPending(draftStatus)) {
    // Chosen after the box's text: the box's text is no longer the newest.
    clearTimeout(adoptTimer);
    useApp.setState({ draftStatus: 'aside' });
  }
  if (startOnceAccepted?.id === id) {
    const { command } = startOnceAccepted;
    startOnceAccepted = null;
    send({ type: command });
  }
}

/** Train was pressed while a corpus was being checked: it starts once that corpus is in use. */
export function trainWaitsForCorpus(): boolean {
  return startOnceAccepted?.command === 'train';
}

/** The worker refused corpus `id`, the newest the page asked for; the corpus in use stays. */
export function onCorpusRefused(id: number, message: string): void {
  sentSources.delete(id);
  if (startOnceAccepted?.id === id) {
    startOnceAccepted = null;
    useApp.setState({ engineError: `not training: the new text was refused (${message})` });
  }
  if (id !== draftCorpusId) return;
  draftInFlight = false;
  if (useApp.getState().draftStatus === 'checking') useApp.setState({ draftStatus: 'rejected' });
  else if (adoptAfterAnswer) adoptDraftIfUntrained();
}

/** An answer about a corpus the page no longer waits for (a newer one was asked for since). */
export function onStaleCorpusAnswer(id: number): void {
  sentSources.delete(id);
  if (id === draftCorpusId) draftInFlight = false;
}

/** A refused box text may fit new settings (a shorter window, fewer streams): try it again. */
export function retryRefusedDraft(): void {
  if (useApp.getState().draftStatus === 'rejected' && untrained()) adoptDraft();
}

/** The box's text is the newest one given (or was refused): another source sets it aside. */
function isPending(status: DraftStatus): boolean {
  return (
    status === 'waiting' || status === 'checking' || status === 'inUse' || status === 'rejected'
  );
}

/** Another source was chosen: the box's text waits aside, untouched. */
function setDraftAside(): void {
  clearTimeout(adoptTimer);
  adoptAfterAnswer = false;
  if (isPending(useApp.getState().draftStatus)) useApp.setState({ draftStatus: 'aside' });
}

/**
 * A built-in corpus, generated at `value` of its parameter (delayed recall's
 * D; its default when omitted). A value outside the parameter's range is
 * refused with the reason, and the corpus in use stays.
 */
export function loadBuiltin(id: string, value?: number): void {
  const corpus = builtinCorpus(id);
  if (!corpus) return;
  const problem = value === undefined ? null : (corpus.parameter?.problem(value) ?? null);
  if (problem) {
    useApp.setState({ corpusError: problem });
    return;
  }
  const source = builtinText(corpus, value);
  const preset = corpus.settings;
  const named = preset
    ? `${source.name} with its settings (${presetSummary(preset)})`
    : source.name;
  askBeforeReplacingModel(named, () => {
    setDraftAside();
    // First the settings, then the corpus: the worker splits the text by the new validation share.
    if (preset) applyPreset(preset);
    sendSource({ kind: 'text', ...source });
  });
}

/**
 * Writes `preset` into the configuration (so the panel and the link show it):
 * settings that need a fresh model are sent without another question (the
 * corpus's own fresh model was agreed to), live ones apply at once.
 */
function applyPreset(preset: Preset): void {
  const { config } = useApp.getState();
  const next = withPreset(config, preset);
  if (freshModelChanges(config, next).length > 0) applyConfig(next);
  else proposeConfig(next);
}

/** The first built-in corpus, so Train works the moment the page opens. */
export function loadFirstBuiltin(): void {
  loadBuiltin(BUILTIN_CORPORA[0].id);
}

/** Reads a dropped or picked file in the worker (progress arrives as it reads). */
export function loadCorpusFile(file: File): void {
  askBeforeReplacingModel(file.name, () => {
    setDraftAside();
    sendSource({ kind: 'file', file });
  });
}

/**
 * Sends a corpus to the worker, which checks it and, if it is usable, builds
 * a fresh model on it (probing `probe` when given, else a probe text of its
 * own choosing, named in its answer). A Train or
 * Step waiting for an earlier corpus now waits for this one, the newest.
 */
function sendSource(source: CorpusSource): number {
  const id = newCorpusId();
  sentSources.set(id, source);
  if (startOnceAccepted) startOnceAccepted = { ...startOnceAccepted, id };
  if (source.kind === 'file') {
    useApp.setState({
      pendingCorpusId: id,
      loading: { name: source.file.name, loaded: 0, total: source.file.size },
      corpusError: null,
    });
    send({ type: 'loadCorpusFile', id, file: source.file });
  } else {
    useApp.setState({
      pendingCorpusId: id,
      loading: { name: source.name, loaded: 0, total: 0 },
      corpusError: null,
    });
    const { name, text, probe } = source;
    send({ type: 'setCorpus', id, name, text, ...(probe ? { probe } : {}) });
  }
  return id;
}

/**
 * A restarted engine gets the last corpus it had accepted (the first built-in
 * one if none), training once it is in use when `train`; returns its name.
 */
export function resendLastCorpus(train: boolean): string {
  const source = lastAccepted ?? builtinSource();
  startOnceAccepted = null;
  const boxStillHoldsIt =
    source.kind === 'text' && source.fromBox && useApp.getState().draftText === source.text;
  const id = boxStillHoldsIt ? adoptDraft() : sendSource(source);
  startOnceAccepted = train ? { id, command: 'train' } : null;
  return source.kind === 'file' ? source.file.name : source.name;
}

function builtinSource(): CorpusSource {
  return { kind: 'text', ...builtinText(BUILTIN_CORPORA[0]) };
}

/**
 * A new corpus (or series, seriesActions.ts) means a fresh model: at once
 * while nothing has been trained, otherwise once the person confirms (the trained run stays in Saved runs);
 * `keep` runs when they keep the current model instead.
 */
export function askBeforeReplacingModel(name: string, apply: () => void, keep?: () => void): void {
  if (untrained()) apply();
  else useApp.setState({ pendingCorpus: { name, apply, ...(keep ? { keep } : {}) } });
}
