// The system's light/dark preference, live: canvas and chart colours cannot
// come from CSS variables, so they follow this instead.

import { useSyncExternalStore } from 'react';

const query = typeof matchMedia === 'undefined' ? null : matchMedia('(prefers-color-scheme: dark)');

function subscribe(onChange: () => void): () => void {
  query?.addEventListener('change', onChange);
  return () => query?.removeEventListener('change', onChange);
}

export function useColorScheme(): 'light' | 'dark' {
  return useSyncExternalStore(
    subscribe,
    () => (query?.matches ? 'dark' : 'light'),
    () => 'light',
  );
}

/** The few colours drawn from script, per scheme. */
export function themeColors(scheme: 'light' | 'dark') {
  return scheme === 'dark'
    ? {
        train: '#8b83ff',
        val: '#ff922b',
        grid: '#272e4a',
        axis: '#9aa2c0',
        bg: '#1b2139',
        text: '#e6e8f2',
      }
    : {
        train: '#4f46e5',
        val: '#c2410c',
        grid: '#e2e5ef',
        axis: '#5d6684',
        bg: '#f1f3f9',
        text: '#151a2d',
      };
}
