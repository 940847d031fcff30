// Hands a file made in the worker to the browser as a download: one file per
// export (a multi-file export arrives zipped, src/io/bundle.ts packExport).

import type { DownloadFile } from '../worker/protocol';

export function downloadFile(file: DownloadFile): void {
  const blob = new Blob([file.bytes as Uint8Array<ArrayBuffer>], { type: file.mimeType });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = file.name;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started by then; the URL only holds memory.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
