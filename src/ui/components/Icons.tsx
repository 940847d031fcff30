// Small inline icons for the controls (decorative: every button has a text label).

const common = { viewBox: '0 0 16 16', 'aria-hidden': true, fill: 'currentColor' } as const;

export const PlayIcon = () => (
  <svg {...common}>
    <path d="M4 2.5v11l9-5.5z" />
  </svg>
);

export const PauseIcon = () => (
  <svg {...common}>
    <rect x="3.5" y="2.5" width="3" height="11" rx="1" />
    <rect x="9.5" y="2.5" width="3" height="11" rx="1" />
  </svg>
);

export const StepIcon = () => (
  <svg {...common}>
    <path d="M3 2.5v11l7-5.5z" />
    <rect x="11" y="2.5" width="2.5" height="11" rx="1" />
  </svg>
);

export const ResetIcon = () => (
  <svg {...common} fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round">
    <path d="M3 8a5 5 0 1 0 1.5-3.6" />
    <path d="M3 2.5v3h3" />
  </svg>
);

export const Logo = () => (
  <svg viewBox="0 0 32 32" width="30" height="30" aria-hidden="true">
    <rect width="32" height="32" rx="8" fill="var(--accent)" />
    <g fill="var(--on-accent)">
      {[0.95, 0.45, 0.75, 0.25, 0.3, 0.9, 0.5, 0.85, 0.6, 0.2, 1, 0.4].map((o, k) => (
        <rect
          key={k}
          x={6 + (k % 4) * 5}
          y={7 + Math.floor(k / 4) * 5}
          width="4"
          height="4"
          rx="1"
          opacity={o}
        />
      ))}
      <rect x="6" y="22" width="19" height="3" rx="1.5" opacity="0.9" />
    </g>
  </svg>
);
