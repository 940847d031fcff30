// Export the model in the formats other tools load, download the full
// training state, and import weights or a checkpoint. Each button says what
// the file is for; an import that cannot be used says why and changes nothing.

import { useRef, useState } from 'react';
import { CELLS, type CellType } from '../../engine/cells';
import type { ExportChoice, ExportWeights } from '../../worker/protocol';
import { useApp } from '../../store/app';
import {
  adoptVocabulary,
  dismissImportNotice,
  exportModel,
  importModelFiles,
} from '../../store/fileActions';

/** What TF.js loads each cell as (src/io/exportTfjs.ts); TF.js has no GRU with PyTorch's equations. */
const TFJS_TITLE: Record<CellType, string> = {
  lstm: 'one zip: model.json + model.weights.bin (Keras LSTM layers, loads with tf.loadLayersModel), vocab.json, README.md',
  rnn: 'one zip: model.json + model.weights.bin (Keras SimpleRNN layers, loads with tf.loadLayersModel), vocab.json, README.md',
  gru:
    'not for a GRU: TensorFlow.js has no GRU with these (PyTorch’s, reset-after) equations; ' +
    'export ONNX, which onnxruntime-web runs in a page',
};

/** The export buttons, their titles saying what the file loads as for this cell. */
function exportsFor(cell: CellType): { choice: ExportChoice; label: string; title: string }[] {
  const name = CELLS[cell].label; // nn.LSTM, nn.GRU, nn.RNN; ONNX's LSTM, GRU, RNN operators
  return [
    {
      choice: 'safetensors',
      label: 'PyTorch',
      title: `one zip: model.safetensors (nn.Embedding → nn.${name} → nn.Linear names, loads with load_state_dict(strict=True)), vocab.json, README.md`,
    },
    {
      choice: 'onnx',
      label: 'ONNX',
      title: `one zip: model.onnx (ONNX's ${name} operator, runs in ONNX Runtime: web, node, python), vocab.json, README.md`,
    },
    { choice: 'tfjs', label: 'TensorFlow.js', title: TFJS_TITLE[cell] },
    { choice: 'vocab', label: 'vocab.json', title: 'the vocabulary: token id ↔ character' },
    {
      choice: 'checkpoint',
      label: 'Checkpoint',
      title:
        'checkpoint.safetensors: weights, optimizer, step and stream positions, to resume exactly',
    },
  ];
}

export function ModelFilesPanel() {
  const ready = useApp((s) => s.status.ready);
  const exporting = useApp((s) => s.exporting);
  const exportError = useApp((s) => s.exportError);
  const importing = useApp((s) => s.importId !== 0);
  const notice = useApp((s) => s.importNotice);
  const offer = useApp((s) => s.adoptOffer);
  const picker = useRef<HTMLInputElement>(null);
  const cell = useApp((s) => s.config.model.cell);
  const task = useApp((s) => s.config.model.task);
  const direction = useApp((s) => s.config.model.direction);
  // train.py trains left-to-right language models (src/io/project/pytorchProject.ts).
  const continueRefusal =
    task === 'lm' && direction !== 'bi'
      ? null
      : 'The PyTorch project trains left-to-right language models; export this model’s weights above';
  const best = useApp((s) => s.bestValidation);
  const step = useApp((s) => s.status.step);
  const [weights, setWeights] = useState<ExportWeights>('best');
  // The choice matters only when the best weights are not the model as it is now.
  const offerBest = best !== null && best.step !== step;

  return (
    <section className="panel" aria-labelledby="files-title">
      <header>
        <h2 id="files-title">Model files</h2>
        <span className="hint">take the model elsewhere, or bring one in</span>
      </header>

      {offerBest && (
        <div className="row" role="radiogroup" aria-label="Weights to export">
          <span className="hint">Weights:</span>
          <label title="the weights of the lowest validation loss so far (what early stopping keeps)">
            <input
              type="radio"
              name="export-weights"
              checked={weights === 'best'}
              onChange={() => setWeights('best')}
            />{' '}
            Best (step {best.step}, val {best.loss.toFixed(3)})
          </label>
          <label title={`the model as it is now, at step ${step}`}>
            <input
              type="radio"
              name="export-weights"
              checked={weights === 'latest'}
              onChange={() => setWeights('latest')}
            />{' '}
            Latest
          </label>
        </div>
      )}
      <div className="chips" role="group" aria-label="Export">
        {exportsFor(cell).map((e) => (
          <button
            key={e.choice}
            type="button"
            className="chip"
            title={e.title}
            disabled={!ready || exporting !== null}
            aria-busy={exporting === e.choice}
            onClick={() => exportModel(e.choice, offerBest ? weights : 'best')}
          >
            {exporting === e.choice ? `${e.label}…` : e.label}
          </button>
        ))}
      </div>
      <div className="row between files-continue">
        <span className="hint" id="continue-hint">
          {continueRefusal ??
            'Outgrown the browser? A ready-to-run project continues this run in PyTorch, on one GPU or many, and its result imports back here'}
        </span>
        <button
          type="button"
          className="btn small primary"
          aria-describedby="continue-hint"
          title="model, text, settings, optimizer state, train.py, sample.py and a README"
          disabled={!ready || exporting !== null || continueRefusal !== null}
          aria-busy={exporting === 'pytorch-project'}
          onClick={() => exportModel('pytorch-project', 'latest')}
        >
          {exporting === 'pytorch-project' ? 'Continue in PyTorch…' : 'Continue in PyTorch'}
        </button>
      </div>
      {exportError && (
        <div className="note error" role="alert">
          <span>Export failed: {exportError}.</span>
        </div>
      )}

      <div className="row between files-import">
        <span className="hint">
          A PyTorch export (.zip), or a .safetensors model or checkpoint (with its vocab.json if it
          has no vocabulary): choose it, or drop it on the page
        </span>
        <button
          type="button"
          className="btn small"
          disabled={!ready || importing}
          onClick={() => picker.current?.click()}
        >
          {importing ? 'Importing…' : 'Import…'}
        </button>
        <input
          ref={picker}
          type="file"
          multiple
          accept=".zip,.safetensors,.json"
          aria-label="Model or checkpoint file"
          hidden
          onChange={(e) => {
            const files = [...(e.target.files ?? [])];
            e.target.value = '';
            importModelFiles(files);
          }}
        />
      </div>

      {offer && (
        <div className="note warn" role="alertdialog" aria-label="Adopt the model's vocabulary">
          <p>{offer.message}.</p>
          <p>
            Every character of the corpus is in the model's vocabulary, so the corpus can be read
            with the model's vocabulary and training go on from these weights.
          </p>
          <div className="row">
            <button type="button" className="btn small primary" onClick={adoptVocabulary}>
              Adopt its vocabulary
            </button>
            <button type="button" className="btn small" onClick={dismissImportNotice}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {notice && (
        <div
          className={`note ${notice.ok ? 'ok' : 'error'}`}
          role={notice.ok ? 'status' : 'alert'}
          aria-label="Import result"
        >
          <span>{notice.ok ? `Imported: ${notice.text}.` : `Not imported: ${notice.text}.`}</span>
          <button type="button" className="btn small" onClick={dismissImportNotice}>
            Dismiss
          </button>
        </div>
      )}
    </section>
  );
}
