// The page's side of the worker, the link itself: starts it (and restarts it
// through recovery.ts when it dies or hangs), posts commands, tells the
// watchdog what it hears, and hands every message to the receiver
// (receiver.ts), which routes it into the store.

import type { CompareSettings, EngineMessage, RunConfig, UiMessage } from '../worker/protocol';
import { useApp } from './app';
import { receive } from './receiver';
import { recoverEngine } from './recovery';
import { testHooks } from './testHooks';
import { TrainIntent } from './trainIntent';
import { Watchdog } from './watchdog';

let worker: Worker | null = null;
let watchdog: Watchdog | null = null;
let lastCorpusId = 0;
const trainIntent = new TrainIntent();

/** A Train is on its way that the worker has not confirmed (trainIntent.ts): a restart keeps it. */
export function trainUnconfirmed(): boolean {
  return trainIntent.pending;
}

let configureSeq = 0;

/**
 * Sends settings to build (and `compare`, as protocol.ts 'configure' has it),
 * counted: a 'model' built from settings sent before the latest carries an
 * older count (`isOutdatedBuild`), and must not put those settings back.
 */
export function sendConfigure(config: RunConfig, compare?: CompareSettings[]): void {
  configureSeq += 1;
  send({ type: 'configure', config, ...(compare ? { compare } : {}), seq: configureSeq });
}

/** True when settings were sent after the configure this build answered (`configSeq`). */
export function isOutdatedBuild(configSeq: number): boolean {
  return configSeq < configureSeq;
}

/** A fresh id for a corpus the page asks for; answers to older ids are stale. */
export function newCorpusId(): number {
  return ++lastCorpusId;
}

export function send(message: UiMessage): void {
  if (stopped) return; // the page said to reload: a blank worker would only mislead
  trainIntent.sent(message);
  (worker ?? startWorker()).postMessage(message);
}

function startWorker(): Worker {
  const started = new Worker(new URL('../worker/main.ts', import.meta.url), {
    type: 'module',
    // The worker accepts injected faults only under this name (testHooks.ts).
    name: testHooks.enabled ? 'gatescope-engine:test-hooks' : 'gatescope-engine',
  });
  const dog = new Watchdog(
    (id) => started.postMessage({ type: 'ping', id } satisfies UiMessage),
    (why) => recoverEngine(why),
    () => useApp.getState().status.training,
    testHooks.watchdog,
  );
  started.onmessage = (event: MessageEvent<EngineMessage>) => {
    // Messages a replaced worker sent before it was ended describe a model that is gone.
    if (worker !== started) return;
    dog.heard();
    trainIntent.received(event.data);
    watchProgress(dog, event.data);
    receive(event.data);
  };
  // An exception outside every handler leaves the worker in an unknown state: start afresh.
  started.onerror = (event) => {
    event.preventDefault();
    if (worker !== started) return;
    recoverEngine(`an error escaped it: ${event.message || 'unknown error'}`);
  };
  started.onmessageerror = () => {
    if (worker === started) recoverEngine('a message from it could not be read');
  };
  dog.start();
  worker = started;
  watchdog = dog;
  return started;
}

/** What a message tells the watchdog about training progress and step time. */
function watchProgress(dog: Watchdog, message: EngineMessage): void {
  if (message.type === 'model') dog.newModel();
  if (message.type === 'metrics' || message.type === 'status') dog.progressed();
  if (message.type === 'metrics' && message.tokensPerSecond > 0) {
    const { seqLen, batchSize } = useApp.getState().config.train;
    dog.measuredStep((1000 * seqLen * batchSize) / message.tokensPerSecond);
  }
}

/** Set once the page gave up restarting the worker: nothing more is sent. */
let stopped = false;

/** Ends the worker (dead, stuck or misbehaving); the next send starts a new one unless `forGood`. */
export function stopWorker(forGood = false): void {
  watchdog?.stop();
  worker?.terminate();
  trainIntent.forget();
  watchdog = null;
  worker = null;
  stopped = forGood;
}
