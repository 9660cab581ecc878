import type { ProviderModelRecord, ProviderRecord } from './ports.js';

/** A `providers` row as either driver returns it (instants as number on SQLite, bigint on PostgreSQL). */
export interface ProviderRow {
  readonly id: string;
  readonly protocol: ProviderRecord['protocol'];
  readonly base_url: string;
  readonly sealed_api_key: string | null;
  readonly api_key_key_id: string | null;
  readonly api_key_last_four: string | null;
  readonly models_json: string;
  readonly created_at_ms: number | bigint;
  readonly updated_at_ms: number | bigint;
}

/** A stored provider row as the port's record, for both drivers. */
export function readProviderRow(row: ProviderRow): ProviderRecord {
  return {
    id: row.id,
    protocol: row.protocol,
    baseUrl: row.base_url,
    apiKey:
      row.sealed_api_key === null || row.api_key_key_id === null
        ? null
        : { sealed: row.sealed_api_key, keyId: row.api_key_key_id, lastFour: row.api_key_last_four },
    // Written only by the provider stores, from models the route validated.
    models: JSON.parse(row.models_json) as ProviderModelRecord[],
    createdAtMs: Number(row.created_at_ms),
    updatedAtMs: Number(row.updated_at_ms),
  };
}
