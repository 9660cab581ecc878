import type { IncomingMessage, ServerResponse } from 'node:http';
import { limits } from '../config/index.js';
import { GatewayError, toGatewayError } from '../errors/index.js';
import { createStorageUnwritableError, isSqliteWriteFailure, runInLedgerCallScope } from '../storage/index.js';
import type { KeyRecord } from '../storage/index.js';
import { metricsContentType } from '../observability/index.js';
import type { AppContext, CallContext, InboundProtocolId } from './app-context.js';
import { authenticate, hasKeyHeader, readSessionKey, requireAdmin } from './authenticate.js';
import { createRequestId } from './create-ids.js';
import { handleEmbeddingsCall } from './handle-embeddings-call.js';
import { handleModelCall } from './handle-model-call.js';
import { cacheHeaderName, cacheTtlHeaderName, readCacheRequest } from '../cache/index.js';
import { readJsonBody, readJsonBodyWithBytes } from './read-json-body.js';
import { fingerprintRequest, parseIdempotencyKey } from '../idempotency/index.js';
import { sendGeneration } from './routes/generation-route.js';
import { sendGenerationContent } from './routes/generation-content-route.js';
import { updateOrgSettingsRoute } from './routes/org-settings-route.js';
import { sendGenerations } from './routes/generations-route.js';
import {
  createCreditCodesRoute,
  createOrgRoute,
  grantCreditsRoute,
  listOrgsRoute,
  redeemCreditCodeRoute,
  sendCredits,
  sendCurrentKey,
} from './routes/credits-route.js';
import { createKeyRoute, listKeysRoute, revokeKeyRoute, rotateKeyRoute, updateKeyRoute } from './routes/keys-route.js';
import { sendModelEndpoints } from './routes/model-endpoints-route.js';
import { sendAnthropicModels, sendModel, sendModels } from './routes/models-route.js';
import { sendResponsesTokenCount, sendTokenCount } from './routes/count-tokens-route.js';
import { sendStatic } from './routes/static-route.js';
import { sendActivity, sendRankingSeries, sendRankings } from './routes/analytics-routes.js';
import type { BarometerViewer } from './routes/analytics-routes.js';
import {
  createProviderExchange,
  createProviderRoute,
  deleteProviderRoute,
  getProviderRoute,
  listProvidersRoute,
  updateProviderRoute,
} from './routes/providers-route.js';
import {
  chooseDialect,
  isAnthropicClient,
  modelPathPattern,
  normalisePath,
  readAnswerShapingHeaders,
  readHeader,
  readTextHeader,
} from './read-request.js';
import { answerWithinBudget } from './query-time-budget.js';
import { recordRequest } from './record-request.js';
import { findAllowedMethods } from './route-methods.js';
import { sendJson } from './send-json.js';
import { loginRoute, logoutRoute, sessionRoute } from './session/index.js';

/**
 * The HTTP app: one function per request. Route order and auth policy live here
 * and nowhere else; every error is rendered once, at the end, in the client's dialect.
 * OpenRouter's `/api/v1/...` paths are aliases of `/v1/...`.
 */
export function createApp(app: AppContext): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    const requestId = createRequestId();
    const startedAtMs = app.now();
    // Counted once the response is closed and the call has settled: a client that leaves a stream closes the response
    // first, and the call learns its ending (client_abort), model and provider only as it settles.
    let stepsLeft = 2;
    // A draining node answers with `connection: close`, so a proxy's kept-alive connection goes to another node.
    if (app.lifecycle.isDraining) response.shouldKeepAlive = false;
    app.lifecycle.openResponses.add(response);
    response.once('close', () => app.lifecycle.openResponses.delete(response));
    const record = (): void => {
      stepsLeft -= 1;
      if (stepsLeft === 0) recordRequest(app, { request, response, startedAtMs, requestId });
    };
    response.once('close', record);
    // Cluster mode: the request's store calls wait for an unreachable PostgreSQL once, not once each. Embedded mode has
    // no such wait, and never enters the scope: an AsyncLocalStorage in use tracks every promise of the process (+10 %
    // instructions per call, docs/benchmarks.md).
    const handle = (): Promise<void> => dispatch(app, request, response, requestId, startedAtMs);
    (app.storage.driver === 'postgres' ? runInLedgerCallScope(handle) : handle())
      .catch((error: unknown) => {
        if (isStalledBody(error)) {
          // The client stopped sending its body: answer now, without waiting for the rest, and close the connection.
          response.setHeader('connection', 'close');
          return renderFailure(app, { request, response, error, requestId });
        }
        return drainRequest(request).then(() => renderFailure(app, { request, response, error, requestId }));
      })
      .finally(record);
  };
}

