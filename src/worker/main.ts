// The dedicated Web Worker that hosts the engine. It routes the page's
// messages (protocol.ts) to the training session, the file export/import and
// the saved runs; the page never calls the engine directly, so a slow step,
// a GPU wait or a 20 MB file never blocks the main thread.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers.

import {
  transferablesOf,
  type DeviceReport,
  type EngineMessage,
  type UiMessage,
} from '../engine/protocol';
import { isSoftwareAdapter } from '../engine/gpu/adapterKind';
import { messageOf } from '../engine/trainer';
import { FormatError } from '../io';
import { AdoptableVocabularyError, exportChoice, importChosenFiles } from './files';
import { TaskQueue } from './queue';
import { RunKeeper } from './runs';
import { Session } from './session';

const scope = self as unknown as DedicatedWorkerGlobalScope;

function post(message: EngineMessage): void {
  scope.postMessage(message, transferablesOf(message));
}

const device: Promise<DeviceReport> = detectWebGpu();
device.then((report) => post({ type: 'device', report }));

// Commands that replace the model or the corpus run one after another.
const queue = new TaskQueue((error) => post({ type: 'error', message: messageOf(error) }));
const enqueue = (task: () => Promise<void>) => queue.enqueue(task);

const session = new Session(post, device, queue);
const runs = new RunKeeper(session, post);
void runs.list();

scope.onmessage = (event: MessageEvent<UiMessage>) => {
  const message = event.data;
  switch (message.type) {
    case 'setCorpus':
      enqueue(() => session.loadText(message.id, message.name, message.text));
      break;
    case 'loadCorpusFile':
      enqueue(() => session.loadFile(message.id, message.file));
      break;
    case 'configure':
      enqueue(() => session.configure(message.config));
      break;
    case 'reset':
      enqueue(() => session.rebuild());
      break;
    case 'train':
      enqueue(async () => {
        session.trainer?.start();
        runs.start();
      });
      break;
    case 'pause':
      session.trainer?.pause();
      void runs.saveNow(true);
      break;
    case 'step':
      enqueue(async () => session.trainer?.stepOnce());
      break;
    case 'setOptimizer':
      session.setOptimizer(message.optimizer);
      break;
    case 'setProbe':
      session.setProbe(message.text);
      break;
    case 'sample':
      enqueue(async () => {
        if (session.trainer) session.trainer.sample(message.request);
        else
          post({
            type: 'sampleError',
            id: message.request.id,
            message: 'no model yet: load a corpus first',
          });
      });
      break;
    case 'stopSample':
      session.trainer?.stopSample(message.id);
      break;
    case 'export':
      // Not queued behind model builds: it reads the model in use between two steps.
      exportChoice(session, message.choice).then(
        (files) => post({ type: 'exported', id: message.id, files }),
        (error) => post({ type: 'exportError', id: message.id, message: messageOf(error) }),
      );
      break;
    case 'import':
      enqueue(async () => {
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
      break;
    case 'listRuns':
      void runs.list();
      break;
    case 'resumeRun':
      enqueue(async () => {
        try {
          const summary = await runs.resume(message.runId, message.corpusId);
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
      break;
    case 'deleteRun':
      void runs
        .delete(message.runId)
        .catch((error) => post({ type: 'error', message: messageOf(error) }));
      break;
    case 'saveNow':
      void runs.saveNow(false);
      break;
    case 'ping':
      post({ type: 'pong', id: message.id });
      break;
    case 'testFault':
      injectFault(message.fault);
      break;
  }
};

/** Faults for the browser tests of the page's watchdog; refused unless started for tests. */
function injectFault(fault: 'throw' | 'hang' | 'exit'): void {
  if (scope.name !== 'gatescope-engine:test-hooks') {
    post({ type: 'error', message: 'fault injection is only for tests' });
    return;
  }
  if (fault === 'exit') scope.close();
  else if (fault === 'hang') for (;;);
  else
    setTimeout(() => {
      throw new Error('a fault injected by a test');
    });
}

async function detectWebGpu(): Promise<DeviceReport> {
  if (!('gpu' in navigator) || !navigator.gpu) {
    return { webgpu: false, reason: 'this browser offers no WebGPU (navigator.gpu is missing)' };
  }
  try {
    const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) {
      return { webgpu: false, reason: 'WebGPU is present but no GPU adapter is available' };
    }
    return {
      webgpu: true,
      adapterName: adapterName(adapter.info),
      softwareAdapter: isSoftwareAdapter(adapter.info),
    };
  } catch (error) {
    return { webgpu: false, reason: `requesting a WebGPU adapter failed: ${messageOf(error)}` };
  }
}

function adapterName(info: GPUAdapterInfo): string {
  const parts = [info.vendor, info.architecture, info.description || info.device].filter(Boolean);
  return parts.length > 0 ? parts.join(' · ') : 'unnamed WebGPU adapter';
}
