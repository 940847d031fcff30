// Corpus input: built-in generated corpora, the corpus box (type or paste),
// a file picker and drag-and-drop, under one rule (store/corpusActions.ts):
// the newest text given is what Train trains. A failed load shows why and
// leaves both the box and the corpus in use untouched.

import { useEffect, useRef, useState } from 'react';
import { BUILTIN_CORPORA, builtinOfName } from '../../corpora';
import {
  LARGE_PASTE_CHARS,
  loadBuiltin,
  loadCorpusFile,
  pasteLargeText,
  setDraft,
  submitDraft,
} from '../../store/corpusActions';
import { useApp } from '../../store/app';
import { importModelFiles, isModelFile } from '../../store/fileActions';
import { presetSummary } from '../../store/configSlice';
import type { DraftStatus } from '../../store/corpusSlice';
import { formatBytes, formatCount } from '../format';
import { NumberField } from './NumberField';

/**
 * A file dropped anywhere on the page becomes the corpus (the browser would
 * otherwise open it and leave the page), or what `onFile` makes of it (the
 * series panel's series); a model export (a .zip or .safetensors, with any
 * files dropped beside it) is imported instead. True while a file is dragged
 * over the page, so the paste area can show where it goes.
 */
export function useFileDragAnywhere(onFile: (file: File) => void = loadCorpusFile): boolean {
  const [dragging, setDragging] = useState(false);
  useEffect(() => {
    // dragenter/dragleave fire for every child crossed: count them, so the highlight does not flicker.
    let depth = 0;
    const carriesFiles = (e: DragEvent) => e.dataTransfer?.types.includes('Files') ?? false;
    const onEnter = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      depth++;
      setDragging(true);
    };
    const onLeave = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const onOver = (e: DragEvent) => {
      if (carriesFiles(e)) e.preventDefault();
    };
    const onDrop = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      e.preventDefault();
      depth = 0;
      setDragging(false);
      const files = [...(e.dataTransfer?.files ?? [])];
      if (files.some((f) => isModelFile(f.name))) importModelFiles(files);
      else if (files[0]) onFile(files[0]);
    };
    window.addEventListener('dragenter', onEnter);
    window.addEventListener('dragleave', onLeave);
    window.addEventListener('dragover', onOver);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragenter', onEnter);
      window.removeEventListener('dragleave', onLeave);
      window.removeEventListener('dragover', onOver);
      window.removeEventListener('drop', onDrop);
    };
  }, [onFile]);
  return dragging;
}

/** What the line under the box says about its text. */
function draftNote(status: DraftStatus, trained: boolean): string {
  switch (status) {
    case 'waiting':
      return trained
        ? 'Train asks before this text replaces the trained model'
        : 'the model will train on this text';
    case 'checking':
      return 'checking the text…';
    case 'inUse':
      return 'in use: Train trains this text';
    case 'aside':
      return 'not in use: another corpus was chosen or the trained model kept';
    default:
      return '';
  }
}

