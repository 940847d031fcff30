// Gate snapshots of the probe text (a forecast's: a stretch of its series)
// for the training loop (the task's data bundle, data.ts, takes one:
// snapshot.ts for text): at once when the text or stretch changes or training
// pauses, and while training at most once per probe interval (longer when
// snapshots are slow: TrainerOptions.probeShare), never twice for the same step. The
// diagnostics (gradient flow, gate saturation: diagnostics.ts) and the task's
// companion job (a forecast chart) come with each.
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
  /** How long the last snapshot took, with its diagnostics and companion job. */
  private lastTookMs = 0;
  /** The step of the last snapshot (-1: none, or the model it showed was rolled back). */
  private lastStep = -1;

  constructor(
    private readonly probe: TrainingData['probe'],
    private readonly events: TrainingEvents,
    private readonly intervalMs: number,
    /**
     * While training, snapshots (with their diagnostics and companion job) take
     * at most this share of the loop's time: one that took d ms is followed by
     * the next no sooner than d / share after it began (1: no such wait).
     */
    private readonly maxShare: number,
    /** Gradient flow and saturation, measured with every snapshot. */
    private readonly diagnostics: Diagnostics | null = null,
    /** The task's job at the same cadence (the forecast chart), if any. */
    private readonly companion: ProbeCompanion | null = null,
    private readonly now: () => number = () => performance.now(),
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
    const gap = Math.max(this.intervalMs, this.lastTookMs / this.maxShare);
    return step !== this.lastStep && (!training || this.now() - this.lastAt >= gap);
  }

  async take(backend: Backend): Promise<void> {
    this.changed = false;
    this.lastAt = this.now();
    this.lastStep = backend.step;
    const result = await this.probe.take(backend, this.subject);
    // Before the snapshot goes out: posting it transfers (detaches) its arrays.
    const saturation = 'snapshot' in result ? gateSaturation(result.snapshot) : null;
    if ('snapshot' in result) this.events.probe(result.snapshot);
    else this.events.probeError(result.problem);
    await this.diagnostics?.take(backend, saturation);
    await this.companion?.take(backend, this.events);
    this.lastTookMs = this.now() - this.lastAt;
  }

  /** The model shown was rolled back: the next snapshot is due even at the same step. */
  forgetLast(): void {
    this.lastStep = -1;
  }
}
