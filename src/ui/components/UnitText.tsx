// The probe text coloured by one unit's activation, the way interpretable
// cells of char-RNNs are shown (Karpathy et al., 2015): a quote-tracking or
// line-length cell lights up across exactly the span it tracks. A unit picked
// in the unit finder also has its feature's characters underlined, to compare.

import { memo } from 'react';
import type { ProbeLayer, ProbeMessage } from '../../worker/protocol';
import type { GateKey } from '../../engine/snapshot';
import { colorIndex, colorTable, cssColor, cssGradient, textColorOn } from '../colormap';
import { useColorScheme } from '../hooks/useColorScheme';
import type { Cell } from './Heatmap';
import { GATE_INFO } from '../gateInfo';
import { num } from '../gateTerms';

interface Props {
  snapshot: ProbeMessage;
  layer: ProbeLayer;
  unit: number;
  gate: GateKey;
  pinned: boolean;
  /** A unit finder's feature: its label, r, and where it holds (P, non-zero = underline) if yes/no. */
  feature?: { label: string; r: number; marks: Float64Array | null } | null;
  onHover(cell: Cell | null, x: number, y: number): void;
}

export const UnitText = memo(function UnitText({
  snapshot,
  layer,
  unit,
  gate,
  pinned,
  feature,
  onHover,
}: Props) {
  const scheme = useColorScheme();
  const info = GATE_INFO[gate];
  const table = colorTable(info.scale, scheme);
  const H = snapshot.hidden;
  const values = layer[gate] ?? layer.h!;
  return (
    <div className="unit-text">
      <div className="row between">
        <span className="hint">
          Text coloured by <b>{gate}</b> ({info.title}) of unit {unit}
          {!pinned && ' (the most varied; click a heatmap row to choose)'}
          {feature && (
            <>
              {' '}
              · r = {num(feature.r)} with <u>{feature.label}</u>
            </>
          )}
        </span>
        <span className="hint">
          {info.scale === 'unit' ? '0' : '−1'}
          <span className="legend-bar" style={{ background: cssGradient(table) }} />
          {info.scale === 'unit' ? '1' : '+1'}
        </span>
      </div>
      <div
        className="text"
        aria-label={`Activation of unit ${unit} along the probe`}
        onMouseLeave={(e) => onHover(null, e.clientX, e.clientY)}
      >
        {snapshot.chars.map((ch, t) => {
          const raw = values[t * H + unit];
          const v = info.squash ? Math.tanh(raw) : raw;
          const k = colorIndex(v, info.scale);
          return (
            <span
              key={t}
              className={feature?.marks?.[t] ? 'marked' : undefined}
              style={{ background: cssColor(table, k), color: textColorOn(table, k) }}
              onMouseMove={(e) => onHover({ pos: t, unit }, e.clientX, e.clientY)}
            >
              {ch === '\n' ? '↵\n' : ch}
            </span>
          );
        })}
      </div>
    </div>
  );
});
