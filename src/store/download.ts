// Hands files made in the worker to the browser as downloads.

import type { DownloadFile } from '../worker/protocol';

/** Browsers hold back a burst of downloads from one click; a short gap lets each through. */
const GAP_MS = 250;

export function downloadFiles(files: DownloadFile[]): void {
  files.forEach((file, k) => {
    setTimeout(() => {
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
    }, k * GAP_MS);
  });
}
