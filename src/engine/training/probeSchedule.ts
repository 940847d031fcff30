// Gate snapshots of the probe text for the training loop (snapshot.ts takes
// one): at once when the text changes or training pauses, and while training
// at most once per probe interval, never twice for the same step. The
// diagnostics (gradient flow, gate saturation: diagnostics.ts) come with each.
//
// Dimension legend: P length of the probe text.

import type { Backend } from '../backend';
import { probeSnapshot } from '../snapshot';
import type { Vocabulary } from '../tokenizer';
import { gateSaturation, type Diagnostics } from './diagnostics';
import type { LoopState, TrainingEvents } from './events';

export class ProbeSchedule {
  private text = '';
  /** The text changed since the last snapshot. */
  private changed = false;
  private lastAt = -Infinity;
  /** The step of the last snapshot (-1: none, or the model it showed was rolled back). */
  private lastStep = -1;

  constructor(
    private readonly vocab: Vocabulary,
    private readonly events: TrainingEvents,
    private readonly intervalMs: number,
    /** Gradient flow and saturation, measured with every snapshot. */
    private readonly diagnostics: Diagnostics | null = null,
  ) {}

  setText(text: string): void {
    this.text = text;
    this.changed = true;
  }

  due({ training, step }: LoopState): boolean {
    if (this.text.length === 0) return false;
    if (this.changed) return true;
    return (
      step !== this.lastStep && (!training || performance.now() - this.lastAt >= this.intervalMs)
    );
  }

  async take(backend: Backend): Promise<void> {
    this.changed = false;
    this.lastAt = performance.now();
    this.lastStep = backend.step;
    const result = await probeSnapshot(backend, this.vocab, this.text);
    // Before the snapshot goes out: posting it transfers (detaches) its arrays.
    const saturation = 'snapshot' in result ? gateSaturation(result.snapshot) : null;
    if ('snapshot' in result) this.events.probe(result.snapshot);
    else this.events.probeError(result.problem);
    await this.diagnostics?.take(backend, saturation);
  }

  /** The model shown was rolled back: the next snapshot is due even at the same step. */
  forgetLast(): void {
    this.lastStep = -1;
  }
}
