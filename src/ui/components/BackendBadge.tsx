// Which engine trains the model, on which device; a live region so a change
// (say, a fallback after the GPU was lost) is announced.

import { useState } from 'react';
import { dismissEngineError, measureEnginesAgain } from '../../store/actions';
import { useApp } from '../../store/app';
import { autoChoiceText, MEASURING_TEXT, softwareAdapterAdvice } from '../engineChoice';

export function BackendBadge() {
  const device = useApp((s) => s.device);
  const backend = useApp((s) => s.backend);
  const building = useApp((s) => s.status.building);
  const calibrating = useApp((s) => s.status.calibrating === true);

  let kind = 'Detecting…';
  let detail = '';
  let tone = '';
  if (calibrating) {
    kind = 'Measuring…';
    detail = 'which engine is faster here';
  } else if (backend) {
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
      title={
        calibrating
          ? MEASURING_TEXT
          : (backend?.fallbackReason ??
            (backend?.auto
              ? `${backend.device}. ${autoChoiceText(backend.auto)}`
              : backend?.device))
      }
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
  const auto = useApp((s) => s.config.backend === 'auto');
  if (!backend || backend.kind !== 'cpu' || !backend.fallbackReason) return null;
  return (
    <div className="note warn banner" role="note" aria-label="CPU fallback">
      <strong>Training on the CPU</strong> because {backend.fallbackReason}.
      {device?.adapterName ? ` (WebGPU adapter found: ${device.adapterName}.)` : ''}
      {auto
        ? ' Auto had nothing to measure: the CPU engine is the only one that can train this model here.'
        : ' The CPU engine gives the same results.'}
    </div>
  );
}

/**
 * Auto's choice between two engines that could both train the model: what it
 * is measuring, then which engine it picked, by how much, with the figures,
 * and a way to measure again (a busy machine, a changed power mode).
 */
export function EngineChoiceNote() {
  const backend = useApp((s) => s.backend);
  const calibrating = useApp((s) => s.status.calibrating === true);
  const building = useApp((s) => s.status.building);
  if (calibrating) {
    return (
      <div className="note info banner" role="status" aria-label="Engine choice">
        <span>{MEASURING_TEXT}</span>
      </div>
    );
  }
  if (!backend?.auto) return null;
  return (
    <div className="note info banner" role="note" aria-label="Engine choice">
      <span>{autoChoiceText(backend.auto)}</span>
      <button
        type="button"
        className="btn small"
        disabled={building}
        onClick={measureEnginesAgain}
        title="Time both engines on this model again and train on the faster one (a lone model goes on from where it is)"
      >
        Measure again
      </button>
    </div>
  );
}

/**
 * WebGPU works, but on a renderer that runs on the CPU (no GPU in the machine,
 * or a blocked driver): the person should know the "GPU" figures are the CPU's,
 * and what Auto measured of the two engines here (or how to have it measure).
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
        GPU. {softwareAdapterAdvice(backend)}
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
