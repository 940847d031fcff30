// A Node module hook that lets scripts run by tsx import the engine's .wat
// kernel as Vite does (scripts/wat.mjs). Registered by scripts/watRegister.mjs:
//   npx tsx --import ./scripts/watRegister.mjs scripts/measureGemm.ts
// Without it, the CPU engine under tsx runs its TypeScript products.
import { fileURLToPath } from 'node:url';
import { watModuleSource } from './wat.mjs';

export async function load(url, context, nextLoad) {
  if (!url.endsWith('.wat')) return nextLoad(url, context);
  return {
    format: 'module',
    source: await watModuleSource(fileURLToPath(url)),
    shortCircuit: true,
  };
}
