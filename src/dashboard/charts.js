// Inline SVG charts (no library, no CDN): stacked area, stacked bars and share bars. Colours come from
// styles.css classes (`series-0` … `series-7`); sizes are SVG attributes, which the CSP allows.

import { stackedAreaPaths, stackedBars, stackedMax, toMatrix } from './chart-geometry.js';
import { el, svgEl } from './dom.js';
import { formatShortDate } from './format.js';

/** Drawing area in SVG units; the value labels sit inside it, above their grid lines, so they are never cut. */
const basePlot = { height: 200, left: 8, right: 12, top: 22, bottom: 28 };
const paletteSize = 8;
/** SVG units per date label: room for "30 Nov" at the phone's larger label size. */
const labelSpacing = 130;
const seriesClass = (index) => `series-${index % paletteSize}`;

/**
 * A stacked area chart of a `/rankings/series` answer: one `<path class="area">` per key (largest at the
 * bottom), the periods' start dates along the bottom, the top value on the left, and a legend with totals.
 */
export function stackedAreaChart({
  series,
  readValue,
  formatValue,
  formatKey = String,
  className,
  label,
  width = 600,
}) {
  const plot = { ...basePlot, width };
  const values = toMatrix(series, readValue);
  const shapes = stackedAreaPaths({ values, width: plot.width, height: plot.height }).map(({ index, d }) =>
    svgEl('path', { className: `area ${seriesClass(index)}`, d, 'data-key': series.keys[index] }, [
      svgEl('title', { text: `${formatKey(series.keys[index])}: ${formatValue(sum(values[index]))}` }),
    ]),
  );
  return chartFigure({ plot, series, values, shapes, formatValue, formatKey, className, label });
}

/** The same data as stacked bars, one column per period (days of Activity); `width` in SVG units. */
export function stackedBarChart({ series, readValue, formatValue, formatKey = String, className, label, width = 600 }) {
  const plot = { ...basePlot, width };
  const values = toMatrix(series, readValue);
  const shapes = stackedBars({ values, width: plot.width, height: plot.height }).map((bar) =>
    svgEl(
      'rect',
      {
        className: `bar ${seriesClass(bar.index)}`,
        x: bar.x,
        y: bar.y,
        width: bar.width,
        height: bar.height,
        'data-key': series.keys[bar.index],
      },
      [
        svgEl('title', {
          text: `${formatShortDate(series.periods[bar.column].start)} · ${formatKey(series.keys[bar.index])}: ${formatValue(values[bar.index][bar.column])}`,
        }),
      ],
    ),
  );
  return chartFigure({ plot, series, values, shapes, formatValue, formatKey, className, label, isCentred: true });
}

function chartFigure({ plot, series, values, shapes, formatValue, formatKey, className, label, isCentred }) {
  const max = stackedMax(values);
  const width = plot.left + plot.width + plot.right;
  const height = plot.top + plot.height + plot.bottom;
  const svg = svgEl(
    'svg',
    {
      className: `chart ${className ?? ''}`.trim(),
      viewBox: `0 0 ${width} ${height}`,
      role: 'img',
      'aria-label': label,
      preserveAspectRatio: 'xMidYMid meet',
    },
    [
      ...gridLines(plot),
      svgEl('g', { transform: `translate(${plot.left} ${plot.top})` }, shapes),
      ...valueLabels(plot, max, formatValue),
      ...periodLabels(plot, series.periods, isCentred),
    ],
  );
  return el('figure', { className: 'chart-figure' }, [svg, legend(series.keys, values, formatValue, formatKey)]);
}

function gridLines(plot) {
  return [1, 0.5, 0].map((fraction) => {
    const y = plot.top + plot.height - fraction * plot.height;
    return svgEl('line', { className: 'grid', x1: plot.left, x2: plot.left + plot.width, y1: y, y2: y });
  });
}

/** The top, middle and zero values, drawn over the shapes (with a halo) just above their grid lines. */
function valueLabels(plot, max, formatValue) {
  return [1, 0.5, 0].map((fraction) =>
    svgEl('text', {
      className: 'axis value-label',
      x: plot.left + 2,
      y: plot.top + plot.height - fraction * plot.height - 5,
      text: formatValue(max * fraction),
    }),
  );
}

/**
 * Start dates under the plot, counted back from the latest so it is always labelled, one per `labelSpacing`:
 * at period edges for areas, under the column centres for bars.
 */
function periodLabels(plot, periods, isCentred) {
  const count = periods.length;
  const step = Math.max(1, Math.ceil(count / Math.max(1, Math.floor(plot.width / labelSpacing))));
  const slot = isCentred ? plot.width / count : plot.width / Math.max(1, count - 1);
  return periods.flatMap((period, index) => {
    if ((count - 1 - index) % step !== 0) return [];
    // The first and last labels align to the plot's edges, so none is cut off at either side.
    let offset = isCentred ? (index + 0.5) * slot : index * slot;
    if (count === 1) offset = plot.width / 2;
    else if (index === count - 1) offset = plot.width;
    else if (index === 0) offset = 0;
    const anchor = count === 1 ? 'middle' : index === 0 ? 'start' : index === count - 1 ? 'end' : 'middle';
    return [
      svgEl('text', {
        className: 'axis',
        x: Math.round((plot.left + offset) * 100) / 100,
        y: plot.top + plot.height + 18,
        'text-anchor': anchor,
        text: formatShortDate(period.start),
      }),
    ];
  });
}

function legend(keys, values, formatValue, formatKey) {
  return el(
    'ul',
    { className: 'legend' },
    keys.map((key, index) =>
      el('li', { 'data-key': key }, [
        svgEl('svg', { className: 'swatch', viewBox: '0 0 10 10', 'aria-hidden': 'true' }, [
          svgEl('rect', { className: seriesClass(index), width: 10, height: 10, rx: 2 }),
        ]),
        el('span', { className: 'legend-key', text: formatKey(key) }),
        el('span', { className: 'legend-value', text: formatValue(sum(values[index])) }),
      ]),
    ),
  );
}

/** A horizontal bar for a share of the total (0..1). */
export function shareBar(share) {
  const width = Math.max(0, Math.min(100, share * 100));
  return svgEl(
    'svg',
    { className: 'share-bar', viewBox: '0 0 100 8', preserveAspectRatio: 'none', 'aria-hidden': 'true' },
    [
      svgEl('rect', { className: 'share-track', width: 100, height: 8, rx: 2 }),
      svgEl('rect', { className: 'share-fill', width: Math.round(width * 100) / 100, height: 8, rx: 2 }),
    ],
  );
}

const sum = (row) => row.reduce((total, value) => total + value, 0);
