import type { ServerResponse } from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { openSqliteStorage } from '../../storage/index.js';
import type { ServingStorage, Storage } from '../../storage/index.js';
import { toAsyncPort } from '../../storage/async-port.js';
import type { AsyncPort } from '../../storage/async-port.js';
import type { AppContext } from '../app-context.js';
import { createOrgMarkups } from '../org-markups.js';

/** A response that keeps what a route sent: its status and its body (`read` parses it as JSON, `text` does not). */
export function createTestResponse(): {
  readonly response: ServerResponse;
  readonly read: () => { readonly status: number | undefined; readonly body: unknown };
  readonly text: () => string | undefined;
} {
  const sent: { status?: number; body?: string } = {};
  const response = {
    writeHead: (status: number) => {
      sent.status = status;
      return response;
    },
    end: (body: string) => {
      sent.body = body;
    },
  } as unknown as ServerResponse;
  return {
    response,
    read: () => ({ status: sent.status, body: JSON.parse(sent.body ?? 'null') as unknown }),
    text: () => sent.body,
  };
}

/**
 * A port whose every call runs on a later event-loop turn and answers through a promise, as a database round trip
 * does: a write the caller does not await has not happened yet when the caller goes on.
 */
export function toLaterPort<T extends object>(port: T): AsyncPort<T> {
  const later: Record<string, unknown> = {};
  const methods = toAsyncPort(port) as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const [name, method] of Object.entries(methods)) {
    later[name] = (...args: unknown[]) => nextTurn().then(() => method(...args));
  }
  return later as AsyncPort<T>;
}

/**
 * An in-memory SQLite storage (`sqlite`, to arrange and inspect synchronously) and the same stores as the serving
 * path sees them on PostgreSQL (`storage`): every call answered on a later turn, every error a rejection. A route
 * that uses a returned promise as a value (`findOrg(id) === undefined`) answers wrongly over `storage`.
 */
export function openPromiseStorage(): { readonly sqlite: Storage; readonly storage: ServingStorage } {
  const sqlite = openSqliteStorage({ path: ':memory:' });
  const { analytics } = sqlite;
  const storage: ServingStorage = {
    driver: 'postgres',
    analytics: {
      rankings: (params) => answerLater(() => analytics.rankings(params)),
      timeSeries: (params) => answerLater(() => analytics.timeSeries(params)),
      activity: (params) => answerLater(() => analytics.activity(params)),
    },
    ledger: toLaterPort(sqlite.ledger),
    creditCodes: toLaterPort(sqlite.creditCodes),
    idempotency: sqlite.idempotency,
    generations: toLaterPort(sqlite.generations),
    generationContent: toLaterPort(sqlite.generationContent),
    generationList: toLaterPort(sqlite.generationList),
    keys: toLaterPort(sqlite.keys),
    orgs: toLaterPort(sqlite.orgs),
    providers: toLaterPort(sqlite.providers),
    ping: () => answerLater(() => sqlite.ping()),
    close: () => answerLater(() => sqlite.close()),
  };
  return { sqlite, storage };
}

/** The answer on a later turn; a throw becomes a rejection (as a query's failure does). */
function answerLater<T>(answer: () => T): Promise<T> {
  return nextTurn().then(answer);
}

/**
 * The part of the app context the management and analytics routes read (storage, clock, log), as the whole
 * context: a route that starts reading another field fails its test loudly (undefined), never silently.
 */
export function createRouteTestApp(options: {
  readonly storage: ServingStorage;
  readonly nowMs: number;
  readonly logged?: string[];
}): AppContext {
  const record = (event: string): void => void options.logged?.push(event);
  const app: Pick<AppContext, 'storage' | 'now' | 'log' | 'orgMarkups'> = {
    storage: options.storage,
    now: () => options.nowMs,
    log: { info: record, warn: record, error: record },
    orgMarkups: createOrgMarkups((orgId) => options.storage.orgs.findOrg(orgId), { now: () => options.nowMs }),
  };
  return app as AppContext;
}
