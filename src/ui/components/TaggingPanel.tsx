// The restoration tasks' view (spaces, case): the shown model's latest
// validation scores as tiles, every compared model's accuracy and F1 curves,
// and the probe text as the model restores it, its mistakes marked.

import { isTaggingTask } from '../../engine/task';
import { useApp } from '../../store/app';
import { formatScore, latestTagging } from '../taggingScores';
import { RestoredText } from './RestoredText';
import { TaggingScoresChart } from './TaggingScoresChart';

const TILES = [
  { key: 'accuracy', label: 'Accuracy', hint: 'Share of characters labelled right' },
  {
    key: 'f1',
    label: 'F1',
    hint: 'F1 of class 1 (a space after, a capital): 2·TP / (2·TP + FP + FN)',
  },
  { key: 'precision', label: 'Precision', hint: 'Share of the marks put in that are right' },
  { key: 'recall', label: 'Recall', hint: 'Share of the true marks found' },
] as const;

function ScoreTiles() {
  const latest = useApp((s) => latestTagging(s.taskScores[s.selectedModel]));
  return (
    <div className="tiles tag-tiles">
      {TILES.map((t) => (
        <div className="tile" key={t.key} title={t.hint}>
          <div className="label">{t.label}</div>
          <output aria-label={`Validation ${t.label.toLowerCase()}`}>
            {formatScore(latest?.[t.key])}
          </output>
          <div className="sub">
            {latest
              ? `validation, step ${latest.step.toLocaleString('en-US')}`
              : 'after a validation'}
          </div>
        </div>
      ))}
    </div>
  );
}

export function TaggingPanel() {
  const task = useApp((s) => s.config.model.task);
  if (!isTaggingTask(task)) return null;
  return (
    <section className="panel" aria-labelledby="tagging-title">
      <header>
        <h2 id="tagging-title">Restoration</h2>
        <span className="hint">
          {task === 'spaces' ? 'where the spaces go' : 'which letters are capitals'}: scores on the
          validation text and the probe text restored
        </span>
      </header>
      <ScoreTiles />
      <TaggingScoresChart />
      <RestoredText kind={task} />
    </section>
  );
}
