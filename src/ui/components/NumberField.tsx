// A number input that commits on Enter or blur (not per keystroke, so typing
// "128" never builds a model of size 1 first) and explains a bad value inline.

import { useId, useState, type ReactNode } from 'react';

interface Props {
  /** The field's name: also its accessible name. */
  label: string;
  /** What the setting does, shown on hover. */
  hint?: string;
  /** Shown after the name, outside it (e.g. a "live" badge). */
  badge?: ReactNode;
  value: number;
  min: number;
  max: number;
  integer: boolean;
  step?: number | 'any';
  onCommit(value: number): void;
  className?: string;
}

export function NumberField(props: Props) {
  const { label, hint, badge, value, min, max, integer, step, onCommit, className } = props;
  const [text, setText] = useState(String(value));
  const [shown, setShown] = useState(value);
  const errorId = useId();
  const nameId = useId();
  if (shown !== value) {
    // The value changed outside (URL, reset, refused edit): show it.
    setShown(value);
    setText(String(value));
  }
  const parsed = text.trim() === '' ? NaN : Number(text);
  let error: string | null = null;
  if (!Number.isFinite(parsed)) error = 'enter a number';
  else if (integer && !Number.isInteger(parsed)) error = 'enter a whole number';
  else if (parsed < min || parsed > max) error = `between ${min} and ${max}`;

  const commit = () => {
    if (error === null && parsed !== value) onCommit(parsed);
  };

  return (
    <label className={className} title={hint}>
      <span>
        <span id={nameId}>{label}</span>
        {badge}
      </span>
      <input
        // Named by the label text alone: the badge and the error are not part of the name.
        aria-labelledby={nameId}
        type="number"
        inputMode={integer ? 'numeric' : 'decimal'}
        min={min}
        max={max}
        step={step ?? (integer ? 1 : 'any')}
        value={text}
        aria-invalid={error !== null}
        aria-describedby={error ? errorId : undefined}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            // No keypress may follow: a dialog opened by the commit would take it as a click.
            e.preventDefault();
            commit();
          }
          if (e.key === 'Escape') setText(String(value));
        }}
      />
      {error && (
        <span id={errorId} className="field-error">
          {error}
        </span>
      )}
    </label>
  );
}
