// The card under the pointer on a heatmap or the coloured text: at one
// character and unit, every signal's value within the terms of the cell's
// equations that made them (gateTerms.ts), so "f = 0.93" reads as "keeps 93%
// of the old cell state".

import { useLayoutEffect, useRef, useState } from 'react';
import { CELLS } from '../../engine/cells';
import type { ProbeLayer, ProbeMessage } from '../../worker/protocol';
import { showChar } from '../gateInfo';
import { cellTerms } from '../gateTerms';
import { formatScore } from '../forecastData';

interface Props {
  /** Where the pointer is, in client coordinates. */
  x: number;
  y: number;
  pos: number;
  unit: number;
  snapshot: ProbeMessage;
  layer: ProbeLayer;
  /** The layer is a bidirectional model's reverse direction (its previous step is t + 1). */
  reverse?: boolean;
}

const GAP = 14;

export function GateHoverCard({ x, y, pos, unit, snapshot, layer, reverse = false }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState({ width: 320, height: 240 });
  // Measured whenever its content changes, so it flips by its real size near the window's edges.
  useLayoutEffect(() => {
    const box = ref.current?.getBoundingClientRect();
    if (box && (box.width !== size.width || box.height !== size.height))
      setSize({ width: box.width, height: box.height });
  }, [pos, unit, snapshot, size.width, size.height]);
  const H = snapshot.hidden;
  const p = snapshot.nextCharProb[pos];
  const next = snapshot.chars[pos + 1];
  const terms = cellTerms(snapshot.cell, layer, H, pos, unit, reverse);
  return (
    <div
      ref={ref}
      className="hover-card"
      style={{
        left:
          x + GAP + size.width > window.innerWidth ? Math.max(0, x - GAP - size.width) : x + GAP,
        top:
          y + GAP + size.height > window.innerHeight ? Math.max(0, y - GAP - size.height) : y + GAP,
      }}
      role="tooltip"
    >
      <div>
        <span className="char">
          {snapshot.series
            ? `row ${snapshot.series.start + pos}: ${seriesValues(snapshot.series.columns, pos)}`
            : showChar(snapshot.chars[pos])}
        </span>{' '}
        <span className="hint">
          position {pos} · unit {unit} · {CELLS[snapshot.cell].label}
        </span>
      </div>
      <ul className="terms" aria-label="How the values came about">
        {terms.lines.map((line) => (
          <li key={line.label}>
            <span className="term-label">{line.label}</span>
            <span className="term">{line.text}</span>
          </li>
        ))}
      </ul>
      {snapshot.truth
        ? // A tagger's probability is of class 1 at this character (a space after it, a capital).
          Number.isFinite(p) && (
            <div className="hint">
              P(mark) = {p.toFixed(3)} · truth {snapshot.truth[pos]}
            </div>
          )
        : next !== undefined &&
          Number.isFinite(p) && (
            <div className="hint">
              p(next = {showChar(next)}) = {p.toFixed(3)}
            </div>
          )}
    </div>
  );
}

/** A forecast row's target values: the value alone for one target, else each named. */
function seriesValues(columns: { name: string; values: Float64Array }[], pos: number): string {
  if (columns.length === 1) return formatScore(columns[0].values[pos]);
  return columns.map((c) => `${c.name} ${formatScore(c.values[pos])}`).join(' · ');
}
