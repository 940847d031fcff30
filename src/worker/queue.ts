// The page's commands (host.ts queues every one of them) and the session's
// own rebuilds (GPU recovery) run in order: those that replace the model or
// the corpus are asynchronous (GPU set-up, reading files, restoring a
// checkpoint) and must not interleave, and a command sent after one of them
// must apply to what it built. Each task starts when the previous has
// finished, whoever queued it.
//
// Dimension legend: none (tasks, not tensors).

export class TaskQueue {
  private tail: Promise<void> = Promise.resolve();

  /** @param onError reports a task's failure; the queue goes on with the next. */
  constructor(private readonly onError: (error: unknown) => void) {}

  /** Runs `task` after every task queued before it. */
  enqueue(task: () => Promise<void>): void {
    this.tail = this.tail.then(task).catch(this.onError);
  }

  /** Resolves once every task queued so far has finished. */
  idle(): Promise<void> {
    return this.tail;
  }
}