async function dispatch(
  app: AppContext,
  request: IncomingMessage,
  response: ServerResponse,
  requestId: string,
  startedAtMs: number,
): Promise<void> {
  const target = request.url ?? '/';
  const queryStart = target.indexOf('?');
  const path = normalisePath(queryStart === -1 ? target : target.slice(0, queryStart));
  // HEAD is answered as GET, without the body (node:http drops it): load balancers probe /healthz so.
  const method = request.method === 'HEAD' ? 'GET' : (request.method ?? 'GET');
  if (method === 'GET' && sendStatic(response, path)) return;
  switch (`${method} ${path}`) {
    case 'GET /healthz':
      return sendJson(response, 200, { status: 'ok' }, requestId);
    case 'GET /readyz':
      return sendReadiness(response, app, requestId);
    case 'GET /metrics': {
      requireAdmin(await authenticate(request, app));
      const page = app.metricsRegistry.render();
      response.writeHead(200, { 'content-type': metricsContentType, 'content-length': Buffer.byteLength(page) });
      return void response.end(page);
    }
    case 'GET /v1/models':
      return isAnthropicClient(request)
        ? sendAnthropicModels(response, app.catalog, requestId)
        : sendModels(response, app.catalog, requestId);
    case 'POST /v1/chat/completions':
      return callModel(app, { request, response, requestId, startedAtMs, protocol: 'openai-chat', path });
    case 'POST /v1/messages':
      return callModel(app, { request, response, requestId, startedAtMs, protocol: 'anthropic-messages', path });
    case 'POST /v1/responses':
      return callModel(app, { request, response, requestId, startedAtMs, protocol: 'openai-responses', path });
    case 'POST /v1/embeddings': {
      const key = await authenticate(request, app);
      const { value: body, bytes } = await readJsonBodyWithBytes(request, limits.requestBodyBytesMax);
      const call = createCallContext(request, key, { requestId, startedAtMs });
      return runIdempotently(app, { request, response, key, path, bytes }, () =>
        handleEmbeddingsCall(app, call, { body, response, key }),
      );
    }
    case 'POST /v1/responses/input_tokens': {
      const { orgId } = await authenticate(request, app);
      const body = await readJsonBody(request, limits.requestBodyBytesMax);
      return sendResponsesTokenCount(response, { app, body, orgId, requestId });
    }
    case 'POST /v1/messages/count_tokens': {
      await authenticate(request, app);
      const body = await readJsonBody(request, limits.requestBodyBytesMax);
      return sendTokenCount(response, { app, body, requestId });
    }
    case 'GET /v1/generation':
      return sendGeneration(response, {
        url: new URL(target, 'http://gateway.invalid'),
        key: await authenticate(request, app),
        store: app.storage.generations,
        requestId,
      });
    case 'GET /v1/generation/content':
      return sendGenerationContent(response, {
        url: new URL(target, 'http://gateway.invalid'),
        key: await authenticate(request, app),
        store: app.storage.generationContent,
        nowMs: app.now(),
        requestId,
      });
    case 'GET /v1/rankings':
    case 'GET /v1/rankings/series': {
      const input = {
        url: new URL(target, 'http://gateway.invalid'),
        viewer: await readBarometerViewer(app, request),
        requestId,
        minAppRequests: app.barometer.minAppRequests,
      };
      const send = (): Promise<void> =>
        path === '/v1/rankings' ? sendRankings(response, app, input) : sendRankingSeries(response, app, input);
      return input.viewer.kind === 'public' ? answerWithinBudget(app.barometer.publicQueries, send) : send();
    }
    case 'GET /v1/activity': {
      const key = await authenticate(request, app);
      const url = new URL(target, 'http://gateway.invalid');
      return sendActivity(response, app, { url, viewer: { kind: 'key', key }, key, requestId, minAppRequests: 0 });
    }
    case 'POST /v1/dashboard/login':
      return loginRoute(app, { request, response, requestId });
    case 'GET /v1/dashboard/session':
      return sessionRoute(app, { request, response, requestId });
    case 'POST /v1/dashboard/logout':
      return logoutRoute(app, { request, response, requestId });
    case 'GET /v1/key':
      return sendCurrentKey(response, app, await authenticate(request, app), requestId);
    case 'GET /v1/credits':
      return sendCredits(response, app, await authenticate(request, app), requestId);
    case 'POST /v1/credit-codes': {
      requireAdmin(await authenticate(request, app));
      const body = await readJsonBody(request, limits.requestBodyBytesMax);
      return createCreditCodesRoute(response, app, body, requestId);
    }
    case 'POST /v1/credits/redeem': {
      const key = await authenticate(request, app);
      const body = await readJsonBody(request, limits.requestBodyBytesMax);
      return redeemCreditCodeRoute(response, app, { key, body, requestId });
    }
    case 'GET /v1/orgs':
      requireAdmin(await authenticate(request, app));
      return listOrgsRoute(response, app, requestId);
    case 'POST /v1/orgs': {
      requireAdmin(await authenticate(request, app));
      const body = await readJsonBody(request, limits.requestBodyBytesMax);
      return createOrgRoute(response, app, body, requestId);
    }
    case 'GET /v1/keys':
      requireAdmin(await authenticate(request, app));
      return listKeysRoute(response, app.keys, requestId);
    case 'POST /v1/keys': {
      requireAdmin(await authenticate(request, app));
      const body = await readJsonBody(request, limits.requestBodyBytesMax);
      return createKeyRoute(response, { body, keys: app.keys, orgs: app.storage.orgs, requestId });
    }
    case 'GET /v1/generations': {
      const url = new URL(target, 'http://gateway.invalid');
      const key = await authenticate(request, app);
      return sendGenerations(response, {
        url,
        key,
        store: app.storage.generationList,
        orgs: app.storage.orgs,
        requestId,
      });
    }
    case 'GET /v1/providers':
      requireAdmin(await authenticate(request, app));
      return listProvidersRoute(response, createProviderExchange(app, requestId));
    case 'POST /v1/providers': {
      requireAdmin(await authenticate(request, app));
      const body = await readJsonBody(request, limits.requestBodyBytesMax);
      return createProviderRoute(response, { ...createProviderExchange(app, requestId), body });
    }
    default:
      return dispatchPattern(app, request, response, { method, path, requestId });
  }
}

