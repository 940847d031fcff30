// Makes sure the test machine has what the GPU and browser tests run on:
// Debian's chromium (headless browser + the SwiftShader Vulkan driver it ships)
// and the Vulkan loader that Dawn for Node opens; and Debian's python3-torch
// (with numpy), which runs the exported PyTorch project's train.py in
// tests/unit/io/pytorchProject.test.ts. Installs them when missing and we are
// root; otherwise stops with a one-line instruction.
import { existsSync } from 'node:fs';
import { execSync, spawnSync } from 'node:child_process';
import { SWIFTSHADER_ICD } from './swiftshader.mjs';

const CHROMIUM = '/usr/bin/chromium';
const VULKAN_LOADERS = [
  '/usr/lib/x86_64-linux-gnu/libvulkan.so.1',
  '/usr/lib/aarch64-linux-gnu/libvulkan.so.1',
];

/** Debian's python, where python3-torch installs (a pyenv python3 first on PATH has none). */
const SYSTEM_PYTHON = '/usr/bin/python3';

function hasTorch() {
  const probe = spawnSync(SYSTEM_PYTHON, ['-c', 'import torch, numpy'], { stdio: 'ignore' });
  return probe.status === 0;
}

function missing() {
  const out = [];
  if (!existsSync(CHROMIUM) || !existsSync(SWIFTSHADER_ICD)) out.push('chromium');
  if (!VULKAN_LOADERS.some((p) => existsSync(p))) out.push('libvulkan1');
  if (!hasTorch()) out.push('python3-torch');
  return out;
}

const packages = missing();
if (packages.length > 0) {
  const command = `apt-get update -qq && apt-get install -y -qq ${packages.join(' ')}`;
  if (process.getuid?.() === 0) {
    console.log(
      `[gatescope] installing ${packages.join(', ')} (Debian) for the GPU, browser and PyTorch tests…`,
    );
    execSync(command, {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } else {
    console.error(`[gatescope] tests need Debian packages: run  sudo sh -c '${command}'`);
    process.exit(1);
  }
  const still = missing();
  if (still.length > 0) {
    console.error(`[gatescope] still missing after install: ${still.join(', ')}`);
    process.exit(1);
  }
}
