// Live training metrics: the numbers and the loss curves.

import { useApp } from '../../store/app';
import { RecallNote } from './CompareLegend';
import { LossChart } from './LossChart';
import { MetricsTiles } from './MetricsTiles';

export function MetricsPanel() {
  // A forecast's loss is a squared error (lossKind, engine/task.ts), not a cross-entropy.
  const forecast = useApp((s) => s.config.model.task === 'forecast');
  return (
    <section className="panel" aria-labelledby="metrics-title">
      <header>
        <h2 id="metrics-title">Training</h2>
        <span className="hint">
          {forecast
            ? 'mean squared error per value, in normalised units; lower is better'
            : 'mean cross-entropy per character; lower is better'}
        </span>
      </header>
      <MetricsTiles />
      <RecallNote />
      <LossChart />
    </section>
  );
}