async function callModel(
  app: AppContext,
  exchange: {
    readonly request: IncomingMessage;
    readonly response: ServerResponse;
    readonly requestId: string;
    readonly startedAtMs: number;
    readonly protocol: InboundProtocolId;
    readonly path: string;
  },
): Promise<void> {
  const { request, response } = exchange;
  const key = await authenticate(request, app);
  const { value: body, bytes } = await readJsonBodyWithBytes(request, limits.requestBodyBytesMax);
  const call = createCallContext(request, key, exchange);
  const cache = readCacheRequest({
    cache: app.responseCache,
    header: readHeader(request, cacheHeaderName) ?? undefined,
    ttlHeader: readHeader(request, cacheTtlHeaderName) ?? undefined,
    orgId: key.orgId,
    protocol: exchange.protocol,
    body: bytes,
    variant: readAnswerShapingHeaders(request),
  });
  return runIdempotently(app, { request, response, key, path: exchange.path, bytes }, () =>
    handleModelCall(app, call, { inbound: app.inbound[exchange.protocol], body, bytes, request, response, key, cache }),
  );
}

/** A paid call under its `Idempotency-Key`, when it has one: replayed, or refused for another body (docs/credits.md). */
function runIdempotently(
  app: AppContext,
  exchange: {
    readonly request: IncomingMessage;
    readonly response: ServerResponse;
    readonly key: KeyRecord;
    readonly path: string;
    readonly bytes: Buffer;
  },
  run: () => Promise<void>,
): Promise<void> {
  // Every line, an empty one included: a key that came out empty or twice is refused, never silently ignored.
  const idempotencyKey = exchange.request.headersDistinct['idempotency-key'];
  if (idempotencyKey === undefined) return run();
  return app.storage.idempotency.run(
    {
      keyId: exchange.key.id,
      idempotencyKey: parseIdempotencyKey(idempotencyKey),
      fingerprint: fingerprintRequest('POST', exchange.path, exchange.bytes),
      response: exchange.response,
    },
    run,
  );
}

