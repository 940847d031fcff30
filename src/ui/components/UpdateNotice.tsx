// "A new version is ready": shown when a later deploy's service worker has
// installed and waits. Non-blocking: the person reloads when it suits them
// (Reload lets the new worker take over, then the page reloads), or later.
// It lives in its own small root so the app's tree does not carry it.

import { useState } from 'react';
import { createRoot } from 'react-dom/client';

let shown = false;

/** Shows the notice once; `reload` activates the waiting version. */
export function showUpdateNotice(reload: () => void): void {
  if (shown) return;
  shown = true;
  const host = document.createElement('div');
  document.body.append(host);
  createRoot(host).render(<UpdateNotice reload={reload} />);
}

function UpdateNotice({ reload }: { reload: () => void }) {
  const [state, setState] = useState<'open' | 'reloading' | 'dismissed'>('open');
  if (state === 'dismissed') return null;
  return (
    <div className="update-notice note info" role="status" aria-label="Update">
      <span>A new version of gatescope is ready.</span>
      <button
        type="button"
        className="btn small primary"
        disabled={state === 'reloading'}
        onClick={() => {
          setState('reloading');
          reload();
        }}
      >
        {state === 'reloading' ? 'Reloading…' : 'Reload'}
      </button>
      <button type="button" className="btn small" onClick={() => setState('dismissed')}>
        Later
      </button>
    </div>
  );
}
