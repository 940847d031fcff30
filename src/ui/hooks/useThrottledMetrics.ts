// Reads the hot metrics at a chosen rate: the subscription itself never
// re-renders; a timer picks up the latest snapshot if it changed and hands it
// to React as a low-priority update.

import { startTransition, useEffect, useState } from 'react';
import { metrics, type MetricsSnapshot } from '../../store/metrics';

export function useThrottledMetrics(intervalMs: number): MetricsSnapshot {
  const [snapshot, setSnapshot] = useState(metrics.get);
  useEffect(() => {
    let latest = metrics.get();
    let shown = latest.version;
    const unsubscribe = metrics.subscribe((s) => {
      latest = s;
    });
    const timer = setInterval(() => {
      if (latest.version !== shown) {
        shown = latest.version;
        const next = latest;
        // A transition: React may split the redraw into short slices between frames.
        startTransition(() => setSnapshot(next));
      }
    }, intervalMs);
    return () => {
      unsubscribe();
      clearInterval(timer);
    };
  }, [intervalMs]);
  return snapshot;
}
