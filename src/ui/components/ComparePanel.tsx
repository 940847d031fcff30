// Compare runs: the models trained side by side on the same text, seed and
// training settings. The first is the settings panel's model; up to two more
// differ in cell or H (they follow its E and L) and may carry their own
// dropout and early-stopping patience: the settings panel's live changes of
// those apply to model 1 and to models without their own. "Match parameter
// count" sizes each one's H so its weights number about the first's. On the
// overfitting preset, one click compares the model without and with dropout.
// Picking a model shows its gates and samples and makes it the one exported
// and saved.

import { CELL_TYPES, CELLS, type CellType } from '../../engine/cells';
import { RANGES } from '../../engine/config';
import { SCHEMA } from '../../engine/configSchema';
import { useApp } from '../../store/app';
import {
  addCompareModel,
  changeCompareModel,
  compareCures,
  CURE_DROPOUT,
  onOverfitPreset,
  removeCompareModel,
  selectModel,
  setCompareRegularization,
  setMatchParams,
} from '../../store/compareActions';
import { MAX_COMPARED, type ComparedModel } from '../../worker/protocol';
import { formatCount } from '../format';
import { directionText, modelColors, regularizationText } from '../modelLabel';
import { isTaggingTask } from '../../engine/task';
import { useColorScheme } from '../hooks/useColorScheme';
import { DirectionCompare } from './DirectionCompare';
import { NumberField } from './NumberField';

export function ComparePanel() {
  const models = useApp((s) => s.compareModels);
  const selected = useApp((s) => s.selectedModel);
  const matchParams = useApp((s) => s.matchParams);
  const ready = useApp((s) => s.status.ready);
  const preset = useApp((s) => onOverfitPreset(s.active?.name));
  const colors = modelColors(useColorScheme());
  const comparing = models.length > 1;

  return (
    <section className="panel compare" aria-labelledby="compare-title">
      <header>
        <h2 id="compare-title">Compare</h2>
        <span className="spacer" />
        <button
          type="button"
          className="btn small"
          disabled={!ready || models.length >= MAX_COMPARED}
          title="Train another model beside this one: same text, seed and training settings"
          onClick={addCompareModel}
        >
          Add model
        </button>
      </header>
      {preset && (
        <div className="compare-cures">
          <button
            type="button"
            className="btn small"
            disabled={!ready}
            title="Train this model twice on the same text and seed, side by side"
            onClick={compareCures}
          >
            Compare: cures for overfitting
          </button>
          <span className="hint">no dropout vs dropout {CURE_DROPOUT}</span>
        </div>
      )}
      <DirectionCompare />
      {!comparing ? (
        <p className="hint">
          Train up to three models side by side (RNN, GRU, LSTM, or two sizes) on the same text and
          seed; they take turns, one step each.
        </p>
      ) : (
        <>
          <div className="compare-models" role="radiogroup" aria-label="Model shown">
            {models.map((m, k) => (
              <div
                key={m.runId}
                className="compare-row"
                data-selected={k === selected ? 'true' : undefined}
              >
                <label className="compare-pick" title="Show its gates and samples; export it">
                  <input
                    type="radio"
                    name="compare-selected"
                    checked={k === selected}
                    onChange={() => selectModel(k)}
                    aria-label={`Show model ${k + 1}`}
                  />
                  <span className="swatch" style={{ background: colors[k % colors.length] }} />
                  {k + 1}
                </label>
                {k === 0 ? (
                  <span className="compare-first" title="Set in Model & training">
                    {CELLS[m.model.cell].label} · H {m.model.hiddenSize}
                  </span>
                ) : (
                  <>
                    <select
                      className="input"
                      aria-label={`Cell of model ${k + 1}`}
                      value={m.model.cell}
                      onChange={(e) => changeCompareModel(k, { cell: e.target.value as CellType })}
                    >
                      {CELL_TYPES.map((c) => (
                        <option key={c} value={c}>
                          {CELLS[c].label}
                        </option>
                      ))}
                    </select>
                    {matchParams ? (
                      <span className="compare-h" title="Sized to model 1's parameter count">
                        H {m.model.hiddenSize}
                      </span>
                    ) : (
                      <NumberField
                        className="labelled compare-h"
                        label={`H of model ${k + 1}`}
                        value={m.model.hiddenSize}
                        min={RANGES.hiddenSize[0]}
                        max={RANGES.hiddenSize[1]}
                        integer
                        onCommit={(hiddenSize) => changeCompareModel(k, { hiddenSize })}
                      />
                    )}
                  </>
                )}
                <span className="compare-count" aria-label={`Parameters of model ${k + 1}`}>
                  {formatCount(m.parameters)} params ·{' '}
                  {m.backend.kind === 'webgpu' ? 'WebGPU' : 'CPU'}
                  {isTaggingTask(m.model.task) && (
                    <>
                      {' · '}
                      <span className="compare-dir">{directionText(m.model)}</span>
                    </>
                  )}
                </span>
                <Regularization model={m} index={k} />
                {k > 0 && (
                  <button
                    type="button"
                    className="btn small"
                    aria-label={`Remove model ${k + 1}`}
                    title="Stop comparing this model"
                    onClick={() => removeCompareModel(k)}
                  >
                    ×
                  </button>
                )}
              </div>
            ))}
          </div>
          <label className="compare-match">
            <input
              type="checkbox"
              checked={matchParams}
              onChange={(e) => setMatchParams(e.target.checked)}
            />
            Match parameter count: size each model&apos;s H to model 1&apos;s number of weights
          </label>
          <p className="hint compare-live">
            Dropout and early stopping set in Model &amp; training apply to model 1 and to models
            without their own; a model&apos;s own, set here, stays as it is.
          </p>
        </>
      )}
    </section>
  );
}

/**
 * A model's regularisation: model 1's is the settings panel's (shown); a
 * compared model's dropout and patience are its own once edited here, and
 * "as model 1" makes it follow the run's again.
 */
function Regularization({ model, index }: { model: ComparedModel; index: number }) {
  const r = model.regularization;
  if (index === 0) {
    return (
      <span className="compare-reg" title="Set in Model & training">
        {regularizationText(r)}
      </span>
    );
  }
  return (
    <span className="compare-reg">
      <span aria-hidden="true">dropout</span>
      <NumberField
        className="labelled compare-h"
        label={`Dropout of model ${index + 1}`}
        hint="This model's own dropout: the settings panel's no longer changes it"
        value={r.dropout}
        min={SCHEMA.dropout.min}
        max={SCHEMA.dropout.max}
        integer={false}
        step={0.05}
        onCommit={(dropout) => setCompareRegularization(index, { dropout })}
      />
      <span aria-hidden="true">patience</span>
      <NumberField
        className="labelled compare-h"
        label={`Early stop patience of model ${index + 1}`}
        hint="This model's own early-stopping patience in validations (0 never stops)"
        value={r.patience}
        min={SCHEMA.patience.min}
        max={SCHEMA.patience.max}
        integer
        onCommit={(patience) => setCompareRegularization(index, { patience })}
      />
      {model.ownRegularization ? (
        <button
          type="button"
          className="compare-follow"
          title="Follow the dropout and patience of Model & training again"
          onClick={() => setCompareRegularization(index, null)}
        >
          as model 1
        </button>
      ) : (
        <span className="compare-follows">as model 1</span>
      )}
    </span>
  );
}
