// Assembles the engine's hand-written WebAssembly text (*.wat) with wabt from
// npm, for the two ways into the engine: Vite (scripts/vitePluginWat.ts: the
// app, its build, the tests) and Node scripts run by tsx (scripts/watHooks.mjs).
// Plain JavaScript so that a Node module hook can load it too.
//
// An imported .wat becomes a module exporting its binaries, base64-decoded at
// load time (a few KB; a separate asset would need a fetch of its own):
//   variants.fma / variants.plain — with f32x4.relaxed_madd as written, or each
//     `(f32x4.relaxed_madd (local.get $x) (local.get $y) (local.get $z))`
//     rewritten as f32x4.mul then f32x4.add, for runtimes without relaxed SIMD;
//   .shared / .private — the imported memory as written (`shared`, for GEMM
//     worker threads) or not (one thread, no cross-origin isolation needed);
//   relaxedProbe — a one-function module that validates only where relaxed SIMD
//     is supported (src/engine/cpu/wasm/compile.ts picks the variant with it).

import { readFile } from 'node:fs/promises';
import wabtInit from 'wabt';

/** What the kernel uses beyond the MVP: SIMD, relaxed SIMD, a shared memory (threads). */
const FEATURES = { simd: true, relaxed_simd: true, threads: true };

const MADD =
  /\(f32x4\.relaxed_madd \(local\.get (\$\w+)\) \(local\.get (\$\w+)\) \(local\.get (\$\w+)\)\)/g;
const SHARED_MEMORY = / 65536 shared\)/;

const RELAXED_PROBE = `(module
  (func (export "probe") (param v128 v128 v128) (result v128)
    (f32x4.relaxed_madd (local.get 0) (local.get 1) (local.get 2))))`;

let wabt = null;

async function assemble(name, text) {
  wabt ??= wabtInit();
  const parsed = (await wabt).parseWat(name, text, FEATURES);
  try {
    // wabt.js's validate takes the features too, though its typings omit the parameter.
    parsed.validate(FEATURES);
    return parsed.toBinary({}).buffer;
  } finally {
    parsed.destroy();
  }
}

/** The four variants of one .wat source (see the top of this file), and the probe. */
export async function assembleWat(name, source) {
  if (!SHARED_MEMORY.test(source)) {
    throw new Error(`${name}: no "(memory 1 65536 shared)" import to make the variants from`);
  }
  const plainSource = source.replace(
    MADD,
    '(f32x4.add (f32x4.mul (local.get $1) (local.get $2)) (local.get $3))',
  );
  if (plainSource.replace(/;;.*$/gm, '').includes('relaxed_')) {
    throw new Error(`${name}: a relaxed SIMD op other than (f32x4.relaxed_madd (local.get …) ×3)`);
  }
  const both = async (text) => ({
    shared: await assemble(name, text),
    private: await assemble(name, text.replace(SHARED_MEMORY, ')')),
  });
  return {
    variants: { fma: await both(source), plain: await both(plainSource) },
    relaxedProbe: await assemble('relaxed-probe.wat', RELAXED_PROBE),
  };
}

const base64 = (bytes) => Buffer.from(bytes).toString('base64');

/** The JavaScript module an import of the .wat file at `path` becomes. */
export async function watModuleSource(path) {
  const { variants, relaxedProbe } = await assembleWat(path, await readFile(path, 'utf8'));
  const pair = (v) =>
    `{ shared: bytes('${base64(v.shared)}'), private: bytes('${base64(v.private)}') }`;
  return [
    'const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));',
    `export const variants = { fma: ${pair(variants.fma)}, plain: ${pair(variants.plain)} };`,
    `export const relaxedProbe = bytes('${base64(relaxedProbe)}');`,
  ].join('\n');
}
