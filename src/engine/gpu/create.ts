// Setting up the WebGPU engine: a device with what the model needs (or the
// caller's own device), the backend, its autotune and its training program,
// all inside error scopes so that a failure anywhere comes back as one clear
// rejection and leaves no GPU object behind.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers (the buffers are sized in device.ts bufferNeeds).

import { validateModelConfig, type ModelConfig } from '../config';
import { GpuBackend, type GpuBackendOptions } from './backend';
import { deviceParamLayout } from './arena';
import { acquireDevice, bufferNeeds } from './device';

/**
 * Creates the WebGPU backend on an adapter of `source` (or on a device the
 * caller owns). Rejects with GpuUnavailableError when there is no adapter and
 * GpuCapacityError when the model does not fit, before allocating.
 */
export async function createGpuBackend(
  source: GPU | GPUDevice,
  model: ModelConfig,
  params: Float32Array,
  options: GpuBackendOptions,
): Promise<GpuBackend> {
  validateModelConfig(model);
  const layout = deviceParamLayout(model);
  const acquired = await acquireDevice(
    source,
    bufferNeeds(model, layout, options.seqLen, options.batchSize),
  );
  const { device } = acquired;
  device.pushErrorScope('validation');
  device.pushErrorScope('out-of-memory');
  let backend: GpuBackend | undefined;
  let failure: unknown = null;
  try {
    backend = new GpuBackend(device, acquired.description, acquired.owned, model, params, options);
    await backend.prepare(acquired.adapterKey);
  } catch (error) {
    failure = error;
  }
  const oom = await device.popErrorScope();
  const invalid = await device.popErrorScope();
  const scoped = oom ?? invalid;
  if (failure !== null || scoped || !backend) {
    backend?.dispose();
    if (acquired.owned) device.destroy();
    if (failure !== null) throw failure;
    throw new Error(`could not set up the GPU engine: ${scoped?.message ?? 'unknown error'}`);
  }
  return backend;
}
