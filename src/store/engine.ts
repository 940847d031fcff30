// The page's side of the worker: starts it, posts commands, and routes its
// messages into the store (and the hot metrics into metrics.ts).

import type { EngineMessage, RunStatus, UiMessage } from '../engine/protocol';
import { useApp } from './app';
import { mostVariedUnit } from './gatesSlice';
import { metrics } from './metrics';

let worker: Worker | null = null;
/** Previews and probe texts of corpora sent but not yet accepted, by id. */
const pending = new Map<number, { preview: string; probe: string }>();

export function send(message: UiMessage): void {
  if (!worker) {
    worker = new Worker(new URL('../engine/worker.ts', import.meta.url), {
      type: 'module',
      name: 'gatescope-engine',
    });
    worker.onmessage = (event: MessageEvent<EngineMessage>) => receive(event.data);
    worker.onerror = (event) => {
      useApp.setState({ engineError: `the engine stopped: ${event.message || 'unknown error'}` });
    };
  }
  worker.postMessage(message);
}

/** What to show once corpus `id` is accepted: its start, and the probe text to switch to. */
export function rememberPending(id: number, preview: string, probe: string): void {
  pending.set(id, { preview: preview.slice(0, 1200), probe });
}

/** Up to and including the first space, at most 12 characters; never empty for a non-empty text. */
function firstWord(text: string): string {
  const chars = [...text.trimStart()];
  const space = chars.indexOf(' ');
  return chars.slice(0, space >= 0 && space < 12 ? space + 1 : 12).join('');
}

function sameStatus(a: RunStatus, b: RunStatus): boolean {
  return (
    a.ready === b.ready &&
    a.building === b.building &&
    a.training === b.training &&
    a.step === b.step
  );
}

function receive(message: EngineMessage): void {
  const state = useApp.getState();
  switch (message.type) {
    case 'device':
      useApp.setState({ device: message.report });
      break;
    case 'corpus': {
      const accepted = pending.get(message.id);
      pending.delete(message.id);
      if (message.id !== state.pendingCorpusId) break;
      useApp.setState({
        active: message.stats,
        activePreview: accepted?.preview ?? '',
        loading: null,
        corpusError: null,
      });
      const known = new Set(message.stats.vocabulary);
      if ([...state.prime].some((ch) => !known.has(ch))) {
        // The old prime cannot be fed to this model: start from this corpus's first word.
        useApp.setState({ prime: firstWord(accepted?.probe ?? '') });
      }
      if (accepted?.probe && accepted.probe !== state.probeText) {
        useApp.setState({ probeText: accepted.probe });
        send({ type: 'setProbe', text: accepted.probe });
      }
      break;
    }
    case 'corpusError':
      pending.delete(message.id);
      if (message.id !== state.pendingCorpusId) break;
      useApp.setState({ loading: null, corpusError: message.message });
      break;
    case 'model':
      metrics.clear();
      useApp.setState({
        backend: message.backend,
        parameters: message.parameters,
        config: message.config,
        snapshot: null,
        engineError: null,
        // A generation in progress ended with the old model.
        sampleId: null,
        layer: Math.min(state.layer, message.config.model.layers - 1),
        unit: Math.min(state.unit, message.config.model.hiddenSize - 1),
        unitPinned: false,
      });
      break;
    case 'configError':
      useApp.setState({
        engineError: `settings not applied: ${message.message}`,
        configRevision: state.configRevision + 1,
        ...(message.config ? { config: message.config } : {}),
      });
      break;
    case 'status':
      if (!sameStatus(state.status, message.status)) useApp.setState({ status: message.status });
      break;
    case 'metrics':
      metrics.append(message);
      break;
    case 'probe': {
      const layer = message.layers[Math.min(state.layer, message.layers.length - 1)];
      const unit =
        state.unitPinned || !layer
          ? state.unit
          : mostVariedUnit(layer[state.textGate], message.chars.length, message.hidden, state.unit);
      useApp.setState({ snapshot: message, probeError: null, unit });
      break;
    }
    case 'probeError':
      useApp.setState({ probeError: message.message });
      break;
    case 'sample':
      if (message.id !== state.sampleId) break;
      useApp.setState({
        sampleText: state.sampleText + message.text,
        sampleId: message.done ? null : state.sampleId,
      });
      break;
    case 'sampleError':
      if (message.id !== state.sampleId) break;
      useApp.setState({ sampleError: message.message, sampleId: null });
      break;
    case 'error':
      useApp.setState({ engineError: message.message });
      break;
  }
}
