// What the forecast panel's two charts share: their colours (the theme's
// train and validation hues for the actual values and one-step predictions,
// the forecast's own for the rollout and the seasonal baseline), margins and
// value labels.

import { formatScore } from '../forecastData';
import { themeColors } from '../hooks/useColorScheme';

const ROLLOUT_COLOR = { light: '#0f9d58', dark: '#3ddc97' } as const;
const SEASONAL_COLOR = { light: '#9c36b5', dark: '#da77f2' } as const;

export const FORECAST_MARGIN = { top: 8, right: 16, bottom: 4, left: 0 };

export function forecastColors(scheme: 'light' | 'dark') {
  const theme = themeColors(scheme);
  return {
    ...theme,
    actual: theme.train,
    oneStep: theme.val,
    rollout: ROLLOUT_COLOR[scheme],
    seasonal: SEASONAL_COLOR[scheme],
  };
}

export const valueLabel = (v: unknown) => (typeof v === 'number' ? formatScore(v) : String(v));
