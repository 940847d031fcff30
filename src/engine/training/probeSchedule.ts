// Gate snapshots of the probe text (a forecast's: a stretch of its series)
// for the training loop (the task's data bundle, data.ts, takes one:
// snapshot.ts for text): at once when the text or stretch changes or training pauses, and while training at most once per probe
// interval, never twice for the same step. The diagnostics (gradient flow,
// gate saturation: diagnostics.ts) and the task's companion job (a forecast
// chart) come with each.
//
// Dimension legend: P length of the probe text.

import type { Backend } from '../backend';
import type { ProbeCompanion, ProbeSubject, TrainingData } from './data';
import { gateSaturation, type Diagnostics } from './diagnostics';
import type { LoopState, TrainingEvents } from './events';

export class ProbeSchedule {
  private subject: ProbeSubject = { text: '', fromRow: null };
  /** The subject changed since the last snapshot. */
  private changed = false;
  private lastAt = -Infinity;
  /** The step of the last snapshot (-1: none, or the model it showed was rolled back). */
  private lastStep = -1;

  constructor(
    private readonly probe: TrainingData['probe'],
    private readonly events: TrainingEvents,
    private readonly intervalMs: number,
    /** Gradient flow and saturation, measured with every snapshot. */
    private readonly diagnostics: Diagnostics | null = null,
    /** The task's job at the same cadence (the forecast chart), if any. */
    private readonly companion: ProbeCompanion | null = null,
  ) {}

  setText(text: string): void {
    this.subject = { ...this.subject, text };
    this.changed = true;
  }

  /** A forecast's stretch starts at this row (null: the default, the first validation row). */
  setFromRow(fromRow: number | null): void {
    this.subject = { ...this.subject, fromRow };
    this.changed = true;
  }

  due({ training, step }: LoopState): boolean {
    if (this.probe.needsText && this.subject.text.length === 0) return false;
    if (this.changed) return true;
    return (
      step !== this.lastStep && (!training || performance.now() - this.lastAt >= this.intervalMs)
    );
  }

  async take(backend: Backend): Promise<void> {
    this.changed = false;
    this.lastAt = performance.now();
    this.lastStep = backend.step;
    const result = await this.probe.take(backend, this.subject);
    // Before the snapshot goes out: posting it transfers (detaches) its arrays.
    const saturation = 'snapshot' in result ? gateSaturation(result.snapshot) : null;
    if ('snapshot' in result) this.events.probe(result.snapshot);
    else this.events.probeError(result.problem);
    await this.diagnostics?.take(backend, saturation);
    await this.companion?.take(backend, this.events);
  }

  /** The model shown was rolled back: the next snapshot is due even at the same step. */
  forgetLast(): void {
    this.lastStep = -1;
  }
}
