/// <reference lib="webworker" />
// gatescope's one service worker: it precaches the built app for offline use
// AND adds the cross-origin isolation headers to every response it serves.
//
// Why one worker does both: a scope has exactly one service worker, and the
// page's scope is the app's folder. coi-serviceworker (the maintained package
// that adds COOP/COEP) is a worker script of its own; registered beside a
// precaching worker, one would replace the other. So the precache comes from
// workbox-precaching (the manifest vite-plugin-pwa injects at build time) and
// the isolation is these few lines, in the same fetch handler.
//
// Why the headers: the CPU engine's GEMM threads share memory
// (SharedArrayBuffer), which a browser grants only to a cross-origin-isolated
// page. A static host (GitHub Pages, a bucket, a USB stick behind any file
// server) cannot send COOP/COEP; a response made by the service worker can
// carry them, and the browser honours them for documents and workers. The
// page reloads once after this worker first takes control so they apply
// (src/ui/serviceWorker.ts).
//
// COEP `require-corp`, not `credentialless`: everything gatescope loads is
// its own origin's, which require-corp allows without any CORP header, and
// Safari does not implement credentialless. It is also what vite.config.ts
// and the test server send, so dev, tests and deploy run under one policy.

import { cleanupOutdatedCaches, PrecacheController, PrecacheRoute } from 'workbox-precaching';
import type { PrecacheEntry } from 'workbox-precaching';

declare const self: ServiceWorkerGlobalScope & {
  /** Replaced at build time by the list of files to precache (with revisions). */
  __WB_MANIFEST: (PrecacheEntry | string)[];
};

const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
} as const;

const precache = new PrecacheController();
precache.precache(self.__WB_MANIFEST);
// The app keeps its settings in the URL hash, never in a query: a query must
// not make the page miss the precache (and fail offline).
const precached = new PrecacheRoute(precache, { ignoreURLParametersMatching: [/./] });
cleanupOutdatedCaches();

// The first install takes the open page at once (it has no older worker to
// wait for); an update waits until the page asks (the "new version" notice's
// Reload button sends SKIP_WAITING through workbox-window).
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
self.addEventListener('message', (event) => {
  if ((event.data as { type?: unknown } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  // Only our own origin's reads: the app loads nothing else, and an opaque
  // cross-origin response could not carry headers anyway.
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  const params: unknown = precached.match({ url, request, event, sameOrigin: true });
  const response = params
    ? precached.handler.handle({ url, request, event, params })
    : fetch(request);
  event.respondWith(response.then(withIsolation));
});

/** The same response with COOP and COEP set (an opaque or redirect response passes as is). */
function withIsolation(response: Response): Response {
  if (response.status === 0) return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(ISOLATION)) headers.set(name, value);
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}
