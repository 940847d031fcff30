// One sentence for any thrown value, for the page to show: an Error's message
// (every error the engine throws on purpose says what to do), else its text.
//
// Dimension legend: none.

export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
