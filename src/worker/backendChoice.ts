// Which engine trains a model: the CPU when the run asks for it; otherwise
// WebGPU when the device report offers an adapter, the capacity plan lets
// the GPU hold the model and the GPU engine builds it, else the CPU with the
// reason said. The GPU engine is loaded lazily: a CPU-only session never
// downloads or compiles it.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers.

import type { Backend } from '../engine/backend';
import type { ModelConfig } from '../engine/config';
import { createCpuBackend } from '../engine/cpu/create';
import { messageOf } from '../engine/errorMessage';
import type { GpuEngineModule } from '../engine/gpu';
import { CapacityError, type CapacityPlan } from './capacity';
import type { ActiveBackend, DeviceReport, RunConfig } from './protocol';

const gpuEntries = import.meta.glob<GpuEngineModule>(['../engine/gpu/index.ts']);

export interface BackendRequest {
  model: ModelConfig;
  /** Arena layout (params.ts). */
  params: Float32Array;
  run: RunConfig;
  plan: CapacityPlan;
  device: Promise<DeviceReport>;
  /** Why the GPU failed earlier in this session, if it did: later models go to the CPU. */
  gpuFailure: string | undefined;
}

/** The backend for a model, and what the page shows about it. */
export async function createBackend(
  request: BackendRequest,
): Promise<{ backend: Backend; active: ActiveBackend }> {
  const { model, params, run, plan } = request;
  const options = { batchSize: run.train.batchSize, seqLen: run.train.seqLen };
  if (run.backend === 'cpu') {
    const backend = await createCpuBackend(model, params, options);
    return { backend, active: { kind: 'cpu', device: backend.info.device } };
  }
  const report = await request.device;
  let reason = request.gpuFailure ?? report.reason ?? plan.gpuRefusal;
  if (!reason && plan.gpu) {
    try {
      const gpu = await loadGpuModule();
      const backend = await gpu.createGpuBackend(navigator.gpu, model, params, options);
      return {
        backend,
        active: { kind: 'webgpu', device: report.adapterName ?? backend.info.device },
      };
    } catch (error) {
      reason = `WebGPU could not build this model (${messageOf(error)})`;
      if (!plan.cpuFits) throw new CapacityError(`${reason}, and it is too large for the CPU`);
    }
  }
  const backend = await createCpuBackend(model, params, options);
  return {
    backend,
    active: { kind: 'cpu', device: backend.info.device, fallbackReason: reason },
  };
}

async function loadGpuModule(): Promise<GpuEngineModule> {
  for (const load of Object.values(gpuEntries)) {
    const module = await load();
    if (typeof module.createGpuBackend === 'function') return module;
  }
  throw new Error('the WebGPU engine is not part of this build');
}
