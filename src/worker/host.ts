// The engine worker's message handler, apart from the Worker global so that
// tests drive the real thing in Node: every message the page posts is
// checked (validate.ts), then applied in the order it was sent. One ordered
// path: each command is a task of the session's TaskQueue, the same queue
// the model rebuilds (new corpus, settings, import, resume, GPU recovery)
// run in, so a command never overtakes one sent before it (a learning-rate
// change after a settings change applies to the new model, a stopSample
// after a sample stops that sample, a pause after reset + train pauses).
//
// No command jumps the queue. Commands that only set a flag on the trainer
// (pause, setLive, sample, ...) finish at once, so the queue holds them
// only while a model is being built or a file read, exactly when running
// them early would apply them to the model that is about to go away.
//
// Dimension legend: none (messages; see session.ts for the model's).

import type { DeviceReport, EngineMessage, TestFault, UiMessage } from './protocol';
import { messageOf } from '../engine/errorMessage';
import { FormatError } from '../io';
import { AdoptableVocabularyError, exportChoice, importChosenFiles } from './files';
import { TaskQueue } from './queue';
import { RunKeeper, type RunKeeperOptions } from './runs';
import { Session } from './session';
import { configureSeqOf, MessageError, parseUiMessage, requestIdOf } from './validate';

export interface WorkerHostOptions {
  /** Posts a message to the page (the worker's postMessage, with transferables). */
  post: (message: EngineMessage) => void;
  /** What the worker learned about WebGPU; the CPU engine is used until it resolves. */
  device: Promise<DeviceReport>;
  /** Opens the saved-runs store; default IndexedDB (tests pass fake-indexeddb). */
  openStore?: RunKeeperOptions['openStore'];
  /** Carries out a test's `testFault` (main.ts: only in a worker started for tests). */
  injectFault?: (fault: TestFault) => void;
}

export interface WorkerHost {
  /** Checks one message from the page and queues what it asks for. */
  handle(data: unknown): void;
  /** Resolves once every command received so far has been applied. */
  idle(): Promise<void>;
  readonly session: Session;
  readonly runs: RunKeeper;
}

