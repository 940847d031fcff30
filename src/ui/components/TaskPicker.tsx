// What the model learns, chosen first and in sight: next character, restore
// spaces, restore case or forecast a series, as a segmented control at the
// top of the page with one sentence saying what the task is, and for the
// restoration tasks which way the model reads. The one place these settings
// live (settingsLayout.ts keeps them out of the settings panel); read and
// written through the schema like every other setting, so the link carries
// them and a change after training asks first.

import type { EnumSetting, Setting } from '../../engine/configSchema';
import { readSetting } from '../../engine/settings';
import type { Direction, Task } from '../../engine/task';
import { useApp } from '../../store/app';
import { isShown, TASK_ENTRY } from '../settingsLayout';
import { DIRECTION_SENTENCES, TASK_SENTENCES } from '../taskView';
import { EnumChoice } from './HyperParams';

const asEnum = (s: Setting) => s as EnumSetting & Setting;

export function TaskPicker() {
  const config = useApp((s) => s.config);
  // Remounted with the settings panel (a cancelled change puts the radios back).
  const revision = useApp((s) => s.configRevision);
  const task = readSetting(config, TASK_ENTRY.setting) as Task;
  const shown = TASK_ENTRY.dependents.filter((d) => isShown(d, config));

  return (
    <section className="panel task-picker" aria-labelledby="task-title" key={revision}>
      <header>
        <h2 id="task-title">Task</h2>
        <span className="hint">what the model learns</span>
      </header>
      <div className="task-choice">
        <EnumChoice setting={asEnum(TASK_ENTRY.setting)} config={config} />
        <p className="task-sentence" aria-live="polite">
          {TASK_SENTENCES[task]}
        </p>
      </div>
      {shown.map((d) => (
        <div className="task-choice" key={d.key}>
          <EnumChoice setting={asEnum(d)} config={config} />
          <p className="task-sentence hint">
            {DIRECTION_SENTENCES[readSetting(config, d) as Direction]}
          </p>
        </div>
      ))}
    </section>
  );
}
