// Under a gate heatmap of a forecast model, what the characters of a text
// would be: the probed stretch of the series as a small line, one point per
// heatmap column (the SVG is stretched to the map's width, so a point sits
// over its column), with the first and last row numbered and the column named.
//
// Dimension legend: P rows of the stretch.

import { memo } from 'react';
import { stripPath } from '../forecastData';
import { themeColors, useColorScheme } from '../hooks/useColorScheme';

/** The path's own box: P units wide (one per row), this tall. */
const BOX_HEIGHT = 40;

export const SeriesStrip = memo(function SeriesStrip({
  start,
  name,
  values,
}: {
  /** Data row of the first value. */
  start: number;
  /** The target column drawn. */
  name: string;
  values: Float64Array;
}) {
  const colors = themeColors(useColorScheme());
  const P = values.length;
  return (
    <div className="series-strip">
      <svg
        viewBox={`0 0 ${Math.max(1, P)} ${BOX_HEIGHT}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={`${name} values, rows ${start} to ${start + P - 1}`}
      >
        <path
          d={stripPath(values, P, BOX_HEIGHT)}
          fill="none"
          stroke={colors.train}
          strokeWidth={1.5}
          vectorEffect="non-scaling-stroke"
        />
      </svg>
      <div className="row between hint">
        <span>row {start.toLocaleString('en-US')}</span>
        <span>{name}</span>
        <span>row {(start + P - 1).toLocaleString('en-US')}</span>
      </div>
    </div>
  );
});
