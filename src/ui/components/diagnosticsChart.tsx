// What the diagnostics charts share: a titled frame with a one-line hint and
// an empty state, log-scale axes by decades, series colours per theme, and a
// throttled read of the store (diagnostics arrive a few times a second; the
// charts redraw once a second at most).

import { startTransition, useEffect, useRef, useState, type ReactNode } from 'react';
import { useApp } from '../../store/app';
import {
  emptyDiagnostics,
  type DiagnosticsSlice,
  type ModelDiagnostics,
} from '../../store/diagnosticsSlice';

export const DIAG_MARGIN = { top: 8, right: 12, bottom: 4, left: 0 };

/** Series colours per theme: layers or gates in order (readable on either background). */
export function seriesColors(scheme: 'light' | 'dark'): string[] {
  return scheme === 'dark'
    ? ['#8b83ff', '#ff922b', '#3ddc97', '#f06595', '#4dabf7', '#ffd43b']
    : ['#4f46e5', '#e8590c', '#0f9d58', '#c2255c', '#1c7ed6', '#b08900'];
}

/** The colour clipping events are marked in. */
export function clipColor(scheme: 'light' | 'dark'): string {
  return scheme === 'dark' ? '#ff6b6b' : '#d6336c';
}

/**
 * Model `model`'s diagnostics, picked up from the store at most once per
 * `intervalMs` (as a transition, so a redraw never delays input).
 */
export function useModelDiagnostics(model: number, intervalMs = 1000): ModelDiagnostics {
  return useThrottledDiagnostics((all) => all[model] ?? EMPTY, model, intervalMs);
}

/** Every model's diagnostics (by model index), throttled as useModelDiagnostics. */
export function useAllDiagnostics(intervalMs = 1000): Diagnostics {
  return useThrottledDiagnostics(everyModel, -1, intervalMs);
}

type Diagnostics = DiagnosticsSlice['diagnostics'];
const everyModel = (all: Diagnostics) => all;

/** `pick` of the store's diagnostics, redrawn at most once per `intervalMs`; `key` names the pick. */
function useThrottledDiagnostics<T>(
  pick: (all: Diagnostics) => T,
  key: number,
  intervalMs: number,
): T {
  const read = () => pick(useApp.getState().diagnostics);
  const [shown, setShown] = useState(read);
  const latest = useRef(shown);
  useEffect(() => {
    let changed = false;
    // A new key shows its pick at the next tick, even if the store is quiet.
    const now = pick(useApp.getState().diagnostics);
    if (now !== latest.current) {
      latest.current = now;
      changed = true;
    }
    const unsubscribe = useApp.subscribe((s) => {
      const next = pick(s.diagnostics);
      if (next !== latest.current) {
        latest.current = next;
        changed = true;
      }
    });
    const timer = setInterval(() => {
      if (!changed) return;
      changed = false;
      const next = latest.current;
      startTransition(() => setShown(next));
    }, intervalMs);
    return () => {
      unsubscribe();
      clearInterval(timer);
    };
    // `pick` is a function of `key`: a new closure for the same key picks the same.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, intervalMs]);
  return shown;
}

const EMPTY = emptyDiagnostics();

/** A log axis from the data: whole decades around every positive value, and a tick at each. */
export function decades(values: Iterable<number>): { domain: [number, number]; ticks: number[] } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!(v > 0) || !Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  if (lo === Infinity) return { domain: [0.01, 1], ticks: [0.01, 0.1, 1] };
  const bottom = Math.floor(Math.log10(lo));
  const top = Math.max(bottom + 1, Math.ceil(Math.log10(hi)));
  // At most about six labels: every n-th decade, counted down from the top one.
  const every = Math.max(1, Math.ceil((top - bottom) / 6));
  const ticks: number[] = [];
  for (let e = top; e >= bottom; e -= every) ticks.unshift(10 ** e);
  return { domain: [10 ** bottom, 10 ** top], ticks };
}

/** 1e-3, 0.01, 0.1, 1, 10, 100, 1e3: short labels for decade ticks. */
export function decadeLabel(v: number): string {
  if (v >= 0.01 && v <= 100) return String(Number(v.toPrecision(2)));
  return v.toExponential(0).replace('e+', 'e');
}

/** Evenly thinned rows, at most `max`, keeping the first and last. */
export function thinRows<R>(rows: R[], max: number): R[] {
  if (rows.length <= max) return rows;
  const stride = (rows.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, k) => rows[Math.round(k * stride)]);
}

export function ChartFrame(props: {
  title: string;
  hint: string;
  label: string;
  empty: string | null;
  legend?: ReactNode;
  children: ReactNode;
}) {
  return (
    <figure className="diag-chart" style={{ margin: 0, minWidth: 0 }}>
      <figcaption style={{ marginBottom: 4 }}>
        <strong style={{ fontSize: 13 }}>{props.title}</strong>{' '}
        <span className="hint">{props.hint}</span>
      </figcaption>
      {props.legend && (
        <div className="hint legend" style={LEGEND}>
          {props.legend}
        </div>
      )}
      <div className="chart" role="img" aria-label={props.label} style={{ height: 200 }}>
        {props.empty !== null && <div className="chart-empty overlay">{props.empty}</div>}
        {props.children}
      </div>
    </figure>
  );
}

/** A legend entry: a colour swatch (dashed for the LSTM's cell path) and its name. */
export function Swatch({ color, name, dashed }: { color: string; name: string; dashed?: boolean }) {
  const style = dashed
    ? { background: `repeating-linear-gradient(to right, ${color} 0 4px, transparent 4px 7px)` }
    : { background: color };
  return (
    <span style={ENTRY}>
      <span className="swatch" style={style} />
      {name}
    </span>
  );
}

// Entries wrap as wholes: the legend may be narrower than its entries.
const LEGEND = {
  display: 'flex',
  flexWrap: 'wrap',
  columnGap: 4,
  rowGap: 2,
  marginBottom: 4,
} as const;
const ENTRY = {
  display: 'inline-flex',
  alignItems: 'center',
  gap: 4,
  whiteSpace: 'nowrap',
} as const;
