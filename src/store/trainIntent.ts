// Whether the person asked the engine to train and the engine has not yet
// said it is training. The page's status says "training" only once the worker
// answers; a worker that dies or hangs between the two (the watchdog's
// restart, recovery.ts) would otherwise take the person's Train with it, and
// the restarted engine would sit paused with nothing on screen saying why.

import type { EngineMessage, UiMessage } from '../worker/protocol';

export class TrainIntent {
  private unconfirmed = false;

  /** A command on its way to the worker. */
  sent(message: UiMessage): void {
    if (message.type === 'train') this.unconfirmed = true;
    // The person's later word replaces it: they paused, stepped or reset.
    else if (message.type === 'pause' || message.type === 'step' || message.type === 'reset') {
      this.unconfirmed = false;
    }
  }

  /**
   * A message from the worker. Only a training status confirms: a status
   * that says "not training" may have left before the train command arrived.
   */
  received(message: EngineMessage): void {
    if (message.type === 'status' && message.status.training) this.unconfirmed = false;
  }

  /** A Train was sent that no training status has confirmed (nor a pause, step or reset undone). */
  get pending(): boolean {
    return this.unconfirmed;
  }

  /** The worker is gone: what it was told died with it (recovery.ts sends what still holds). */
  forget(): void {
    this.unconfirmed = false;
  }
}
