// The probe text as the shown model restores it, from its latest gate
// snapshot: the derived input (no spaces, or lower case) with the model's
// labels put back, its mistakes marked (a missed mark and an extra one in two
// colours, named for screen readers), the truth under it to compare, and the
// probe's accuracy. Updates with every snapshot.

import { useMemo } from 'react';
import type { TaggingTask } from '../../engine/task';
import { useApp } from '../../store/app';
import type { ProbeMessage } from '../../worker/protocol';
import { MISTAKE_LABELS, restoredProbe, type TextPiece } from '../restoredText';
import { formatScore } from '../taggingScores';

/**
 * A space mark is a box where the gap is (dashed: a space left out; filled
 * and struck: one put in). Drawn by CSS, not a glyph such as ␣, which many
 * monospace fonts lack.
 */
function Gap() {
  return <span className="tag-gap" aria-hidden="true" />;
}

function Mark({ piece, kind }: { piece: TextPiece; kind: TaggingTask }) {
  return (
    <mark className={`tag-mark tag-${piece.mistake}`} title={piece.label}>
      <span className="visually-hidden">[{piece.label}: </span>
      {kind === 'spaces' ? <Gap /> : piece.text}
      <span className="visually-hidden">]</span>
    </mark>
  );
}

/** A sample of each mark, named, above the text. */
function MarkLegend({ kind }: { kind: TaggingTask }) {
  const labels = MISTAKE_LABELS[kind];
  // A case mark shows the letter as the model wrote it: left lower case, or made a capital.
  const [missed, extra] = kind === 'spaces' ? [<Gap key="m" />, <Gap key="e" />] : ['a', 'A'];
  return (
    <span className="hint tag-legend" aria-hidden="true">
      <mark className="tag-mark tag-missed sample">{missed}</mark> {labels.missed}{' '}
      <mark className="tag-mark tag-extra sample">{extra}</mark> {labels.extra}
    </span>
  );
}

function Restored({ snapshot, kind }: { snapshot: ProbeMessage; kind: TaggingTask }) {
  const truth = snapshot.truth;
  const probe = useMemo(
    // A snapshot of another task's model (a rebuild under way) has no truth of this length.
    () =>
      truth && truth.length === snapshot.chars.length
        ? restoredProbe(kind, snapshot.chars, snapshot.nextCharProb, truth)
        : null,
    [kind, snapshot, truth],
  );
  if (!probe) return null;
  const { scores } = probe;
  return (
    <>
      <div className="row between">
        <span className="hint">
          Probe accuracy{' '}
          <output aria-label="Probe accuracy" className="tag-figure">
            {formatScore(scores.accuracy)}
          </output>{' '}
          · F1 {formatScore(scores.f1)} · {probe.missed} {MISTAKE_LABELS[kind].missed}
          {probe.missed === 1 ? '' : 's'} · {probe.extra} {MISTAKE_LABELS[kind].extra}
          {probe.extra === 1 ? '' : 's'} · of {scores.count} characters, step{' '}
          {snapshot.step.toLocaleString('en-US')}
        </span>
        <MarkLegend kind={kind} />
      </div>
      <div className="tag-texts">
        <div className="tag-label">model</div>
        <p className="tag-text" aria-label="Restored probe text">
          {probe.pieces.map((p, k) =>
            p.mistake ? <Mark key={k} piece={p} kind={kind} /> : <span key={k}>{p.text}</span>,
          )}
        </p>
        <div className="tag-label">truth</div>
        <p className="tag-text truth" aria-label="Probe text, true">
          {probe.truth}
        </p>
      </div>
    </>
  );
}

export function RestoredText({ kind }: { kind: TaggingTask }) {
  const snapshot = useApp((s) => s.snapshot);
  return (
    <div className="restored">
      <h3 className="tag-title">Restored probe text</h3>
      {snapshot?.truth ? (
        <Restored snapshot={snapshot} kind={kind} />
      ) : (
        <div className="chart-empty" style={{ height: 80 }}>
          The probe text restored by the model appears with its first gate snapshot.
        </div>
      )}
    </div>
  );
}
