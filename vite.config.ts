import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
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
 * compiling WebAssembly only, not JavaScript eval. `blob:` and `data:` are absent on purpose: downloads navigate to a
 * blob: URL, which CSP does not restrict. Checked in the built page by
 * tests/e2e/csp.test.ts, on WebGPU and on the CPU engine.
 *
 * A <meta> policy cannot carry frame-ancestors and does not reach into the
 * workers' own fetches; a host that can send headers should send this same
 * policy as a Content-Security-Policy header (adding frame-ancestors 'none').
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "connect-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
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

export default defineConfig({
  plugins: [react(), contentSecurityPolicy(), watPlugin()],
  server: { host: '127.0.0.1', port: 5173, headers: isolationHeaders },
  preview: { host: '127.0.0.1', port: 4173, headers: isolationHeaders },
  worker: { format: 'es', plugins: () => [watPlugin()] },
  build: { target: 'es2022', sourcemap: true },
});
