// The live numbers. They change many times a second, so they are written
// straight into the DOM from a metrics subscription (once per frame at most)
// instead of through React state.
//
// The Steps count also carries, as data attributes, what the engine last said
// (data-engine-step, data-engine-training) and the step of the last training
// loss received (data-loss-step): once the engine is paused and all three
// agree with the count shown, every step in flight has landed. The browser
// tests wait for that instead of for a quiet period.

import { useEffect, useRef } from 'react';
import { useApp } from '../../store/app';
import { metrics, type MetricsSnapshot } from '../../store/metrics';
import { formatCompact, formatCount, formatDuration, LN2 } from '../format';

/** Mean of the last few training losses: one window's loss is noisy. */
function recentTrainLoss(s: MetricsSnapshot): number | null {
  const n = Math.min(10, s.train.length);
  if (n === 0) return null;
  let sum = 0;
  for (let k = s.train.length - n; k < s.train.length; k++) sum += s.train[k].loss;
  return sum / n;
}

type Fields = Record<
  'step' | 'epoch' | 'train' | 'trainBits' | 'val' | 'valBits' | 'rate' | 'elapsed',
  string
>;

function fields(s: MetricsSnapshot): Fields {
  const train = recentTrainLoss(s);
  const val = s.validation.length > 0 ? s.validation[s.validation.length - 1].loss : null;
  return {
    step: formatCount(s.step),
    epoch: `epoch ${s.epoch + 1}`,
    train: train === null ? '—' : train.toFixed(3),
    trainBits: train === null ? 'nats' : `${(train / LN2).toFixed(3)} bits/char`,
    val: val === null ? '—' : val.toFixed(3),
    valBits: val === null ? 'nats' : `${(val / LN2).toFixed(3)} bits/char`,
    rate: s.tokensPerSecond > 0 ? formatCompact(s.tokensPerSecond) : '—',
    elapsed: formatDuration(s.elapsedMs),
  };
}

export function MetricsTiles() {
  const container = useRef<HTMLDivElement>(null);
  const engineStep = useApp((s) => s.status.step);
  const engineTraining = useApp((s) => s.status.training);

  useEffect(() => {
    let frame = 0;
    const paint = () => {
      frame = 0;
      const values = fields(metrics.get());
      const slots = container.current?.querySelectorAll<HTMLElement>('[data-field]') ?? [];
      for (const el of slots) {
        const value = values[el.dataset.field as keyof Fields];
        if (el.textContent !== value) el.textContent = value;
      }
      const steps = container.current?.querySelector<HTMLElement>('[data-loss-step]');
      if (steps) steps.dataset.lossStep = String(metrics.get().train.at(-1)?.step ?? 0);
    };
    paint();
    const unsubscribe = metrics.subscribe(() => {
      if (frame === 0) frame = requestAnimationFrame(paint);
    });
    return () => {
      unsubscribe();
      cancelAnimationFrame(frame);
    };
  }, []);

  return (
    <div className="tiles" ref={container}>
      <div className="tile">
        <div className="label">Steps</div>
        <output
          aria-label="Steps"
          data-field="step"
          data-loss-step="0"
          data-engine-step={engineStep}
          data-engine-training={engineTraining}
        >
          0
        </output>
        <div className="sub" data-field="epoch" />
      </div>
      <div className="tile train">
        <div className="label">Train loss</div>
        <output aria-label="Train loss (nats)" data-field="train">
          —
        </output>
        <div className="sub" data-field="trainBits" />
      </div>
      <div className="tile val">
        <div className="label">Validation loss</div>
        <output aria-label="Validation loss (nats)" data-field="val">
          —
        </output>
        <div className="sub" data-field="valBits" />
      </div>
      <div className="tile">
        <div className="label">Tokens / s</div>
        <output aria-label="Tokens per second" data-field="rate">
          —
        </output>
        <div className="sub">characters per second</div>
      </div>
      <div className="tile">
        <div className="label">Elapsed</div>
        <output aria-label="Elapsed training time" data-field="elapsed">
          0:00
        </output>
        <div className="sub">pauses excluded</div>
      </div>
    </div>
  );
}
