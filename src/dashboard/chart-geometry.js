// Geometry of the dashboard's SVG charts: stacked areas and stacked bars from a dense matrix of values.
// Pure functions (no DOM), unit-tested in chart-geometry.test.ts; charts.js turns the shapes into SVG.

/** Coordinates are rounded to 1/100 of a unit: short paths, stable text. */
const round = (value) => Math.round(value * 100) / 100;

/**
 * A `/api/v1/rankings/series` answer → `values[keyIndex][periodIndex]` in `keys` order (largest first), with
 * `readValue` turning a point's value into a number (spend is `{usd, nanos}`).
 */
export function toMatrix(series, readValue) {
  const keyIndex = new Map(series.keys.map((key, index) => [key, index]));
  const periodIndex = new Map(series.periods.map((period, index) => [period.startMs, index]));
  const values = series.keys.map(() => series.periods.map(() => 0));
  for (const point of series.points) {
    const row = keyIndex.get(point.key);
    const column = periodIndex.get(point.periodStartMs);
    if (row !== undefined && column !== undefined) values[row][column] = readValue(point.value) ?? 0;
  }
  return values;
}

/** The largest column total (the chart's top), 0 when every value is 0. */
export function stackedMax(values) {
  const columns = values[0]?.length ?? 0;
  let max = 0;
  for (let column = 0; column < columns; column += 1) {
    max = Math.max(
      max,
      values.reduce((sum, row) => sum + row[column], 0),
    );
  }
  return max;
}

/**
 * One closed path per series, the first at the bottom: along its top edge left to right, back along its base.
 * A single period is drawn as a flat band across the width. Empty when every value is 0.
 */
export function stackedAreaPaths({ values, width, height }) {
  const max = stackedMax(values);
  if (max === 0) return [];
  const columns = values[0].length;
  const xs =
    columns === 1 ? [0, width] : Array.from({ length: columns }, (_, column) => (column * width) / (columns - 1));
  const at = (column) => (columns === 1 ? 0 : column);
  const base = xs.map(() => 0);
  return values.map((row, index) => {
    const top = xs.map((_, point) => base[point] + row[at(point)]);
    const y = (total) => round(height - (total / max) * height);
    const upper = xs.map((x, point) => `${round(x)},${y(top[point])}`);
    const lower = xs.map((x, point) => `${round(x)},${y(base[point])}`).reverse();
    top.forEach((total, point) => (base[point] = total));
    return { index, d: `M${upper.join(' L')} L${lower.join(' L')} Z` };
  });
}

/**
 * Stacked bars, one column per period, the first series at the bottom; `gapRatio` of each column is left empty
 * (half on each side). Zero values make no bar.
 */
export function stackedBars({ values, width, height, gapRatio = 0.2 }) {
  const max = stackedMax(values);
  if (max === 0) return [];
  const columns = values[0].length;
  const columnWidth = width / columns;
  const bars = [];
  for (let column = 0; column < columns; column += 1) {
    let total = 0;
    values.forEach((row, index) => {
      const value = row[column];
      if (value <= 0) return;
      const top = height - ((total + value) / max) * height;
      const bottom = height - (total / max) * height;
      bars.push({
        index,
        column,
        x: round(column * columnWidth + (columnWidth * gapRatio) / 2),
        y: round(top),
        width: round(columnWidth * (1 - gapRatio)),
        height: round(bottom - top),
      });
      total += value;
    });
  }
  return bars;
}