export function createWorkerHost(options: WorkerHostOptions): WorkerHost {
  const { post, device } = options;
  const queue = new TaskQueue((error) => post({ type: 'error', message: messageOf(error) }));
  const session = new Session(post, device, queue);
  const runs = new RunKeeper(
    session,
    post,
    options.openStore ? { openStore: options.openStore } : {},
  );
  void runs.list();

  /** Applies `task` after every command received before it. */
  const inOrder = (task: () => Promise<void> | void) => queue.enqueue(async () => task());
  /**
   * Starts `task` in order but does not hold later commands until it ends:
   * for storage, which another tab can block for as long as it likes. What
   * the task reads from the run (a checkpoint) it reads at its turn.
   */
  const startInOrder = (task: () => Promise<void>) =>
    inOrder(() => {
      task().catch((error: unknown) => post({ type: 'error', message: messageOf(error) }));
    });

  function apply(message: UiMessage): void {
    switch (message.type) {
      case 'setCorpus':
        return inOrder(() =>
          session.loadText(message.id, message.name, message.text, message.probe),
        );
      case 'loadCorpusFile':
        return inOrder(() => session.loadFile(message.id, message.file));
      case 'configure':
        return inOrder(() => {
          // Counted even when refused: the page's settings after it are the worker's again.
          if (message.seq !== undefined) session.configSeq = message.seq;
          return session.configure(message.config, message.compare);
        });
      case 'select':
        return inOrder(() => {
          session.select(message.model);
          // The saved runs mark the selected model's run as the one in training.
          void runs.list();
        });
      case 'reset':
        return inOrder(() => session.rebuild());
      case 'remeasure':
        return inOrder(() => session.remeasure());
      case 'train':
        return inOrder(() => {
          session.start();
          runs.start();
        });
      case 'pause':
        return inOrder(() => {
          session.pause();
          void runs.saveNow(true);
        });
      case 'step':
        return inOrder(() => session.stepOnce());
      case 'setLive':
        return inOrder(() => session.setLive(message));
      case 'setProbe':
        return inOrder(() => session.setProbe(message.text));
      case 'setProbeRows':
        return inOrder(() => session.setProbeRows(message.from));
      case 'loadSeries':
        return inOrder(() =>
          session.loadSeries(message.id, message.name, message.source, message.layout),
        );
      case 'setSeriesLayout':
        return inOrder(() => session.setSeriesLayout(message.layout));
      case 'setHorizon':
        return inOrder(() => session.setHorizon(message.rows));
      case 'sample':
        return inOrder(() => {
          if (session.trainer) session.trainer.sample(message.request);
          else
            post({
              type: 'sampleError',
              id: message.request.id,
              message: 'no model yet: load a corpus first',
            });
        });
      case 'stopSample':
        return inOrder(() => session.stopSample(message.id));
      case 'export':
        // Reads the model in use at its turn (between two steps), so later commands wait for it.
        return inOrder(() =>
          exportChoice(session, message.choice, message.weights).then(
            (file) => post({ type: 'exported', id: message.id, file }),
            (error) => post({ type: 'exportError', id: message.id, message: messageOf(error) }),
          ),
        );
      case 'import':
        return inOrder(async () => {
          try {
            const summary = await importChosenFiles(
              session,
              message.corpusId,
              message.files,
              message.adoptVocabulary,
            );
            post({ type: 'imported', id: message.id, summary });
          } catch (error) {
            post({
              type: 'importError',
              id: message.id,
              message: messageOf(error),
              adoptable: error instanceof AdoptableVocabularyError,
            });
          }
        });
      case 'listRuns':
        return startInOrder(() => runs.list());
      case 'resumeRun':
        return inOrder(async () => {
          try {
            const summary = await runs.resume(
              message.runId,
              message.corpusId,
              message.takeOver === true,
              message.probe,
            );
            post({ type: 'imported', id: 0, summary });
          } catch (error) {
            const detail = error instanceof FormatError ? error.message : messageOf(error);
            post({
              type: 'importError',
              id: 0,
              message: `the saved run could not be resumed: ${detail}`,
              adoptable: false,
            });
          }
        });
      case 'deleteRun':
        return startInOrder(() => runs.delete(message.runId));
      case 'saveNow':
        return startInOrder(() => runs.saveNow(false));
      // The two below jump the queue: neither touches the run. A ping answered
      // in order would wait behind a model build and look like a dead worker;
      // a fault a test injects is meant to strike whatever is running.
      case 'ping':
        return post({ type: 'pong', id: message.id });
      case 'testFault':
        return options.injectFault?.(message.fault);
    }
  }

  /**
   * The answer to a refused message, in order too (a configError carries the
   * settings in use once the commands before it have applied), and to the
   * request waiting for it where it has a usable id.
   */
  function refuse(data: unknown, error: MessageError): void {
    const type = (data as { type?: unknown } | null)?.type;
    const id = requestIdOf(data);
    const message = error.message;
    inOrder(() => {
      if ((type === 'setCorpus' || type === 'loadCorpusFile') && id !== null) {
        post({ type: 'corpusError', id, message });
      } else if (type === 'configure' || type === 'setLive') {
        // A refused configure counts as handled (the page keeps the worker's settings after it).
        const seq = type === 'configure' ? configureSeqOf(data) : null;
        if (seq !== null) session.configSeq = seq;
        post({ type: 'configError', message, config: session.config });
      } else if (type === 'loadSeries' && id !== null) {
        post({ type: 'seriesError', id, message });
      } else if (type === 'setSeriesLayout' || type === 'setHorizon') {
        post({ type: 'seriesError', id: session.series?.id ?? 0, message });
      } else if (type === 'sample' && id !== null) {
        post({ type: 'sampleError', id, message });
      } else if (type === 'export' && id !== null) {
        post({ type: 'exportError', id, message });
      } else if (type === 'import' && id !== null) {
        post({ type: 'importError', id, message, adoptable: false });
      } else {
        post({ type: 'error', message: `a message was refused: ${message}` });
      }
    });
  }

  return {
    handle(data: unknown): void {
      let message: UiMessage;
      try {
        message = parseUiMessage(data);
      } catch (error) {
        if (!(error instanceof MessageError)) throw error;
        refuse(data, error);
        return;
      }
      apply(message);
    },
    idle: () => queue.idle(),
    session,
    runs,
  };
}
