import type { Catalog } from '../catalog/index.js';
import { GatewayError } from '../errors/index.js';
import type { HealthView } from '../health/index.js';
import { endpointKey } from '../health/index.js';
import { describeExclusions } from './describe-exclusions.js';
import { filterEndpoints } from './filter-endpoints.js';
import type { Exclusion } from './filter-endpoints.js';
import type { RouteSort } from './order-endpoints.js';
import { orderEndpoints } from './order-endpoints.js';
import type { ModelSuffix, ResolvedModel } from './resolve-endpoints.js';
import { resolveEndpoints } from './resolve-endpoints.js';
import type { RouteAttempt, RoutePlan, RoutingControls } from './routing-types.js';

/**
 * Most attempts one request makes across endpoints and fallback models. Past a
 * handful, another upstream rarely rescues a request and only adds latency before
 * the client learns of the failure; the deadline still bounds the whole call.
 */
export const routeAttemptsMax = 8;

export interface PlanRouteInput {
  readonly catalog: Catalog;
  /** The model string as the client sent it; may carry `:floor` or `:nitro`. */
  readonly model: string;
  readonly controls: RoutingControls;
  /** Request parameters the client set, by OpenRouter name (`tools`, `response_format`, `temperature`, …). */
  readonly usedParameters: ReadonlySet<string>;
  /** Kinds of input the request carries besides text (`image`, `audio`, `file`, `video`). */
  readonly usedInputModalities?: ReadonlySet<string>;
  readonly promptTokensEstimate: number;
  readonly maxOutputTokens: number | undefined;
  readonly nowMs: number;
  readonly health: HealthView;
  /** [0, 1); injected so tests can seed it. */
  readonly random: () => number;
  /**
   * The endpoint holding this conversation's prompt cache (from the sticky sessions). Read only when the requested
   * model leaves a price-ordered choice between available endpoints: most routes have one endpoint, and their calls
   * never compute a conversation key.
   */
  readonly readStickyEndpointKey?: () => string | undefined;
  /**
   * The models the calling key may use (its allow-list), when it has one: the others are left out before the plan is
   * ordered and capped, so they can neither crowd out an allowed fallback nor be described in an error.
   */
  readonly allowedModelIds?: readonly string[];
}

type CandidateModel =
  { readonly text: string; readonly resolved: ResolvedModel } | { readonly text: string; readonly error: GatewayError };

const suffixSorts: Readonly<Record<NonNullable<ModelSuffix>, RouteSort>> = { floor: 'price', nitro: 'throughput' };

/**
 * The ordered attempts for one request: the requested model's endpoints, then
 * each fallback model's (`models`), each filtered by the provider preferences and
 * ordered by `orderEndpoints`, capped at `routeAttemptsMax` (one attempt when
 * `allow_fallbacks` is false). An unknown fallback model is a 400 naming `models[i]`;
 * the requested model's own 404/503 surfaces only when no model yields an attempt.
 */
export function planRoute(input: PlanRouteInput): RoutePlan {
  const attempts: RouteAttempt[] = [];
  const reports: string[] = [];
  /** The one filter that left out every endpoint of every model planned (undefined once two differ). */
  const onlyFilters = new Set<string | undefined>();
  const plannedModelIds = new Set<string>();
  const deniedModelIds: string[] = [];
  const candidates = resolveCandidates(input);
  for (const [index, candidate] of candidates.entries()) {
    if ('error' in candidate) {
      // A fallback model that is known but has no configured provider; its message names it.
      if (index > 0) reports.push(candidate.error.message.replace(/\.$/, ''));
      continue;
    }
    // A fallback naming a model already planned (often the requested one again) adds nothing.
    if (plannedModelIds.has(candidate.resolved.model.id)) continue;
    plannedModelIds.add(candidate.resolved.model.id);
    if (input.allowedModelIds !== undefined && !input.allowedModelIds.includes(candidate.resolved.model.id)) {
      deniedModelIds.push(candidate.resolved.model.id);
      continue;
    }
    const planned = planModel(input, candidate.resolved, index === 0);
    attempts.push(...planned.attempts);
    if (planned.attempts.length === 0) reports.push(planned.report);
    onlyFilters.add(planned.onlyFilter);
  }
  if (attempts.length === 0) {
    const requested = candidates[0];
    // The requested model is unknown or has no provider: that is the client's first problem.
    if (requested !== undefined && 'error' in requested) throw requested.error;
    if (deniedModelIds.length > 0 && reports.length === 0) throw denyModels(deniedModelIds, input.allowedModelIds);
    const onlyFilter = onlyFilters.size === 1 && reports.length > 0 ? [...onlyFilters][0] : undefined;
    // Nothing is down: the request is too long for every endpoint. Retrying cannot help (400, not 503).
    if (onlyFilter === 'context') {
      throw new GatewayError({
        code: 'context_length_exceeded',
        message: `The prompt and max_tokens exceed every endpoint's context length. ${reports.join('. ')}.`,
        param: 'messages',
      });
    }
    // Nor can it when no model named takes the request's input (an image to text-only models).
    if (onlyFilter === 'input_modalities') {
      throw new GatewayError({
        code: 'invalid_request',
        message: `No model named takes this request's input. ${reports.join('. ')}.`,
        param: 'messages',
      });
    }
    throw new GatewayError({
      code: 'no_available_provider',
      message: `No provider can serve this request under its routing controls. ${reports.join('. ')}.`,
    });
  }
  if (!input.controls.provider.allowFallbacks) return { attempts: attempts.slice(0, 1) };
  return { attempts: capAttempts(attempts, input) };
}

