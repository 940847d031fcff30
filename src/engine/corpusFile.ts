// Reads a dropped or picked corpus file as UTF-8 text inside the engine
// worker, so a file of tens of megabytes never costs the page a frame: the
// file is streamed in chunks (progress after each), checked for NUL bytes and
// decoded with a fatal decoder, so a binary or mis-encoded file gets a clear
// message instead of a corpus full of U+FFFD.
//
// Dimension legend: none (bytes and characters only).

import { CorpusError } from './tokenizer';

/** Bigger than this is almost surely not a corpus a browser should train on. */
export const MAX_FILE_BYTES = 256 * 1024 * 1024;

export function formatBytes(n: number): string {
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(0)} kB`;
  return `${n} B`;
}

/** The text of `file`; every problem with it is a CorpusError naming the file. */
export async function readCorpusFile(
  file: Blob & { readonly name: string },
  onProgress: (loaded: number, total: number) => void,
): Promise<string> {
  if (file.size === 0) throw new CorpusError(`${file.name} is empty`);
  if (file.size > MAX_FILE_BYTES) {
    throw new CorpusError(
      `${file.name} is ${formatBytes(file.size)}; the limit is ${formatBytes(MAX_FILE_BYTES)}`,
    );
  }
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const reader = file.stream().getReader();
  const parts: string[] = [];
  let loaded = 0;
  let lastReport = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (error) {
      throw new CorpusError(`${file.name} could not be read (${String(error)})`);
    }
    if (chunk.done) break;
    const value = chunk.value;
    const nul = value.indexOf(0);
    if (nul !== -1) {
      await reader.cancel();
      throw new CorpusError(
        `${file.name} contains NUL bytes (at byte ${loaded + nul}): it looks like a binary file, not text`,
      );
    }
    try {
      parts.push(decoder.decode(value, { stream: true }));
    } catch {
      await reader.cancel();
      throw new CorpusError(
        `${file.name} is not valid UTF-8 text (bad bytes within bytes ${loaded}–${loaded + value.length}); ` +
          'save it as UTF-8 and try again',
      );
    }
    loaded += value.length;
    const now = performance.now();
    if (now - lastReport > 50) {
      lastReport = now;
      onProgress(loaded, file.size);
    }
  }
  try {
    parts.push(decoder.decode());
  } catch {
    throw new CorpusError(
      `${file.name} ends in the middle of a UTF-8 character: it is not valid UTF-8`,
    );
  }
  onProgress(file.size, file.size);
  const text = parts.join('');
  if (text.trim().length === 0) throw new CorpusError(`${file.name} holds only whitespace`);
  return text;
}
