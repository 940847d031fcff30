// The gates of one layer over an editable probe text: a heatmap per signal of
// the cell (LSTM i, f, g, o, c, h; GRU r, z, n, h; RNN h) with its equation,
// rows in one order for the layer (unitOrder.ts), a hover card with the terms
// behind a value, the probe text coloured by one unit, and the unit finder.
// A bidirectional model's layer shows its forward or its reverse direction.
// Snapshots come from the training model every few steps.

import { useCallback, useMemo, useState } from 'react';
import { MAX_PROBE_CHARS } from '../../engine/config';
import {
  setLayer,
  setProbeText,
  setSortFeature,
  setTextGate,
  setUnit,
  setUnitSort,
} from '../../store/actions';
import { useApp, type AppState } from '../../store/app';
import { CELLS } from '../../engine/cells';
import type { GateKey } from '../../engine/snapshot';
import { GATE_INFO, SIGNAL_DOCS, memorySignal, showChar } from '../gateInfo';
import { useTransitionedState } from '../hooks/useTransitionedState';
import {
  FEATURE_LABELS,
  TEXT_FEATURES,
  textFeatures,
  unitCorrelations,
  type TextFeature,
} from '../unitFeatures';
import { chosenColumn } from '../forecastData';
import { rowsOf, unitOrder } from '../unitOrder';
import { GateHoverCard } from './GateHoverCard';
import { Heatmap, type Cell } from './Heatmap';
import { SeriesStretchField } from './SeriesStretchField';
import { UnitFinder } from './UnitFinder';
import { UnitText } from './UnitText';

interface Hover extends Cell {
  x: number;
  y: number;
}

/** The row order select's value: 'index', 'mean', or 'r:' and a text feature. */
type SortChoice = 'index' | 'mean' | `r:${TextFeature}`;

function chooseSort(value: SortChoice): void {
  if (value === 'index' || value === 'mean') setUnitSort(value);
  else setSortFeature(value.slice(2) as TextFeature);
}

function varies(series: Float64Array): boolean {
  return series.some((v) => v !== series[0]);
}

/** Features that hold or not at a character (underlined in the text); the others are counts. */
const YES_NO: ReadonlySet<TextFeature> = new Set([
  'quote',
  'bracket',
  'space',
  'digit',
  'upper',
  'vowel',
]);

const selectSnapshot = (s: AppState) => s.snapshot;

/** A character as a screen reader should say it (showChar's ␣ and ↵ are read as symbols' names). */
function spokenChar(ch: string | undefined): string {
  if (ch === ' ') return 'space';
  if (ch === '\n') return 'line break';
  if (ch === '\t') return 'tab';
  return ch ?? '';
}

/** A bidirectional layer's two directions, as the direction switch names them. */
const DIRECTIONS = [
  {
    value: 'forward',
    label: 'forward →',
    hint: 'The direction that reads the probe left to right: each value has seen the characters up to it',
  },
  {
    value: 'reverse',
    label: '← reverse',
    hint: 'The direction that reads the probe right to left: each value has seen the characters from the end back to it',
  },
] as const;

