import type { ServerResponse } from 'node:http';
import type { ResponseCache } from '../cache/index.js';
import type { SharedResponseCache } from '../cache/shared/index.js';
import type { GatewayError } from '../errors/index.js';
import type { Catalog } from '../catalog/catalog-types.js';
import type { HealthTracker } from '../health/index.js';
import type { ServingKeyService } from '../keys/index.js';
import type { RateLimiter } from '../limits/index.js';
import type { StickySessions } from '../routing/index.js';
import type { TrustedProxies } from './client-address.js';
import type { QueryTimeBudget } from './query-time-budget.js';
import type { OrgMarkups } from './org-markups.js';
import type { RetryBudget } from './retry-budget.js';
import type { ProviderAdminContext } from './routes/providers-route.js';
import type { LoginThrottle, SessionStore } from './session/index.js';
import type { GatewayMetrics, Logger, MetricsRegistry } from '../observability/index.js';
import type { EmbeddingsAdapter, InboundCodec, OutboundAdapter } from '../protocols/adapter-types.js';
import type { ProtocolId } from '../spec/index.js';

export type InboundProtocolId = 'openai-chat' | 'anthropic-messages' | 'openai-responses';
import type { GenerationWriter, ServingStorage } from '../storage/index.js';
import type { UpstreamClient } from '../upstream/index.js';

/** Everything a request handler needs, assembled once in main.ts. */
export interface AppContext {
  readonly catalog: Catalog;
  readonly keys: ServingKeyService;
  readonly storage: ServingStorage;
  readonly generationWriter: GenerationWriter;
  readonly upstream: UpstreamClient;
  readonly outbound: Readonly<Partial<Record<ProtocolId, OutboundAdapter>>>;
  readonly embeddings: Readonly<Partial<Record<ProtocolId, EmbeddingsAdapter>>>;
  /** Client-side codecs by the protocol of the route (`/v1/chat/completions`, `/v1/messages`). */
  readonly inbound: Readonly<Record<InboundProtocolId, InboundCodec>>;
  readonly log: Logger;
  /** Prometheus metrics: the gateway's set, and the registry `GET /metrics` renders. */
  readonly metrics: GatewayMetrics;
  readonly metricsRegistry: MetricsRegistry;
  /** The usage barometer's visibility (config `barometer`), and the event-loop time keyless queries may take. */
  readonly barometer: {
    readonly isPublic: boolean;
    readonly minAppRequests: number;
    readonly publicQueries: QueryTimeBudget;
  };
  readonly now: () => number;
  /** Each org's markup on upstream prices, in basis points: cached, and this node's changes apply at once. */
  readonly orgMarkups: OrgMarkups;
  /** How long a hold lives before the reconciler may expire it; a running call's hold is renewed (`liveHolds`). */
  readonly holdTtlMs: number;
  /** The holds (request ids) of this node's calls still running: renewed every `holdTtlMs / 3` until they settle. */
  readonly liveHolds: Set<string>;
  readonly rateLimiter: RateLimiter;
  /** Where rate limits are counted now: in memory (one node), in Redis, or locally while Redis is down. */
  readonly rateLimitMode: () => 'local' | 'redis' | 'degraded';
  /** Model calls between routing and their last byte (group commit waits only when others are in flight). */
  readonly callsInFlight: { count: number };
  /** Live endpoint health and circuit state (routing reads it, attempts feed it). */
  readonly health: HealthTracker;
  /** The response cache (config `cache`); undefined when it is not enabled. */
  readonly responseCache: ResponseCache | undefined;
  /** Cluster mode: the response cache shared through Redis, asked when this node's own misses (config `cache.shared`). */
  readonly sharedResponseCache?: SharedResponseCache | undefined;
  /** Conversation → the endpoint holding its prompt cache. */
  readonly stickySessions: StickySessions;
  /** Attempts and retries in flight per deployment (one retry layer, bounded per endpoint). */
  readonly retryBudget: RetryBudget;
  /** Longest time from a call's start to its first output, over all attempts. */
  readonly routingDeadlineMs: number;
  /**
   * Set when shutdown begins: readiness answers 503 so load balancers stop sending new calls. `openResponses`: HTTP
   * responses not yet closed, so shutdown can end their connections' keep-alive and close connections only once their
   * answers are out (bounded).
   */
  readonly lifecycle: { isDraining: boolean; readonly openResponses: Set<ServerResponse> };
  /**
   * Model calls in flight, so a clean shutdown can wait for them; each with a way to end it: a call still waiting for
   * its upstream gets the error as its answer, a stream that started ends with it in-band.
   */
  readonly openCalls: Map<Promise<unknown>, (error: GatewayError) => void>;
  /** Providers created through the API: the live catalog they join, the keyring and the outbound policy. */
  readonly providerAdmin: ProviderAdminContext;
  /** Dashboard sign-in sessions, in memory on this node (lost on restart). */
  readonly sessions: SessionStore;
  /** Failed dashboard sign-ins per remote address (bounds key guessing). */
  readonly loginThrottle: LoginThrottle;
  /** Reverse proxies whose `x-forwarded-for` / `x-forwarded-proto` are believed (config `server.trusted_proxies`). */
  readonly trustedProxies: TrustedProxies;
}

/** Per-request facts shared by the pipeline's steps. */
export interface CallContext {
  readonly requestId: string;
  readonly startedAtMs: number;
  readonly orgId: string;
  readonly keyId: string;
  readonly appReferer: string | null;
  readonly appTitle: string | null;
}