/** Every model the request names that could be planned is one its key may not use: 403, as before any planning. */
function denyModels(deniedModelIds: readonly string[], allowed: readonly string[] = []): GatewayError {
  return new GatewayError({
    code: 'permission_denied',
    message: `This key may not use '${deniedModelIds[0]}'; it is limited to: ${allowed.join(', ')}.`,
    param: 'model',
  });
}

/**
 * At most `routeAttemptsMax` attempts. When there are more, those unavailable now (each model's last) are left out
 * first, whatever their model: a requested model whose endpoints all rest must not crowd out a fallback model that
 * could serve (the loop skips a resting endpoint at no cost, but never reaches one past the cap).
 */
function capAttempts(attempts: readonly RouteAttempt[], input: PlanRouteInput): RouteAttempt[] {
  if (attempts.length <= routeAttemptsMax) return [...attempts];
  const isAvailable = (attempt: RouteAttempt) => input.health.isAvailable(endpointKey(attempt.endpoint), input.nowMs);
  const available = attempts.filter(isAvailable);
  const unavailable = attempts.filter((attempt) => !isAvailable(attempt));
  return [...available, ...unavailable].slice(0, routeAttemptsMax);
}

function planModel(
  input: PlanRouteInput,
  resolved: ResolvedModel,
  isRequested: boolean,
): { attempts: RouteAttempt[]; report: string; onlyFilter: string | undefined } {
  const { model } = resolved;
  const preferences = input.controls.provider;
  const { kept, exclusions } = filterEndpoints({ ...input, model, preferences });
  const ordered = orderEndpoints({
    endpoints: kept,
    order: preferences.order,
    sort: preferences.sort ?? (resolved.suffix === undefined ? undefined : suffixSorts[resolved.suffix]),
    nowMs: input.nowMs,
    health: input.health,
    random: input.random,
    readStickyEndpointKey: isRequested ? input.readStickyEndpointKey : undefined,
  });
  return {
    attempts: ordered.map((endpoint) => ({ model, endpoint })),
    report: `Model '${model.id}': ${describeExclusions(exclusions)}`,
    onlyFilter: findOnlyFilter(exclusions),
  };
}

/** Resolves the requested model and every fallback up front, so a typo in `models` is a 400 every time. */
function resolveCandidates(input: PlanRouteInput): CandidateModel[] {
  const requested = resolveCandidate(input, input.model);
  const fallbacks = input.controls.fallbackModels.map((text, index) => {
    const candidate = resolveCandidate(input, text);
    if ('error' in candidate && candidate.error.code === 'model_not_found') {
      throw new GatewayError({
        code: 'invalid_request',
        message: `models[${index}]: ${candidate.error.message}`,
        param: `models[${index}]`,
        cause: candidate.error,
      });
    }
    return candidate;
  });
  return [requested, ...fallbacks];
}

function resolveCandidate(input: PlanRouteInput, text: string): CandidateModel {
  try {
    return { text, resolved: resolveEndpoints(input.catalog, text, input.nowMs) };
  } catch (error) {
    if (error instanceof GatewayError) return { text, error };
    throw error;
  }
}

/** The filter that left out every endpoint, when it was one filter for all (undefined when none was left out). */
function findOnlyFilter(exclusions: readonly Exclusion[]): string | undefined {
  const first = exclusions[0]?.filter;
  return exclusions.every((exclusion) => exclusion.filter === first) ? first : undefined;
}
