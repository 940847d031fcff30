// Hooks the browser tests use to inject faults into the built app: off unless
// the page's localStorage holds `gatescope:test-hooks` = '1' (a test sets it
// before the page loads; no link can). With them on, the engine worker
// accepts `testFault` messages and `window.gatescopeTest` can send them.

import type { TestFault, UiMessage } from '../worker/protocol';
import { DEFAULT_WATCHDOG, type WatchdogOptions } from './watchdog';

const STORAGE_KEY = 'gatescope:test-hooks';

function enabledByStorage(): boolean {
  try {
    return typeof localStorage !== 'undefined' && localStorage.getItem(STORAGE_KEY) === '1';
  } catch {
    return false; // storage blocked: no hooks
  }
}

export const testHooks: { enabled: boolean; watchdog: WatchdogOptions } = {
  enabled: enabledByStorage(),
  watchdog: DEFAULT_WATCHDOG,
};

/** Exposes `window.gatescopeTest` when the hooks are on. */
export function installTestHooks(send: (message: UiMessage) => void): void {
  if (!testHooks.enabled) return;
  const silence = Number(localStorage.getItem(`${STORAGE_KEY}:silence-ms`));
  if (silence > 0) {
    testHooks.watchdog = { pingEveryMs: 1000, silenceLimitMs: silence, firstStepLimitMs: silence };
  }
  (window as unknown as { gatescopeTest: unknown }).gatescopeTest = {
    injectFault: (fault: TestFault) => send({ type: 'testFault', fault }),
  };
}
