// One download for a multi-file export, and the way back: named files packed
// into one zip (fflate), and a zip a person chose read into named files.
//
// Packing: a file of type application/octet-stream (float32 weights: they
// barely compress, and deflating a large model would hold the worker for
// seconds) is STOREd; text (JSON, Markdown, Python, a corpus) is deflated.
//
// Reading refuses, with a FormatError 'archive-invalid' saying why:
//   - bytes that are not a zip, or a damaged one (a broken deflate stream);
//   - an archive whose entries declare more than `maxBytes` in total once
//     expanded (default MAX_UNZIPPED_BYTES): a zip bomb. fflate allocates an
//     entry's output from its declared size and never writes past it, so the
//     declared total bounds the memory a zip can take;
//   - an entry name that climbs out of the archive (`..`), is absolute (`/x`,
//     `C:x`), or uses backslashes: nothing is written to disk here, but a name
//     like that is never one of ours and is refused rather than guessed at.
// Folder entries and macOS's `__MACOSX/` resource forks (a zip re-made in
// Finder has them) are skipped.
//
// Public API:
//   zipFiles(name, files) → ExportFile            (name + ".zip", application/zip)
//   unzipFiles(bytes, { file?, maxBytes? }) → { name, bytes }[]
//   MAX_UNZIPPED_BYTES, ZIP_MIME

import { unzipSync, zipSync, type UnzipFileInfo, type Zippable } from 'fflate';
import type { ExportFile } from './bundle';
import { FormatError } from './errors';

export const ZIP_MIME = 'application/zip';

/**
 * The most an archive may expand to: above the largest model gatescope's
 * settings allow as plain weights, far below what would exhaust a tab.
 */
export const MAX_UNZIPPED_BYTES = 1024 * 1024 * 1024;

/** Compressed data stays as it is; text deflates (level 6: fflate's default, quick). */
const STORE = 0;
const DEFLATE = 6;

/** Packs `files` into `<name>.zip`; entry names must be distinct. */
export function zipFiles(name: string, files: ExportFile[]): ExportFile {
  const entries: Zippable = {};
  for (const file of files) {
    checkEntryName(file.name, `${name}.zip`);
    if (file.name in entries) throw new Error(`${name}.zip: two files named ${file.name}`);
    const level = file.mimeType === 'application/octet-stream' ? STORE : DEFLATE;
    entries[file.name] = [file.bytes, { level }];
  }
  return { name: `${name}.zip`, mimeType: ZIP_MIME, bytes: zipSync(entries) };
}

export interface UnzipOptions {
  /** The archive's name, for messages. */
  file?: string;
  /** The most the entries may expand to in total (default MAX_UNZIPPED_BYTES). */
  maxBytes?: number;
}

/** The files in a zip, in archive order; throws FormatError 'archive-invalid'. */
export function unzipFiles(
  bytes: Uint8Array,
  { file, maxBytes = MAX_UNZIPPED_BYTES }: UnzipOptions = {},
): { name: string; bytes: Uint8Array }[] {
  const refuse = (why: string) => new FormatError('archive-invalid', why, file);
  if (!hasZipSignature(bytes)) throw refuse('this is not a zip archive');
  let total = 0;
  const order: string[] = [];
  const wanted = (entry: UnzipFileInfo): boolean => {
    if (entry.name.endsWith('/') || entry.name.startsWith('__MACOSX/')) return false;
    checkEntryName(entry.name, file);
    if (entry.compression !== 0 && entry.compression !== 8) {
      throw refuse(
        `${entry.name} is compressed with method ${entry.compression}; only deflate is read`,
      );
    }
    total += entry.originalSize;
    if (total > maxBytes) {
      throw refuse(
        `the archive expands to more than ${formatMiB(maxBytes)} (a zip bomb, or not a model export)`,
      );
    }
    if (order.includes(entry.name)) throw refuse(`it holds two entries named ${entry.name}`);
    order.push(entry.name);
    return true;
  };
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, { filter: wanted });
  } catch (error) {
    if (error instanceof FormatError) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw refuse(`the archive is damaged (${detail})`);
  }
  return order.map((name) => ({ name, bytes: entries[name] }));
}

/** A local file header (PK 3 4) or, for an empty archive, the end record (PK 5 6). */
function hasZipSignature(bytes: Uint8Array): boolean {
  if (bytes.length < 22 || bytes[0] !== 0x50 || bytes[1] !== 0x4b) return false;
  return (bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6);
}

/** Refuses a name that is absolute, climbs with `..`, or is not a plain relative path. */
function checkEntryName(name: string, file: string | undefined): void {
  const parts = name.split('/');
  const bad =
    name.length === 0 ||
    name.includes('\\') ||
    name.includes('\0') ||
    name.startsWith('/') ||
    /^[A-Za-z]:/.test(name) ||
    parts.some((part) => part === '..' || part === '.' || part === '');
  if (bad) {
    throw new FormatError(
      'archive-invalid',
      `the entry name ${JSON.stringify(name)} is not a plain relative path inside the archive`,
      file,
    );
  }
}

function formatMiB(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))} MiB`;
}
