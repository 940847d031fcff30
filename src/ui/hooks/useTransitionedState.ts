// A store value rendered as a transition. zustand updates render synchronously
// (useSyncExternalStore), in one task however big the redraw; for a large
// view fed every second or so (the gate snapshot: six heatmaps and a coloured
// text) that one task can grow long on a slow machine. Handing the value to
// React in startTransition lets it render between frames, in short slices.

import { startTransition, useEffect, useState } from 'react';
import { useApp, type AppState } from '../../store/app';

/** `select` must be stable (defined at module level): it is subscribed once. */
export function useTransitionedState<T>(select: (state: AppState) => T): T {
  const [value, setValue] = useState(() => select(useApp.getState()));
  useEffect(() => {
    const hand = (next: T) => startTransition(() => setValue(() => next));
    // What changed between the first render and this subscription, if anything.
    const now = select(useApp.getState());
    if (now !== value) hand(now);
    return useApp.subscribe((state, previous) => {
      const next = select(state);
      if (next !== select(previous)) hand(next);
    });
    // Subscribed once: `value` is only read to catch up at the start.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [select]);
  return value;
}