function createCallContext(
  request: IncomingMessage,
  key: KeyRecord,
  ids: { readonly requestId: string; readonly startedAtMs: number },
): CallContext {
  return {
    requestId: ids.requestId,
    startedAtMs: ids.startedAtMs,
    orgId: key.orgId,
    keyId: key.id,
    appReferer: readTextHeader(request, 'http-referer') ?? readTextHeader(request, 'referer'),
    appTitle: readTextHeader(request, 'x-title'),
  };
}

async function dispatchPattern(
  app: AppContext,
  request: IncomingMessage,
  response: ServerResponse,
  target: { readonly method: string; readonly path: string; readonly requestId: string },
): Promise<void> {
  const creditsMatch = /^\/v1\/orgs\/([a-z0-9-]+)\/credits$/.exec(target.path);
  if (creditsMatch !== null && target.method === 'POST') {
    requireAdmin(await authenticate(request, app));
    const body = await readJsonBody(request, limits.requestBodyBytesMax);
    return grantCreditsRoute(response, app, { orgId: creditsMatch[1]!, body, requestId: target.requestId });
  }
  const orgMatch = /^\/v1\/orgs\/([a-z0-9-]+)$/.exec(target.path);
  if (orgMatch !== null && target.method === 'PATCH') {
    requireAdmin(await authenticate(request, app));
    const body = await readJsonBody(request, limits.requestBodyBytesMax);
    return updateOrgSettingsRoute(response, app, { orgId: orgMatch[1]!, body, requestId: target.requestId });
  }
  const modelMatch = modelPathPattern.exec(target.path);
  if (modelMatch !== null && target.method === 'GET') {
    return sendModel(response, {
      catalog: app.catalog,
      encodedSlug: modelMatch[1]!,
      isAnthropic: isAnthropicClient(request),
      requestId: target.requestId,
    });
  }
  // Any slug: an unknown one (upper case, an odd character) is 404 model_not_found, as route-methods.ts expects.
  const endpointsMatch = /^\/v1\/models\/([^/]+\/[^/]+)\/endpoints$/.exec(target.path);
  if (endpointsMatch !== null && target.method === 'GET') {
    return sendModelEndpoints(response, {
      catalog: app.catalog,
      health: app.health,
      slug: endpointsMatch[1]!,
      nowMs: app.now(),
      requestId: target.requestId,
    });
  }
  const keyMatch = /^\/v1\/keys\/([A-Za-z0-9_-]+)$/.exec(target.path);
  const rotateMatch = /^\/v1\/keys\/([A-Za-z0-9_-]+)\/rotate$/.exec(target.path);
  if (rotateMatch !== null && target.method === 'POST') {
    requireAdmin(await authenticate(request, app));
    return rotateKeyRoute(response, { id: rotateMatch[1]!, keys: app.keys, requestId: target.requestId });
  }
  if (keyMatch !== null && target.method === 'PATCH') {
    requireAdmin(await authenticate(request, app));
    const body = await readJsonBody(request, limits.requestBodyBytesMax);
    return updateKeyRoute(response, { id: keyMatch[1]!, body, keys: app.keys, requestId: target.requestId });
  }
  if (keyMatch !== null && target.method === 'DELETE') {
    requireAdmin(await authenticate(request, app));
    return revokeKeyRoute(response, { id: keyMatch[1]!, keys: app.keys, requestId: target.requestId });
  }
  const providerMatch = /^\/v1\/providers\/([a-z0-9-]+)$/.exec(target.path);
  if (providerMatch !== null && ['GET', 'PATCH', 'DELETE'].includes(target.method)) {
    requireAdmin(await authenticate(request, app));
    const exchange = { ...createProviderExchange(app, target.requestId), id: providerMatch[1]! };
    if (target.method === 'GET') return getProviderRoute(response, exchange);
    if (target.method === 'DELETE') return deleteProviderRoute(response, exchange);
    const body = await readJsonBody(request, limits.requestBodyBytesMax);
    return updateProviderRoute(response, { ...exchange, body });
  }
  return refuseUnrouted(request, response, target);
}

