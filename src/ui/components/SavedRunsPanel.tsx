// The runs saved in this browser: autosaved while training, resumable
// exactly, deletable; with how much storage they take and a clear message
// when it is full.

import { useApp } from '../../store/app';
import { deleteRun, resumeRun } from '../../store/fileActions';
import { formatBytes, formatCount } from '../format';
import type { SavedRun } from '../../engine/protocol';

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
      {runs.length === 0 ? (
        <p className="hint">No saved runs yet: train, and the run is kept here.</p>
      ) : (
        <ul className="runs" aria-label="Saved runs">
          {runs.map((run) => (
            <li key={run.id} aria-current={run.id === current ? 'true' : undefined}>
              <div className="run-text">
                <span className="name">
                  {run.name}
                  {run.id === current && <span className="tag">training</span>}
                </span>
                <span className="hint">
                  {describeRun(run)} · {savedAgo(run.updatedAt)}
                </span>
              </div>
              <div className="row">
                <button
                  type="button"
                  className="btn small"
                  disabled={run.id === current}
                  aria-label={`Resume ${run.name}`}
                  onClick={() => resumeRun(run.id)}
                >
                  Resume
                </button>
                <button
                  type="button"
                  className="btn small"
                  // The run in training would be saved again at once: it is kept while it trains.
                  disabled={run.id === current}
                  title={
                    run.id === current ? 'the run in training is kept while it trains' : undefined
                  }
                  aria-label={`Delete ${run.name}`}
                  onClick={() => deleteRun(run.id)}
                >
                  Delete
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      {storage?.usage !== undefined && storage.quota !== undefined && (
        <p className="hint" aria-label="Storage use">
          {formatBytes(storage.usage)} of {formatBytes(storage.quota)} browser storage in use
        </p>
      )}
    </section>
  );
}

/** Offered once when the page opens and a run was saved before. */
export function ResumeOffer() {
  const offer = useApp((s) => s.resumeOffer);
  if (!offer) return null;
  return (
    <div className="note info banner" role="region" aria-label="Resume a saved run">
      <span>
        Welcome back. <strong>{offer.name}</strong> was saved {savedAgo(offer.updatedAt)} at step{' '}
        {formatCount(offer.step)}.
      </span>
      <button type="button" className="btn small primary" onClick={() => resumeRun(offer.id)}>
        Resume it
      </button>
      <button
        type="button"
        className="btn small"
        onClick={() => useApp.setState({ resumeOffer: null })}
      >
        Start fresh
      </button>
    </div>
  );
}
