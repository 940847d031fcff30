// The dedicated Web Worker that hosts the engine: it finds out about WebGPU
// once and hands the page's messages (protocol.ts) to the host (host.ts),
// which checks them and applies them in order to the training session, the
// file export/import and the saved runs. The page never calls the engine
// directly, so a slow step, a GPU wait or a 20 MB file never blocks the main
// thread.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers.

import { transferablesOf, type DeviceReport, type EngineMessage, type TestFault } from './protocol';
import { isSoftwareAdapter } from '../engine/gpu/adapterKind';
import { adapterKey } from '../engine/gpu/device';
import { messageOf } from '../engine/errorMessage';
import { createWorkerHost } from './host';

const scope = self as DedicatedWorkerGlobalScope;

function post(message: EngineMessage): void {
  scope.postMessage(message, transferablesOf(message));
}

const device: Promise<DeviceReport> = detectWebGpu();
// detectWebGpu turns each failure into a report; if posting it fails, the page hears why.
device
  .then((report) => post({ type: 'device', report }))
  .catch((error: unknown) => post({ type: 'error', message: messageOf(error) }));

// Checking and ordering the page's messages is host.ts's job; this file binds it to the worker.
const host = createWorkerHost({ post, device, injectFault });
scope.onmessage = (event: MessageEvent<unknown>) => host.handle(event.data);

/** Faults for the browser tests of the page's watchdog; refused unless started for tests. */
function injectFault(fault: TestFault): void {
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
      adapterKey: adapterKey(adapter.info),
      softwareAdapter: isSoftwareAdapter(adapter.info),
      // What the largest buffer may hold: session.ts refuses a model that needs more before building it.
      limits: {
        maxBufferSize: adapter.limits.maxBufferSize,
        maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      },
    };
  } catch (error) {
    return { webgpu: false, reason: `requesting a WebGPU adapter failed: ${messageOf(error)}` };
  }
}

function adapterName(info: GPUAdapterInfo): string {
  const parts = [info.vendor, info.architecture, info.description || info.device].filter(Boolean);
  return parts.length > 0 ? parts.join(' · ') : 'unnamed WebGPU adapter';
}