/** 405 with `Allow` when the path has a route for other methods; else 404. Messages name the path as the client sent it. */
function refuseUnrouted(
  request: IncomingMessage,
  response: ServerResponse,
  target: { readonly method: string; readonly path: string },
): never {
  const sentPath = (request.url ?? '/').split('?', 1)[0] ?? '/';
  const allowed = findAllowedMethods(target.path);
  if (allowed.length === 0) {
    throw new GatewayError({ code: 'not_found', message: `No route for ${target.method} ${sentPath}.` });
  }
  response.setHeader('allow', allowed.join(', '));
  throw new GatewayError({
    code: 'method_not_allowed',
    message: `${sentPath} does not answer ${request.method ?? target.method}; it answers ${allowed.join(', ')}.`,
  });
}

/** Ready = storage answers and the node is not draining; 503 otherwise, with what failed. */
async function sendReadiness(response: ServerResponse, app: AppContext, requestId: string): Promise<void> {
  let storage = 'ok';
  try {
    await app.storage.ping();
  } catch {
    storage = 'unavailable';
  }
  const isReady = storage === 'ok' && !app.lifecycle.isDraining;
  const rateLimits = app.rateLimitMode();
  const checks = { storage, draining: app.lifecycle.isDraining, rate_limits: rateLimits };
  // Degraded still serves (limits counted locally): a 503 would make the load balancer drop every node at once.
  const status = !isReady ? 'unavailable' : rateLimits === 'degraded' ? 'degraded' : 'ready';
  sendJson(response, isReady ? 200 : 503, { status, checks }, requestId);
}

/**
 * The public barometer needs no key; with a key or a live session cookie (or when it is not public) the key
 * decides what is seen. On the public barometer a cookie naming no live session is the public view, not a 401.
 */
async function readBarometerViewer(app: AppContext, request: IncomingMessage): Promise<BarometerViewer> {
  if (app.barometer.isPublic && !hasKeyHeader(request)) {
    const key = await readSessionKey(request, app);
    return key === undefined ? { kind: 'public' } : { kind: 'key', key };
  }
  return { kind: 'key', key: await authenticate(request, app) };
}

/** How long an error answer waits for the rest of an unread request body to arrive (and be discarded). */
const errorDrainWaitMs = 2_000;

/**
 * An error found before the body was read (unknown route, bad key): the rest of the body is read and discarded
 * before the answer, so a client still uploading reads the error instead of hitting a closed socket (EPIPE).
 */
function isStalledBody(error: unknown): boolean {
  return error instanceof GatewayError && error.code === 'request_timeout';
}

function drainRequest(request: IncomingMessage): Promise<void> {
  if (request.complete || request.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, errorDrainWaitMs);
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    request.once('end', done).once('close', done).once('error', done);
    request.resume();
  });
}

function renderFailure(
  app: AppContext,
  failure: {
    readonly request: IncomingMessage;
    readonly response: ServerResponse;
    readonly error: unknown;
    readonly requestId: string;
  },
): void {
  const { response, requestId } = failure;
  // A management write on a database that cannot be written (a full disk) is the node's condition, not a bug.
  const isUnwritable = isSqliteWriteFailure(failure.error);
  if (isUnwritable) app.log.error('storage_write_failed', { requestId, error: String(failure.error) });
  const gatewayError = isUnwritable ? createStorageUnwritableError(failure.error) : toGatewayError(failure.error);
  if (gatewayError.code === 'internal_error') {
    app.log.error('internal_error', {
      requestId,
      error: String((gatewayError.cause as Error | undefined)?.stack ?? gatewayError.cause),
    });
  }
  if (response.headersSent || response.destroyed) {
    if (!response.writableEnded) response.destroy();
    return;
  }
  const rendered = app.inbound[chooseDialect(failure.request)].renderError(gatewayError, requestId);
  response.writeHead(rendered.status, {
    ...rendered.headers,
    'content-length': Buffer.byteLength(rendered.body),
    // Out of descriptors: the client's socket is closed after the answer, not kept idle (up to 65 s) holding one.
    ...(gatewayError.code === 'gateway_overloaded' ? { connection: 'close' } : {}),
  });
  response.end(rendered.body);
}
