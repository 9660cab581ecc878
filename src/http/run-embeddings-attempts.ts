import type { Endpoint, Model } from '../catalog/catalog-types.js';
import { GatewayError, toGatewayError } from '../errors/index.js';
import { endpointKey } from '../health/index.js';
import type { EmbeddingsAdapter, OutboundAdapter } from '../protocols/adapter-types.js';
import { orderEndpoints, routeAttemptsMax } from '../routing/index.js';
import { CallAbort } from '../upstream/index.js';
import type { AppContext } from './app-context.js';
import { canFailOver, classifyFailure } from './classify-failure.js';
import { failureSample, nothingTried, soonerAvailable, unavailable } from './run-attempts.js';

/** An endpoint of an embeddings model with the adapters that can call it. */
export interface EmbeddingsCandidate {
  readonly endpoint: Endpoint;
  readonly embeddings: EmbeddingsAdapter;
  readonly chat: OutboundAdapter;
}

/**
 * The endpoints an embeddings call may try, in the chat calls' default order (available first, weighted by the
 * inverse square of price; at most `routeAttemptsMax`); 503 when none speaks an embeddings protocol.
 */
export function planEmbeddingsCandidates(
  app: AppContext,
  endpoints: readonly Endpoint[],
  nowMs: number,
): EmbeddingsCandidate[] {
  const candidates = endpoints.flatMap((endpoint) => {
    const embeddings = app.embeddings[endpoint.provider.protocol];
    const chat = app.outbound[endpoint.provider.protocol];
    return embeddings === undefined || chat === undefined ? [] : [{ endpoint, embeddings, chat }];
  });
  if (candidates.length === 0) {
    throw new GatewayError({
      code: 'no_available_provider',
      message: 'No configured endpoint of this model speaks an embeddings protocol this gateway can call.',
    });
  }
  const ordered = orderEndpoints({
    endpoints: candidates.map((candidate) => candidate.endpoint),
    order: undefined,
    sort: undefined,
    nowMs,
    health: app.health,
    random: Math.random,
    readStickyEndpointKey: undefined,
  });
  return ordered
    .slice(0, routeAttemptsMax)
    .map((endpoint) => candidates.find((candidate) => candidate.endpoint === endpoint)!);
}

/** What the attempt loop needs of its call: whether the client left, and where to put the running attempt's abort. */
export interface EmbeddingsCallState {
  current: CallAbort | undefined;
  readonly isStopped: () => boolean;
  readonly hasAnswered: () => boolean;
}

/**
 * Tries the candidates in order like the chat attempt loop (`run-attempts.ts`): an endpoint fault before the answer
 * fails over to the next (within the retry budget and the call's deadline), a client mistake does not, and every
 * outcome feeds endpoint health. Returns what the serving attempt returned.
 */
export async function runEmbeddingsAttempts<Result>(
  app: AppContext,
  input: {
    readonly model: Model;
    readonly candidates: readonly EmbeddingsCandidate[];
    readonly deadlineAtMs: number;
    readonly state: EmbeddingsCallState;
  },
  attempt: (candidate: EmbeddingsCandidate, abort: CallAbort) => Promise<Result>,
): Promise<Result> {
  const { state } = input;
  let lastError: GatewayError | undefined;
  let hasTried = false;
  // Of the candidates skipped as unavailable, the one that can serve again soonest (as in run-attempts.ts).
  let resting: GatewayError | undefined;
  for (const candidate of input.candidates) {
    if (state.isStopped() || app.now() >= input.deadlineAtMs) break;
    const key = endpointKey(candidate.endpoint);
    if (!app.health.tryAdmit(key, app.now())) {
      resting = soonerAvailable(
        resting,
        unavailable(
          { model: input.model, endpoint: candidate.endpoint },
          app.health.snapshot(key, app.now()),
          app.now(),
        ),
      );
      continue;
    }
    // Over its deployment's retry budget, a fallback is not sent there (as in run-attempts.ts).
    const releaseAttempt = app.retryBudget.tryAcquire(key, hasTried);
    if (releaseAttempt === undefined) {
      app.health.release(key);
      continue;
    }
    hasTried = true;
    const abort = new CallAbort();
    state.current = abort;
    try {
      const result = await attempt(candidate, abort);
      app.health.recordSuccess(key, { nowMs: app.now(), ttftMs: undefined, tokensPerSecond: undefined });
      return result;
    } catch (error) {
      lastError = toGatewayError(error);
      const kind = classifyFailure(lastError);
      if (kind === undefined || state.isStopped()) app.health.release(key);
      else app.health.recordFailure(key, failureSample(app.now(), kind, lastError));
      // A context-length error is the input's: every endpoint of the model would refuse it alike.
      const isEndpointFault = canFailOver(lastError) && lastError.code !== 'context_length_exceeded';
      if (state.hasAnswered() || state.isStopped() || !isEndpointFault) throw error;
    } finally {
      releaseAttempt();
    }
  }
  throw lastError ?? resting ?? nothingTried();
}
