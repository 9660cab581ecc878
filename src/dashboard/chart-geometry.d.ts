// Types of chart-geometry.js (plain JavaScript served to the browser as is) for the TypeScript tests beside it.
export interface SeriesAnswer<V> {
  readonly keys: readonly string[];
  readonly periods: readonly { readonly startMs: number }[];
  readonly points: readonly { readonly periodStartMs: number; readonly key: string; readonly value: V }[];
}
export interface Bar {
  readonly index: number;
  readonly column: number;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}
export function toMatrix<V>(series: SeriesAnswer<V>, readValue: (value: V) => number | null): number[][];
export function stackedMax(values: readonly (readonly number[])[]): number;
export function stackedAreaPaths(options: {
  readonly values: readonly (readonly number[])[];
  readonly width: number;
  readonly height: number;
}): { readonly index: number; readonly d: string }[];
export function stackedBars(options: {
  readonly values: readonly (readonly number[])[];
  readonly width: number;
  readonly height: number;
  readonly gapRatio?: number;
}): Bar[];
