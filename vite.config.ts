import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { VitePWA } from 'vite-plugin-pwa';
import { watPlugin } from './scripts/vitePluginWat.ts';

// Cross-origin isolation lets the CPU engine share memory between workers
// (SharedArrayBuffer); it costs nothing here since we load no third-party assets.
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * The built page's Content-Security-Policy: scripts, workers, styles, images
 * and connections from the page's own origin only. Nothing of the app needs
 * more: no inline script or style element (React's style props go through
 * the CSSOM, which CSP does not govern), no eval, no third-party host.
 * 'wasm-unsafe-eval' lets the CPU engine compile its own WebAssembly GEMM
 * kernel (src/engine/cpu/wasm, bundled with the app's scripts); it allows
 * compiling WebAssembly only, not JavaScript eval. `blob:` and `data:` are
 * absent on purpose: downloads navigate to a blob: URL, which CSP does not
 * restrict. Checked in the built page by
 * tests/e2e/csp.test.ts, on WebGPU and on the CPU engine.
 *
 * A <meta> policy cannot carry frame-ancestors and does not reach into the
 * workers' own fetches; a host that can send headers should send this same
 * policy as a Content-Security-Policy header (adding frame-ancestors 'none').
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'", // also the service worker (src/sw/serviceWorker.ts)
  "connect-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "manifest-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** For the build only: the dev server's hot reload needs inline scripts and eval. */
function contentSecurityPolicy(): Plugin {
  return {
    name: 'gatescope-content-security-policy',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html) {
        // Right after <meta charset> (which must open the document), before any script or
        // style: a policy applies only to what comes after it.
        const charset = /<meta charset="UTF-8" \/>/i;
        if (!charset.test(html))
          throw new Error('index.html lost its <meta charset>: place the CSP');
        const meta = `<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}" />`;
        return html.replace(charset, (tag) => `${tag}\n    ${meta}`);
      },
    },
  };
}

/**
 * Offline and cross-origin isolation on any static host: one service worker
 * (src/sw/serviceWorker.ts, built by vite-plugin-pwa in injectManifest mode
 * with the list of files to precache) and the web app manifest. We register
 * it ourselves (src/ui/serviceWorker.ts), only in the build: the dev server
 * sends the isolation headers itself. Every URL is relative (base './'), so
 * dist/ works from any folder of any host; see docs/deploy.md.
 */
function offline(): Plugin[] {
  return VitePWA({
    strategies: 'injectManifest',
    srcDir: 'src/sw',
    filename: 'serviceWorker.ts',
    injectRegister: false,
    // The icons are in the precache already (globPatterns): listed once, not twice.
    includeManifestIcons: false,
    manifest: {
      name: 'gatescope: watch an LSTM learn',
      short_name: 'gatescope',
      description:
        'Train character-level recurrent models in your browser on the GPU and watch their gates learn.',
      start_url: './',
      scope: './',
      display: 'standalone',
      theme_color: '#4f46e5',
      background_color: '#f6f7fb',
      icons: [
        { src: 'favicon.svg', sizes: 'any', type: 'image/svg+xml' },
        { src: 'icon-192.png', sizes: '192x192', type: 'image/png' },
        { src: 'icon-512.png', sizes: '512x512', type: 'image/png' },
        { src: 'icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
      ],
    },
    injectManifest: {
      // The whole app, engine workers and lazily loaded chunks included; not the source maps
      // (the plugin adds manifest.webmanifest itself).
      globPatterns: ['**/*.{js,css,html,svg,png}'],
      // One classic script: no module service worker needed, so older browsers install it too.
      rollupFormat: 'iife',
    },
  });
}

export default defineConfig({
  // Relative URLs everywhere, so the build runs from any subpath (docs/deploy.md).
  base: './',
  plugins: [react(), contentSecurityPolicy(), offline(), watPlugin()],
  server: { host: '127.0.0.1', port: 5173, headers: isolationHeaders },
  preview: { host: '127.0.0.1', port: 4173, headers: isolationHeaders },
  worker: { format: 'es', plugins: () => [watPlugin()] },
  build: { target: 'es2022', sourcemap: true },
});
