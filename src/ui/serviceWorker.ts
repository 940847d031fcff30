// Registers the service worker (src/sw/serviceWorker.ts) in the built app:
// it precaches the app for offline use and adds the cross-origin isolation
// headers a static host cannot send. Not under the Vite dev server, which
// sends those headers itself and rebuilds files the precache would pin.
//
// Two moments need the page's help:
// - The first visit is served by the host, without COOP/COEP. Once the new
//   worker controls the page, one reload lets the isolation headers apply,
//   so the CPU engine can start its GEMM threads. It happens at most once per
//   tab (sessionStorage), so a browser that still does not isolate the page
//   cannot make it loop, and never under a person who has started: typed or
//   pasted a text, clicked, dropped a file, trained (they keep their work and
//   get one thread until they reload).
// - A later deploy installs a new worker that waits: the page shows a small
//   notice with a Reload button instead of reloading under the person.

import { Workbox } from 'workbox-window';
import { useApp } from '../store/app';
import { showUpdateNotice } from './components/UpdateNotice';

/** Set before the one isolation reload of this tab; cleared once the page is isolated. */
const RELOADED_FOR_ISOLATION = 'gatescope:reloaded-for-isolation';
/** What a person does first on a page: after any of them a reload would undo it. */
const FIRST_ACTS = ['pointerdown', 'keydown', 'input', 'paste', 'drop'] as const;
/** The person has started doing something on this page. */
let started = false;

export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  if (crossOriginIsolated) tabFlag(null);
  for (const type of FIRST_ACTS) {
    window.addEventListener(type, () => (started = true), { capture: true, once: true });
  }
  // Relative to the page (base './'), so the worker's scope is the app's folder.
  const workbox = new Workbox(`${import.meta.env.BASE_URL}serviceWorker.js`);
  let updating = false;

  // A new controller: the first install claiming this page, or the waiting
  // version the person asked for (whichever worker it is, so no reliance on
  // which one workbox-window tracks).
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (updating) window.location.reload();
    else reloadOnceForIsolation();
  });
  workbox.addEventListener('waiting', () => {
    showUpdateNotice(() => {
      updating = true;
      workbox.messageSkipWaiting();
    });
  });
  // Already controlled (a later visit) but not isolated: e.g. the first visit
  // was closed before the reload. The same one reload, the same guards.
  if (navigator.serviceWorker.controller) reloadOnceForIsolation();
  workbox.register().catch((error: unknown) => {
    console.warn(`gatescope: no service worker, so no offline use: ${String(error)}`);
  });
}

function reloadOnceForIsolation(): void {
  if (crossOriginIsolated) return;
  if (tabFlag() !== null) {
    console.warn(
      'gatescope: the page is not cross-origin isolated even under the service worker; ' +
        'the CPU engine runs on one thread.',
    );
    return;
  }
  const { training, step } = useApp.getState().status;
  if (started || training || step > 0) {
    console.info(
      'gatescope: the service worker is ready; reload when convenient so the CPU engine ' +
        'can use more threads.',
    );
    return;
  }
  if (tabFlag('1') !== '1') return; // no storage to remember it in: no reload, no loop
  console.info('gatescope: reloading once so the service worker can isolate the page.');
  window.location.reload();
}

/**
 * Reads this tab's reload flag, or sets it (a string) or clears it (null)
 * and reads it back. Storage a browser refuses (blocked site data) reads as
 * "already reloaded", so the page never reloads without a guard.
 */
function tabFlag(value?: string | null): string | null {
  try {
    if (value === null) sessionStorage.removeItem(RELOADED_FOR_ISOLATION);
    else if (value !== undefined) sessionStorage.setItem(RELOADED_FOR_ISOLATION, value);
    return sessionStorage.getItem(RELOADED_FOR_ISOLATION);
  } catch {
    return 'unavailable';
  }
}
