import { GatewayError } from '../errors/index.js';

/**
 * A rankings, time series or Activity query the rollups cannot answer as asked (unknown time zone, malformed
 * date, limit out of range). A GatewayError with code `invalid_request` and the offending parameter in
 * `param`, so the HTTP boundary renders it as a 400 without a catch block of its own.
 */
export class AnalyticsQueryError extends GatewayError {
  constructor(param: string, message: string) {
    super({ code: 'invalid_request', message, param });
    this.name = 'AnalyticsQueryError';
  }
}
