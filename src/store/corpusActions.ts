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

import { BUILTIN_CORPORA, builtinCorpus } from '../corpora';
import { useApp } from './app';
import type { DraftStatus } from './corpusSlice';
import { newCorpusId, rememberPending, send } from './engine';

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
/** Train was pressed while this corpus was being checked: start once it is in use. */
let trainOnceAccepted: number | null = null;

/** The last corpus the page sent, so a restarted engine can be given it again. */
type CorpusSource =
  { kind: 'text'; name: string; text: string; probe?: string } | { kind: 'file'; file: File };
let lastSource: CorpusSource | null = null;

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
  if (useApp.getState().draftStatus === 'waiting' && untrained()) adoptDraft();
}

/** Sends the box's text to the worker; returns the id its answer will carry. */
function adoptDraft(): number {
  clearTimeout(adoptTimer);
  trainOnceAccepted = null;
  const id = newCorpusId();
  draftCorpusId = id;
  rememberPending(id);
  useApp.setState({
    draftStatus: 'checking',
    pendingCorpusId: id,
    loading: { name: DRAFT_NAME, loaded: 0, total: 0 },
    corpusError: null,
  });
  const text = useApp.getState().draftText;
  lastSource = { kind: 'text', name: DRAFT_NAME, text };
  send({ type: 'setCorpus', id, name: DRAFT_NAME, text });
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
 * Train (button or Space) trains the box's text when it is the newest one:
 * it is adopted first (asking when a model has trained); a text the worker
 * refused stops Train with the reason rather than training another corpus.
 */
export function trainNewestCorpus(start: () => void): void {
  clearTimeout(adoptTimer);
  const { draftStatus, corpusError, active } = useApp.getState();
  switch (draftStatus) {
    case 'waiting':
      askBeforeReplacingModel(
        DRAFT_IN_DIALOG,
        () => {
          trainOnceAccepted = adoptDraft();
        },
        () => {
          useApp.setState({ draftStatus: 'aside' });
          start();
        },
      );
      return;
    case 'checking':
      trainOnceAccepted = draftCorpusId;
      return;
    case 'rejected':
      useApp.setState({
        engineError:
          `the text in the corpus box cannot be trained on (${corpusError ?? 'it was refused'}): ` +
          `change it, or clear the box to train on ${active?.name ?? 'a built-in corpus'}`,
      });
      return;
    default:
      start();
  }
}

/** The worker accepted corpus `id` (from the box, a file, a chip, an import or a saved run). */
export function onCorpusAccepted(id: number): void {
  const { draftStatus } = useApp.getState();
  if (id === draftCorpusId) {
    useApp.setState({ draftStatus: 'inUse' });
  } else if (isPending(draftStatus)) {
    // Chosen after the box's text: the box's text is no longer the newest.
    clearTimeout(adoptTimer);
    useApp.setState({ draftStatus: 'aside' });
  }
  if (id === trainOnceAccepted) {
    trainOnceAccepted = null;
    send({ type: 'train' });
  }
}

/** The worker refused corpus `id`; the corpus in use stays. */
export function onCorpusRefused(id: number, message: string): void {
  if (id === trainOnceAccepted) {
    trainOnceAccepted = null;
    useApp.setState({ engineError: `not training: the new text was refused (${message})` });
  }
  if (id === draftCorpusId) useApp.setState({ draftStatus: 'rejected' });
}

/** A refused box text may fit new settings (a shorter window, fewer streams): try it again. */
export function retryRefusedDraft(): void {
  if (useApp.getState().draftStatus === 'rejected' && untrained()) adoptDraft();
}

function isPending(status: DraftStatus): boolean {
  return status === 'waiting' || status === 'checking' || status === 'inUse';
}

/** Another source was chosen: the box's text waits aside, untouched. */
function setDraftAside(): void {
  clearTimeout(adoptTimer);
  trainOnceAccepted = null;
  if (isPending(useApp.getState().draftStatus)) useApp.setState({ draftStatus: 'aside' });
}

export function loadBuiltin(id: string): void {
  const corpus = builtinCorpus(id);
  if (!corpus) return;
  askBeforeReplacingModel(corpus.title, () => {
    setDraftAside();
    sendText(corpus.title, corpus.generate(), corpus.probe);
  });
}

/** The first built-in corpus, so Train works the moment the page opens. */
export function loadFirstBuiltin(): void {
  loadBuiltin(BUILTIN_CORPORA[0].id);
}

/**
 * Sends a text to the worker, which checks it and, if it is usable, builds a
 * fresh model on it; the probe text then switches to `probe`.
 */
function sendText(name: string, text: string, probe?: string): number {
  lastSource = { kind: 'text', name, text, ...(probe ? { probe } : {}) };
  const id = newCorpusId();
  rememberPending(id, probe);
  useApp.setState({
    pendingCorpusId: id,
    loading: { name, loaded: 0, total: 0 },
    corpusError: null,
  });
  send({ type: 'setCorpus', id, name, text });
  return id;
}

/** Reads a dropped or picked file in the worker (progress arrives as it reads). */
export function loadCorpusFile(file: File): void {
  askBeforeReplacingModel(file.name, () => {
    setDraftAside();
    sendFile(file);
  });
}

function sendFile(file: File): number {
  lastSource = { kind: 'file', file };
  const id = newCorpusId();
  rememberPending(id);
  useApp.setState({
    pendingCorpusId: id,
    loading: { name: file.name, loaded: 0, total: file.size },
    corpusError: null,
  });
  send({ type: 'loadCorpusFile', id, file });
  return id;
}

/**
 * A restarted engine gets the last corpus the page sent (the first built-in
 * one if none), training once it is in use when `train`; returns its name.
 */
export function resendLastCorpus(train: boolean): string {
  const source = lastSource ?? builtinSource();
  const id =
    source.kind === 'file'
      ? sendFile(source.file)
      : sendText(source.name, source.text, source.probe);
  trainOnceAccepted = train ? id : null;
  return source.kind === 'file' ? source.file.name : source.name;
}

function builtinSource(): CorpusSource {
  const corpus = BUILTIN_CORPORA[0];
  return { kind: 'text', name: corpus.title, text: corpus.generate(), probe: corpus.probe };
}

/**
 * A new corpus means a fresh model: at once while nothing has been trained,
 * otherwise once the person confirms (the trained run stays in Saved runs);
 * `keep` runs when they keep the current model instead.
 */
function askBeforeReplacingModel(name: string, apply: () => void, keep?: () => void): void {
  if (untrained()) apply();
  else useApp.setState({ pendingCorpus: { name, apply, ...(keep ? { keep } : {}) } });
}
