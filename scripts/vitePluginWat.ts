// Assembles the engine's hand-written WebAssembly text (*.wat) when it is
// imported (scripts/wat.mjs says into what): `npm start`, `npm run build` and
// the tests (vitest runs Vite's plugins) all get the .wasm from its source,
// with no build step of their own and no binary in the repository. Needed in
// vite.config.ts's `plugins` and `worker.plugins` (the engine runs in a worker).
import type { Plugin } from 'vite';
import { watModuleSource } from './wat.mjs';

export function watPlugin(): Plugin {
  return {
    name: 'gatescope-wat',
    async load(id) {
      const path = id.split('?')[0];
      if (!path.endsWith('.wat')) return null;
      this.addWatchFile(path);
      return watModuleSource(path);
    },
  };
}
