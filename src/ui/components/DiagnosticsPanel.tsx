// Gradients and gates under the hood: the gradient flow through time (the
// vanishing gradient, live), the gradient norms over training with clipping,
// and how saturated the gates are. Measured by the engine with each gate
// snapshot (engine/training/diagnostics.ts). When models are compared the
// flow draws every model; the norms and saturation follow the model shown
// (the one picked in the Compare panel or the loss legend).

import { useApp } from '../../store/app';
import { GradientFlowChart, flowModelName } from './GradientFlowChart';
import { GradientNormChart, GroupNormChart } from './GradientNormChart';
import { SaturationChart } from './SaturationChart';
import { showsGradientFlow } from '../taskView';

const GRID = {
  display: 'grid',
  gridTemplateColumns: 'repeat(auto-fit, minmax(340px, 1fr))',
  gap: '16px 20px',
} as const;

export function DiagnosticsPanel() {
  const model = useApp((s) => s.selectedModel);
  const shown = useApp((s) => (s.compareModels.length > 1 ? s.compareModels[model] : undefined));
  // The flow is how far back a left-to-right model's gradient reaches: not shown for a bi model.
  const flow = useApp((s) =>
    showsGradientFlow((s.compareModels[model]?.model ?? s.config.model).direction),
  );
  const forecast = useApp((s) => s.config.model.task === 'forecast');
  return (
    <section className="panel" aria-labelledby="diagnostics-title">
      <header>
        <h2 id="diagnostics-title">Gradients</h2>
        <span className="hint">
          measured with each gate snapshot on a fixed window of the {forecast ? 'series' : 'text'}
          {shown && <> · norms and saturation of {flowModelName(shown)}</>}
        </span>
      </header>
      <div style={GRID}>
        {flow ? <GradientFlowChart /> : <NoFlowForBothWays />}
        <GradientNormChart model={model} />
        {/* The per-layer norms are measured with the flow (backend.gradientFlow): none without it. */}
        {flow && <GroupNormChart model={model} />}
        <SaturationChart model={model} />
      </div>
    </section>
  );
}

/** Where the gradient flow would be, for a model that reads both ways: why there is none. */
function NoFlowForBothWays() {
  return (
    <figure className="diag-chart" style={{ margin: 0, minWidth: 0 }}>
      <figcaption style={{ marginBottom: 4 }}>
        <strong style={{ fontSize: 13 }}>Gradient flow</strong>{' '}
        <span className="hint">
          nor the gradient per layer measured with it: not for a model that reads both ways
        </span>
      </figcaption>
      <p className="hint" role="note" aria-label="Why no gradient flow">
        The flow shows how far back the last prediction&apos;s gradient reaches along a
        left-to-right model&apos;s chain of steps. A bidirectional model has two chains, and its
        reverse one ends at the first character rather than the last, so there is no single
        &quot;back&quot; to plot. Pick a left-to-right model (compare one beside this) to see it.
      </p>
    </figure>
  );
}
