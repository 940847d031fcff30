// The origin's storage quota, asked before a save so a full disk is refused
// with numbers (how much is used, how much the save needs) instead of failing
// halfway through a write.

import { StorageFullError } from './errors';

/** What the quota check reads of navigator.storage. */
export type StorageEstimator = Pick<StorageManager, 'estimate'>;

/** navigator.storage where it can estimate (a page or a worker), else null. */
export function defaultStorage(): StorageEstimator | null {
  const nav = (globalThis as { navigator?: { storage?: StorageManager } }).navigator;
  return nav?.storage?.estimate ? nav.storage : null;
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/**
 * Throws StorageFullError when `bytesNeeded` more would exceed the origin's
 * quota. Returns the estimate, or null when the browser gives none.
 */
export async function checkQuota(
  bytesNeeded: number,
  storage: StorageEstimator | null = defaultStorage(),
): Promise<{ usage: number; quota: number } | null> {
  if (!storage) return null;
  let estimate: StorageEstimate;
  try {
    estimate = await storage.estimate();
  } catch {
    return null; // No estimate is no reason to refuse a save; the write itself will tell.
  }
  const { usage, quota } = estimate;
  if (usage === undefined || quota === undefined) return null;
  if (usage + bytesNeeded > quota) {
    throw new StorageFullError(
      `browser storage is full: ${mb(usage)} used of ${mb(quota)}, and saving this run needs ` +
        `${mb(bytesNeeded)} more. Delete saved runs or export this one to a file.`,
      usage,
      quota,
    );
  }
  return { usage, quota };
}
