// One sentence for any thrown value, for the page to show: an Error's message
// (every error the engine throws on purpose says what to do), else its text;
// and how a refusal names the value it refused.
//
// Dimension legend: none.

export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** A refused value as a message quotes it: short, and never a dump of an object. */
export function showValue(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value == null)
    return String(value);
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : typeof value;
}
