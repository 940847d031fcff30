// Which engine trains the model, on which device; a live region so a change
// (say, a fallback after the GPU was lost) is announced.

import { useState } from 'react';
import { dismissEngineError } from '../../store/actions';
import { useApp } from '../../store/app';

export function BackendBadge() {
  const device = useApp((s) => s.device);
  const backend = useApp((s) => s.backend);
  const building = useApp((s) => s.status.building);

  let kind = 'Detecting…';
  let detail = '';
  let tone = '';
  if (backend) {
    kind = backend.kind === 'webgpu' ? 'WebGPU' : 'CPU';
    detail =
      backend.kind === 'webgpu'
        ? backend.device
        : backend.fallbackReason
          ? 'fallback'
          : // The CPU engine's own account: its threads and kernel ("CPU, 2 threads, wasm SIMD").
            backend.device.replace(/^CPU,?\s*/, '') || 'engine';
    tone = backend.kind === 'webgpu' ? 'gpu' : 'cpu';
  } else if (device) {
    kind = building ? 'Building model…' : 'Waiting for a corpus';
  }
  return (
    <div
      className={`badge ${tone}`}
      role="status"
      aria-label="Backend"
      title={backend?.fallbackReason ?? backend?.device}
    >
      <span className="dot" />
      <strong>{kind}</strong>
      {detail && <span className="device"> {detail}</span>}
    </div>
  );
}

/** A clear note when the CPU runs because WebGPU could not, and why. */
export function FallbackNote() {
  const backend = useApp((s) => s.backend);
  const device = useApp((s) => s.device);
  if (!backend || backend.kind !== 'cpu' || !backend.fallbackReason) return null;
  return (
    <div className="note warn banner" role="note" aria-label="CPU fallback">
      <strong>Training on the CPU</strong> because {backend.fallbackReason}.
      {device?.adapterName ? ` (WebGPU adapter found: ${device.adapterName}.)` : ''} The CPU
      reference gives the same results, only slower: keep the model small.
    </div>
  );
}

/**
 * WebGPU works, but on a renderer that runs on the CPU (no GPU in the machine,
 * or a blocked driver): the person should know the "GPU" figures are the CPU's,
 * and that the CPU engine may be the faster choice there.
 */
export function SoftwareAdapterNote() {
  const backend = useApp((s) => s.backend);
  const device = useApp((s) => s.device);
  const [dismissed, setDismissed] = useState(false);
  if (dismissed || backend?.kind !== 'webgpu' || !device?.softwareAdapter) return null;
  return (
    <div className="note info banner" role="note" aria-label="Software adapter">
      <span>
        <strong>WebGPU runs on a software adapter</strong> ({backend.device}): the CPU emulates the
        GPU. The CPU engine is often as fast on such a machine; pick Backend: CPU in the settings to
        compare tokens/s.
      </span>
      <button type="button" className="btn small" onClick={() => setDismissed(true)}>
        Dismiss
      </button>
    </div>
  );
}

export function EngineError() {
  const error = useApp((s) => s.engineError);
  if (!error) return null;
  return (
    <div className="note error banner" role="alert">
      <span>{error}</span>
      <button type="button" className="btn small" onClick={dismissEngineError}>
        Dismiss
      </button>
    </div>
  );
}