export function GatesPanel() {
  const snapshot = useTransitionedState(selectSnapshot);
  const probeText = useApp((s) => s.probeText);
  const layerIndex = useApp((s) => s.layer);
  const unit = useApp((s) => s.unit);
  const textGate = useApp((s) => s.textGate);
  const pinned = useApp((s) => s.unitPinned);
  const probeError = useApp((s) => s.probeError);
  const layers = useApp((s) => s.config.model.layers);
  const unitSort = useApp((s) => s.unitSort);
  const sortFeature = useApp((s) => s.sortFeature);
  const finderFeature = useApp((s) => s.finderFeature);
  // A forecast model probes a stretch of its series: no probe text, no text features.
  const forecast = useApp((s) => s.config.model.task === 'forecast');
  const [hover, setHover] = useState<Hover | null>(null);

  const onHover = useCallback((cell: Cell | null, x: number, y: number) => {
    setHover((old) => {
      if (!cell) return null;
      // Same cell: keep the object so nothing re-renders.
      if (old && old.pos === cell.pos && old.unit === cell.unit) return old;
      return { ...cell, x, y };
    });
  }, []);
  const onPick = useCallback((cell: Cell) => setUnit(cell.unit), []);

  // A bidirectional model's layers read both ways: which direction the maps show.
  const [direction, setDirection] = useState<'forward' | 'reverse'>('forward');
  const reverse = direction === 'reverse' && snapshot?.reverse !== undefined;
  const shownLayers = reverse ? snapshot?.reverse : snapshot?.layers;
  const layer = shownLayers?.[Math.min(layerIndex, shownLayers.length - 1)];
  const cell = snapshot?.cell ?? 'lstm';
  const signals = CELLS[cell].signals;
  // A signal the shown cell lacks (the GRU has no forget gate) colours the text by h instead.
  const shownTextGate = signals.includes(textGate) ? textGate : 'h';
  const hidden = snapshot?.hidden ?? 0;
  // A forecast's stretch, drawn under the maps as the chart's chosen target column.
  const chartColumn = useApp((s) => s.chartColumn);
  const stretch = useMemo(() => {
    const series = snapshot?.series;
    const column = series && chosenColumn(series.columns, chartColumn);
    return series && column ? { start: series.start, ...column } : undefined;
  }, [snapshot, chartColumn]);
  const P = stretch ? stretch.values.length : (snapshot?.chars.length ?? 0);
  // What sorting and the finder read: the layer's memory, c for the LSTM, h otherwise.
  const memory = layer?.[memorySignal(cell)];
  const features = useMemo(
    () => (snapshot && !snapshot.series ? textFeatures(snapshot.chars) : null),
    [snapshot],
  );
  const order = useMemo(
    () =>
      memory ? unitOrder(unitSort, memory, P, hidden, features?.[sortFeature]) : new Int32Array(0),
    [memory, unitSort, P, hidden, features, sortFeature],
  );
  const rows = useMemo(() => rowsOf(order), [order]);
  const shownUnit = Math.min(unit, Math.max(0, hidden - 1));
  const found = useMemo(() => {
    if (!finderFeature || !memory || !features) return null;
    const r = unitCorrelations(memory, P, hidden, features[finderFeature])[shownUnit];
    const marks = YES_NO.has(finderFeature) ? features[finderFeature] : null;
    return { label: FEATURE_LABELS[finderFeature], r, marks };
  }, [finderFeature, memory, features, P, hidden, shownUnit]);
  const describePosition = useCallback(
    (pos: number) =>
      stretch ? `row ${stretch.start + pos}` : `character ${spokenChar(snapshot?.chars[pos])}`,
    [stretch, snapshot],
  );
  const sortChoice: SortChoice = unitSort === 'feature' ? `r:${sortFeature}` : unitSort;

  return (
    <section className="panel" aria-labelledby="gates-title">
      <header>
        <h2 id="gates-title">Gates</h2>
        <span className="hint">position × unit; hover for values, click to pick a unit</span>
        <span className="spacer" />
        {snapshot && (
          <span className="snapshot-meta" aria-label="Gate snapshot step">
            step {snapshot.step.toLocaleString('en-US')}
            {reverse && ' · reverse direction: its previous step is t + 1'}
          </span>
        )}
      </header>
      <div className="gate-controls">
        {forecast ? (
          <SeriesStretchField shown={stretch ? { start: stretch.start, rows: P } : null} />
        ) : (
          <label className="labelled probe-field">
            <span>Probe text</span>
            <textarea
              className="input probe"
              aria-label="Probe text"
              aria-describedby="probe-length"
              rows={2}
              maxLength={MAX_PROBE_CHARS}
              value={probeText}
              spellCheck={false}
              onChange={(e) => setProbeText(e.target.value)}
            />
            <span id="probe-length" className="hint">
              {probeText.length} / {MAX_PROBE_CHARS} characters
            </span>
          </label>
        )}
        <label className="labelled">
          <span>Layer</span>
          <select
            aria-label="Layer"
            value={layerIndex}
            onChange={(e) => setLayer(Number(e.target.value))}
          >
            {Array.from({ length: layers }, (_, l) => (
              <option key={l} value={l}>
                {l + 1} of {layers}
              </option>
            ))}
          </select>
        </label>
        {snapshot?.reverse && (
          <div className="labelled">
            <span id="gate-direction">Direction</span>
            <div className="segmented" role="radiogroup" aria-labelledby="gate-direction">
              {DIRECTIONS.map((d) => (
                <label key={d.value} title={d.hint}>
                  <input
                    type="radio"
                    name="gate-direction"
                    checked={direction === d.value}
                    onChange={() => setDirection(d.value)}
                  />
                  {d.label}
                </label>
              ))}
            </div>
          </div>
        )}
        {!forecast && (
          <label className="labelled">
            <span>Colour text by</span>
            <select
              aria-label="Signal"
              value={shownTextGate}
              onChange={(e) => setTextGate(e.target.value as GateKey)}
            >
              {signals.map((g) => (
                <option key={g} value={g}>
                  {g}: {GATE_INFO[g].title}
                </option>
              ))}
            </select>
          </label>
        )}
        <label className="labelled">
          <span>Order rows by</span>
          <select
            aria-label="Order rows by"
            value={sortChoice}
            onChange={(e) => chooseSort(e.target.value as SortChoice)}
          >
            <option value="index">unit index</option>
            <option value="mean">mean {memorySignal(cell)}, highest first</option>
            {!forecast &&
              TEXT_FEATURES.map((f) => (
                // A feature constant along the text (no digit in it) orders nothing.
                <option key={f} value={`r:${f}`} disabled={features ? !varies(features[f]) : false}>
                  |r| with {FEATURE_LABELS[f]}
                </option>
              ))}
          </select>
        </label>
        <label className="labelled">
          <span>Unit</span>
          <input
            className="input"
            type="number"
            aria-label="Unit"
            min={0}
            max={Math.max(0, hidden - 1)}
            value={unit}
            style={{ width: 84 }}
            onChange={(e) => {
              const v = Math.round(Number(e.target.value));
              if (Number.isFinite(v)) setUnit(Math.min(Math.max(0, v), Math.max(0, hidden - 1)));
            }}
          />
        </label>
      </div>
      {probeError && (
        <div className="note warn" role="status">
          {probeError}
        </div>
      )}
      {snapshot && snapshot.unknown.length > 0 && (
        <div className="hint" role="status">
          Skipped characters the corpus never uses: {snapshot.unknown.map(showChar).join(' ')}
        </div>
      )}
      {!forecast && probeText.trim().length === 0 ? (
        <div className="chart-empty" style={{ height: 160 }}>
          Type a probe text to see what every gate does at each of its characters.
        </div>
      ) : snapshot && layer ? (
        <>
          <div className={`heatmaps count-${signals.length}`}>
            {signals.map((g) => (
              <Heatmap
                key={g}
                symbol={g}
                title={GATE_INFO[g].title}
                equation={SIGNAL_DOCS[cell][g]!.equation}
                does={SIGNAL_DOCS[cell][g]!.does}
                data={layer[g]!}
                length={P}
                hidden={hidden}
                scale={GATE_INFO[g].scale}
                squash={GATE_INFO[g].squash}
                // The RNN's one map spans the panel: taller, so its rows are not slivers.
                minHeight={signals.length === 1 ? 180 : 96}
                order={order}
                rows={rows}
                hover={hover}
                selectedUnit={shownUnit}
                onHover={onHover}
                onPick={onPick}
                describePosition={describePosition}
                strip={stretch}
              />
            ))}
          </div>
          {!stretch && (
            <UnitText
              snapshot={snapshot}
              layer={layer}
              unit={shownUnit}
              gate={shownTextGate}
              pinned={pinned}
              feature={found}
              onHover={onHover}
            />
          )}
          {memory && !stretch && (
            <UnitFinder
              cell={cell}
              values={memory}
              chars={snapshot.chars}
              hidden={hidden}
              unit={shownUnit}
              feature={finderFeature}
            />
          )}
          {hover && hover.pos < P && hover.unit < hidden && (
            // A snapshot of a shorter probe or a smaller model may land under a still pointer.
            <GateHoverCard
              x={hover.x}
              y={hover.y}
              pos={hover.pos}
              unit={hover.unit}
              snapshot={snapshot}
              layer={layer}
              reverse={reverse}
            />
          )}
        </>
      ) : (
        <div className="chart-empty" style={{ height: 160 }}>
          The gates appear once a model is built.
        </div>
      )}
    </section>
  );
}
