import type {
  ActivityParams,
  ActivityResult,
  MeasureValue,
  RankingsParams,
  RankingsResult,
  TimeSeriesParams,
  TimeSeriesResult,
  UsageMeasure,
} from '../../analytics/index.js';
import type { AnalyticsStore } from '../ports.js';

/**
 * {@link AnalyticsStore} answering through promises. Spelled out rather than `AsyncPort<AnalyticsStore>`: its
 * methods are generic in the measure (spend is bigint, counts are numbers), and a mapped type would erase that
 * to `number | bigint`.
 */
export interface AsyncAnalyticsStore {
  rankings<M extends UsageMeasure>(params: RankingsParams<M>): Promise<RankingsResult<MeasureValue<M>>>;
  timeSeries<M extends UsageMeasure>(params: TimeSeriesParams<M>): Promise<TimeSeriesResult<MeasureValue<M>>>;
  activity(params: ActivityParams): Promise<ActivityResult>;
}

/** The SQLite analytics behind the asynchronous interface: each call runs now; a refused query rejects. */
export function toAsyncAnalyticsStore(store: AnalyticsStore): AsyncAnalyticsStore {
  const settle = <T>(read: () => T): Promise<T> => {
    try {
      return Promise.resolve(read());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  };
  return {
    rankings: (params) => settle(() => store.rankings(params)),
    timeSeries: (params) => settle(() => store.timeSeries(params)),
    activity: (params) => settle(() => store.activity(params)),
  };
}
