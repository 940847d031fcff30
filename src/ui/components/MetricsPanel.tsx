// Live training metrics: the numbers and the loss curves.

import { RecallNote } from './CompareLegend';
import { LossChart } from './LossChart';
import { MetricsTiles } from './MetricsTiles';

export function MetricsPanel() {
  return (
    <section className="panel" aria-labelledby="metrics-title">
      <header>
        <h2 id="metrics-title">Training</h2>
        <span className="hint">mean cross-entropy per character; lower is better</span>
      </header>
      <MetricsTiles />
      <RecallNote />
      <LossChart />
    </section>
  );
}