export function CorpusPanel() {
  const draft = useApp((s) => s.draft);
  const draftLength = useApp((s) => s.draftText.length);
  const draftStatus = useApp((s) => s.draftStatus);
  const trained = useApp((s) => s.status.step > 0 || s.status.training);
  // A large paste shows only its start; editing that preview would lose the rest.
  const previewing = draft.length < draftLength;
  const active = useApp((s) => s.active);
  const preview = useApp((s) => s.activePreview);
  const loading = useApp((s) => s.loading);
  const error = useApp((s) => s.corpusError);
  const fileInput = useRef<HTMLInputElement>(null);
  const dragging = useFileDragAnywhere();
  // The built-in corpus in use, and the value of its parameter (delayed recall's D).
  const builtin = active ? builtinOfName(active.name) : undefined;
  const parameter = builtin?.corpus.parameter;

  return (
    <section className="panel" aria-labelledby="corpus-title">
      <header>
        <h2 id="corpus-title">Corpus</h2>
        <span className="hint">what the model reads</span>
      </header>

      <div className="chips" role="group" aria-label="Built-in corpora">
        {BUILTIN_CORPORA.map((c) => (
          <button
            key={c.id}
            type="button"
            className="chip"
            aria-pressed={builtin?.corpus.id === c.id}
            title={c.description}
            // Choosing the chip in use again keeps its parameter (a fresh model, the same D).
            onClick={() =>
              loadBuiltin(
                c.id,
                builtin?.corpus.id === c.id ? (builtin.value ?? undefined) : undefined,
              )
            }
          >
            {c.title}
          </button>
        ))}
      </div>
      {builtin?.corpus.settings && (
        // The preset's settings were applied with it (corpusActions.ts): say which.
        <p className="hint" role="note" aria-label="Corpus preset" style={{ margin: '0 0 10px' }}>
          Preset: {presetSummary(builtin.corpus.settings)}
        </p>
      )}
      {builtin && parameter && (
        // Committing a value regenerates the corpus (asking first once a model has trained).
        <div className="params" style={{ marginBottom: 10 }}>
          <NumberField
            label={parameter.label}
            hint={parameter.hint}
            value={builtin.value ?? parameter.default}
            min={parameter.min}
            max={parameter.max}
            integer
            onCommit={(v) => loadBuiltin(builtin.corpus.id, v)}
          />
        </div>
      )}

      <div className={`dropzone ${dragging ? 'dragging' : ''}`}>
        <textarea
          className="corpus"
          aria-label="Corpus text"
          placeholder="Paste any text here (a book, code, song lyrics…), or drop a .txt file anywhere on the page."
          value={draft}
          readOnly={previewing}
          spellCheck={false}
          onChange={(e) => setDraft(e.target.value)}
          onPaste={(e) => {
            const text = e.clipboardData.getData('text/plain');
            if (text.length < LARGE_PASTE_CHARS) return; // the box takes it; onChange follows
            e.preventDefault();
            pasteLargeText(text);
          }}
        />
      </div>
      <div className="row between corpus-actions">
        <span className="hint" aria-live="polite" aria-label="Corpus box status">
          {draftLength > 0 &&
            (previewing
              ? `${formatCount(draftLength)} characters pasted (the box shows the first ${formatCount(draft.length)})`
              : `${formatCount(draftLength)} characters`)}
          {draftNote(draftStatus, trained) && ` · ${draftNote(draftStatus, trained)}`}
        </span>
        <div className="row">
          {previewing && (
            <button type="button" className="btn small" onClick={() => setDraft('')}>
              Clear
            </button>
          )}
          <button type="button" className="btn small" onClick={() => fileInput.current?.click()}>
            Open file…
          </button>
          <button
            type="button"
            className="btn small"
            onClick={submitDraft}
            title="Use the box's text now (it is also used when you press Train)"
          >
            Use pasted text
          </button>
        </div>
        <input
          ref={fileInput}
          type="file"
          accept=".txt,.md,.csv,.json,text/*"
          aria-label="Corpus file"
          hidden
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) loadCorpusFile(file);
          }}
        />
      </div>

      {loading && (
        <div className="active-corpus" aria-live="polite">
          <div className="hint">
            {loading.total > 0
              ? `Reading ${loading.name}: ${formatBytes(loading.loaded)} of ${formatBytes(loading.total)}`
              : `Checking ${loading.name}…`}
          </div>
          <progress
            aria-label="Corpus loading progress"
            max={loading.total || undefined}
            value={loading.total ? loading.loaded : undefined}
          />
        </div>
      )}
      {error && (
        <div className="note error" role="alert" style={{ marginTop: 10 }}>
          <span>Corpus not loaded: {error}.</span>
        </div>
      )}
      {active && (
        <div className="active-corpus" aria-label="Corpus in use" role="group">
          <div className="row between">
            <span className="name">{active.name}</span>
            <span className="hint">in use</span>
          </div>
          <dl className="stats">
            <div>
              <dt>characters</dt>
              <dd aria-label="Character count">{formatCount(active.chars)}</dd>
            </div>
            <div>
              <dt>vocabulary</dt>
              <dd aria-label="Vocabulary size" title={active.vocabulary}>
                {active.vocabSize}
              </dd>
            </div>
            <div>
              <dt>train</dt>
              <dd>{formatCount(active.trainChars)}</dd>
            </div>
            <div>
              <dt>validation</dt>
              <dd>{formatCount(active.validationChars)}</dd>
            </div>
          </dl>
          {preview && <pre className="preview">{preview}</pre>}
        </div>
      )}
    </section>
  );
}
