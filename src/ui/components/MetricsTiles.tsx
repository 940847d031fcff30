// The live numbers. They change many times a second, so they are written
// straight into the DOM from a metrics subscription (once per frame at most)
// instead of through React state.
//
// The Steps count also carries, as data attributes, what the engine last said
// (data-engine-step, data-engine-training) and the step of the last training
// loss received (data-loss-step): once the engine is paused and all three
// agree with the count shown, every step in flight has landed. The browser
// tests wait for that instead of for a quiet period.
//
// The Gap tile is the latest validation loss minus the training loss around
// its step (store/generalization.ts says how, and when it is overfitting);
// when it is, the tile becomes a plain note naming the cures, with buttons
// that switch them on in the settings panel.

import { useEffect, useRef, useState } from 'react';
import { PERSON_SETTINGS, writeSetting } from '../../engine/settings';
import { proposeConfig } from '../../store/actions';
import { useApp } from '../../store/app';
import { generalization, TRAIN_WINDOW } from '../../store/generalization';
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
  | 'step'
  | 'epoch'
  | 'train'
  | 'trainBits'
  | 'val'
  | 'valBits'
  | 'rate'
  | 'elapsed'
  | 'gap'
  | 'gapSub',
  string
>;

/**
 * The tiles' figures. A forecast's loss is a mean squared error in normalised
 * units: no bits per character to convert it to.
 */
function fields(
  s: MetricsSnapshot,
  gap: number | null,
  gapStep: number,
  forecast: boolean,
): Fields {
  const train = recentTrainLoss(s);
  const val = s.validation.length > 0 ? s.validation[s.validation.length - 1].loss : null;
  return {
    step: formatCount(s.step),
    epoch: `epoch ${s.epoch + 1}`,
    train: train === null ? '—' : train.toFixed(3),
    trainBits: forecast
      ? 'MSE, normalised'
      : train === null
        ? 'nats'
        : `${(train / LN2).toFixed(3)} bits/char`,
    val: val === null ? '—' : val.toFixed(3),
    valBits: forecast
      ? 'MSE, normalised'
      : val === null
        ? 'nats'
        : `${(val / LN2).toFixed(3)} bits/char`,
    rate: s.tokensPerSecond > 0 ? formatCompact(s.tokensPerSecond) : '—',
    elapsed: formatDuration(s.elapsedMs),
    gap: gap === null ? '—' : `${gap >= 0 ? '+' : '−'}${Math.abs(gap).toFixed(3)}`,
    gapSub:
      gap === null
        ? 'after a validation'
        : `${forecast ? 'MSE' : 'nats'} at step ${formatCount(gapStep)}`,
  };
}

/** What the Gap tile's buttons switch on: live settings, from the next step. */
const CURES = [
  { key: 'dropout', value: 0.3, text: 'Dropout 0.3' },
  { key: 'patience', value: 5, text: 'Early stopping (patience 5)' },
] as const;

/** Sets a cure in the settings panel (live) and puts the focus on its field there. */
function applyCure(key: (typeof CURES)[number]['key'], value: number): void {
  const setting = PERSON_SETTINGS.find((s) => s.key === key);
  if (!setting) return;
  proposeConfig(writeSetting(useApp.getState().config, setting, value));
  // The panel's number fields are named by a label span (NumberField).
  for (const input of document.querySelectorAll<HTMLInputElement>('input[aria-labelledby]')) {
    const name = document.getElementById(input.getAttribute('aria-labelledby') ?? '');
    if (name?.textContent !== setting.label) continue;
    input.scrollIntoView({ block: 'center' });
    input.focus({ preventScroll: true });
    return;
  }
}

const GAP_HINT =
  `Validation loss minus the training loss around the same step: the mean of the last ` +
  `${TRAIN_WINDOW} training losses up to the latest validation. It grows as the model learns ` +
  `its training text by heart rather than what holds in new text.`;

/**
 * The generalisation gap, or, once the model overfits (validation clearly up
 * for `risen` validations while training loss falls), a plain note naming
 * the cures. Its figures are painted by MetricsTiles' subscription.
 */
function GapTile({ risen, comparing }: { risen: number; comparing: boolean }) {
  if (risen === 0) {
    return (
      <div className="tile gap" title={GAP_HINT}>
        <div className="label">Gap (val − train)</div>
        <output aria-label="Generalisation gap (nats)" data-field="gap">
          —
        </output>
        <div className="sub" data-field="gapSub" />
      </div>
    );
  }
  return (
    <div className="tile gap note warn" role="status" aria-label="Overfitting" title={GAP_HINT}>
      <p>
        <strong>Overfitting:</strong> validation loss has risen for {risen} validations while
        training loss keeps falling (gap{' '}
        <output aria-label="Generalisation gap (nats)" data-field="gap">
          —
        </output>{' '}
        <span data-field="gapSub" />
        ). Try dropout or early stopping.
      </p>
      <div className="gap-cures">
        {CURES.map((c) => (
          <button
            key={c.key}
            type="button"
            className="btn small"
            title={`Set it in Model & training, live from the next step${comparing ? ' (for model 1 and models without their own)' : ''}`}
            onClick={() => applyCure(c.key, c.value)}
          >
            {c.text}
          </button>
        ))}
      </div>
    </div>
  );
}

export function MetricsTiles() {
  const container = useRef<HTMLDivElement>(null);
  const engineStep = useApp((s) => s.status.step);
  const engineTraining = useApp((s) => s.status.training);
  const comparing = useApp((s) => s.compareModels.length > 1);
  const forecast = useApp((s) => s.config.model.task === 'forecast');
  // Validations risen while overfitting (0: not overfitting): React state, set only when it changes.
  const [risen, setRisen] = useState(0);

  useEffect(() => {
    let frame = 0;
    const paint = () => {
      frame = 0;
      const snapshot = metrics.get();
      const g = generalization(snapshot.train, snapshot.validation);
      setRisen(g.overfitting ? g.risen : 0);
      const values = fields(snapshot, g.gap, g.step, forecast);
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
    // Again when the Gap tile turns into the note (or back): its figures are new elements;
    // and when the task changes the units.
  }, [risen, forecast]);

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
        <div className="sub">{forecast ? 'rows per second' : 'characters per second'}</div>
      </div>
      <div className="tile">
        <div className="label">Elapsed</div>
        <output aria-label="Elapsed training time" data-field="elapsed">
          0:00
        </output>
        <div className="sub">pauses excluded</div>
      </div>
      <GapTile risen={risen} comparing={comparing} />
    </div>
  );
}
