// The runs saved in this browser: autosaved while training, resumable
// exactly, deletable; with how much storage they take, whether the browser
// keeps them under storage pressure, and a clear message when it is full.
// A damaged record (incomplete, or a checkpoint that does not load) is
// listed with the reason and offers Delete only.

import { useEffect } from 'react';
import { useApp } from '../../store/app';
import {
  askPersistentStorage,
  deleteRun,
  dismissResumeOffer,
  resumeRun,
} from '../../store/fileActions';
import { formatBytes, formatCount } from '../format';
import type { SavedRun } from '../../worker/protocol';

export function savedAgo(at: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 60) return `${s} s ago`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h ago`;
  return new Date(at).toLocaleDateString();
}

export function describeRun(run: SavedRun): string {
  const { embedSize: E, hiddenSize: H, layers: L } = run.model;
  const loss = run.lastLoss !== undefined ? `, loss ${run.lastLoss.toFixed(3)}` : '';
  return `step ${formatCount(run.step)} · E${E} H${H} L${L}${loss} · ${formatBytes(run.checkpointBytes)}`;
}

export function SavedRunsPanel() {
  const runs = useApp((s) => s.savedRuns);
  const current = useApp((s) => s.currentRunId);
  const storage = useApp((s) => s.storage);
  const problem = useApp((s) => s.saveProblem);
  const lastSave = useApp((s) => s.lastSave);
  const hasRuns = runs.some((r) => !r.damaged);

  // Asked when there is something to keep, not at page load (some browsers ask the person).
  useEffect(() => {
    if (hasRuns && storage?.persisted === false) void askPersistentStorage();
  }, [hasRuns, storage?.persisted]);

  return (
    <section className="panel" aria-labelledby="runs-title">
      <header>
        <h2 id="runs-title">Saved runs</h2>
        <span className="hint" aria-label="Autosave status">
          {lastSave
            ? `autosaved at step ${formatCount(lastSave.step)}`
            : 'saved every few seconds while training'}
        </span>
      </header>
      {problem && (
        <div className="note error" role="alert">
          <span>{problem}</span>
        </div>
      )}
      {storage?.notice && (
        <div className="note info" role="status">
          <span>{storage.notice}</span>
        </div>
      )}
      {runs.length === 0 ? (
        <p className="hint">No saved runs yet: train, and the run is kept here.</p>
      ) : (
        <ul className="runs" aria-label="Saved runs">
          {runs.map((run) =>
            run.damaged ? (
              <DamagedRunItem key={run.id} run={run} />
            ) : (
              <RunItem key={run.id} run={run} current={run.id === current} />
            ),
          )}
        </ul>
      )}
      {storage?.usage !== undefined && storage.quota !== undefined && (
        <p className="hint" aria-label="Storage use">
          {formatBytes(storage.usage)} of {formatBytes(storage.quota)} browser storage in use
        </p>
      )}
      {hasRuns && storage?.persisted !== undefined && (
        <p className="hint" aria-label="Storage persistence">
          {storage.persisted
            ? 'The browser keeps these runs until you delete them (persistent storage granted).'
            : 'The browser may clear these runs when space runs low (persistent storage not granted): export the ones you want to keep.'}
        </p>
      )}
    </section>
  );
}

function RunItem({ run, current }: { run: SavedRun; current: boolean }) {
  return (
    <li aria-current={current ? 'true' : undefined}>
      <div className="run-text">
        <span className="name">
          {run.name}
          {current && <span className="tag">training</span>}
        </span>
        <span className="hint">
          {describeRun(run)} · {savedAgo(run.updatedAt)}
        </span>
      </div>
      <div className="row">
        <button
          type="button"
          className="btn small"
          disabled={current}
          aria-label={`Resume ${run.name}`}
          onClick={() => resumeRun(run.id)}
        >
          Resume
        </button>
        <button
          type="button"
          className="btn small"
          // The run in training would be saved again at once: it is kept while it trains.
          disabled={current}
          title={current ? 'the run in training is kept while it trains' : undefined}
          aria-label={`Delete ${run.name}`}
          onClick={() => deleteRun(run.id)}
        >
          Delete
        </button>
      </div>
    </li>
  );
}

/** A record that cannot be resumed: its name, why, and Delete. */
function DamagedRunItem({ run }: { run: SavedRun }) {
  return (
    <li className="damaged">
      <div className="run-text">
        <span className="name">
          {run.name}
          <span className="tag">damaged</span>
        </span>
        <span className="hint">
          cannot be resumed: {run.damaged}
          {run.updatedAt > 0 ? ` · ${savedAgo(run.updatedAt)}` : ''}
        </span>
      </div>
      <div className="row">
        <button
          type="button"
          className="btn small"
          aria-label={`Delete ${run.name}`}
          onClick={() => deleteRun(run.id)}
        >
          Delete
        </button>
      </div>
    </li>
  );
}

/** Offered once when the page opens and a run was saved before. */
export function ResumeOffer() {
  const offer = useApp((s) => s.resumeOffer);
  // A damaged record is never offered (the list shows it with the reason).
  if (!offer || offer.damaged) return null;
  return (
    <div className="note info banner" role="region" aria-label="Resume a saved run">
      <span>
        Welcome back. <strong>{offer.name}</strong> was saved {savedAgo(offer.updatedAt)} at step{' '}
        {formatCount(offer.step)}.
      </span>
      <button type="button" className="btn small primary" onClick={() => resumeRun(offer.id)}>
        Resume it
      </button>
      <button type="button" className="btn small" onClick={dismissResumeOffer}>
        Start fresh
      </button>
    </div>
  );
}
