// The gates of one layer over an editable probe text: six heatmaps (i, f, g,
// o, c, h), a hover card with every value at a character, and the probe text
// coloured by one unit. Snapshots come from the training model every few steps.

import { useCallback, useState } from 'react';
import { MAX_PROBE_CHARS } from '../../engine/config';
import type { ProbeLayer, ProbeMessage } from '../../worker/protocol';
import { setLayer, setProbeText, setTextGate, setUnit } from '../../store/actions';
import { useApp, type AppState } from '../../store/app';
import { CELLS } from '../../engine/cells';
import type { GateKey } from '../../engine/snapshot';
import { GATE_INFO, showChar } from '../gateInfo';
import { useTransitionedState } from '../hooks/useTransitionedState';
import { Heatmap, type Cell } from './Heatmap';
import { UnitText } from './UnitText';

interface Hover extends Cell {
  x: number;
  y: number;
}

function HoverCard({
  hover,
  snapshot,
  layer,
}: {
  hover: Hover;
  snapshot: ProbeMessage;
  layer: ProbeLayer;
}) {
  const H = snapshot.hidden;
  const at = hover.pos * H + hover.unit;
  const p = snapshot.nextCharProb[hover.pos];
  const next = snapshot.chars[hover.pos + 1];
  return (
    <div
      className="hover-card"
      style={{
        // Flip to the other side of the pointer near the window's right and bottom edges.
        left: hover.x + 230 > window.innerWidth ? hover.x - 224 : hover.x + 14,
        top: hover.y + 200 > window.innerHeight ? hover.y - 190 : hover.y + 14,
      }}
      role="tooltip"
    >
      <div>
        <span className="char">{showChar(snapshot.chars[hover.pos])}</span>{' '}
        <span className="hint">
          position {hover.pos} · unit {hover.unit}
        </span>
      </div>
      <table>
        <tbody>
          {CELLS[snapshot.cell].signals.map((g) => (
            <tr key={g}>
              <td>
                {g} <span className="hint">{GATE_INFO[g].name}</span>
              </td>
              <td>{layer[g]![at].toFixed(3)}</td>
            </tr>
          ))}
          {next !== undefined && Number.isFinite(p) && (
            <tr>
              <td>p(next = {showChar(next)})</td>
              <td>{p.toFixed(3)}</td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}

const selectSnapshot = (s: AppState) => s.snapshot;

export function GatesPanel() {
  const snapshot = useTransitionedState(selectSnapshot);
  const probeText = useApp((s) => s.probeText);
  const layerIndex = useApp((s) => s.layer);
  const unit = useApp((s) => s.unit);
  const textGate = useApp((s) => s.textGate);
  const pinned = useApp((s) => s.unitPinned);
  const probeError = useApp((s) => s.probeError);
  const layers = useApp((s) => s.config.model.layers);
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

  const layer = snapshot?.layers[Math.min(layerIndex, snapshot.layers.length - 1)];
  const signals = CELLS[snapshot?.cell ?? 'lstm'].signals;
  // A signal the shown cell lacks (the GRU has no forget gate) colours the text by h instead.
  const shownTextGate = signals.includes(textGate) ? textGate : 'h';
  const hidden = snapshot?.hidden ?? 0;

  return (
    <section className="panel" aria-labelledby="gates-title">
      <header>
        <h2 id="gates-title">Gates</h2>
        <span className="hint">position × unit; hover for values, click to pick a unit</span>
        <span className="spacer" />
        {snapshot && (
          <span className="snapshot-meta" aria-label="Gate snapshot step">
            step {snapshot.step.toLocaleString('en-US')}
          </span>
        )}
      </header>
      <div className="gate-controls">
        <label className="labelled">
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
      {probeText.trim().length === 0 ? (
        <div className="chart-empty" style={{ height: 160 }}>
          Type a probe text to see what every gate does at each of its characters.
        </div>
      ) : snapshot && layer ? (
        <>
          <div className="heatmaps">
            {signals.map((g) => (
              <Heatmap
                key={g}
                symbol={g}
                title={GATE_INFO[g].title}
                data={layer[g]!}
                length={snapshot.chars.length}
                hidden={hidden}
                scale={GATE_INFO[g].scale}
                squash={GATE_INFO[g].squash}
                hover={hover}
                selectedUnit={unit}
                onHover={onHover}
                onPick={onPick}
              />
            ))}
          </div>
          <UnitText
            snapshot={snapshot}
            layer={layer}
            unit={Math.min(unit, hidden - 1)}
            gate={shownTextGate}
            pinned={pinned}
            onHover={onHover}
          />
          {hover && hover.pos < snapshot.chars.length && hover.unit < hidden && (
            // A snapshot of a shorter probe or a smaller model may land under a still pointer.
            <HoverCard hover={hover} snapshot={snapshot} layer={layer} />
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
