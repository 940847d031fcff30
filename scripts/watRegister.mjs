// `node --import ./scripts/watRegister.mjs` (or tsx's): .wat imports assembled on load (watHooks.mjs).
import { register } from 'node:module';

register('./watHooks.mjs', import.meta.url);
