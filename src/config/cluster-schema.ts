import { z } from 'zod';

/**
 * `redis:` — the shared store of cluster mode (global rate limits, endpoint health, the response cache).
 * Absent: every node keeps its limits in memory (single-node mode).
 */
/** `redis.url`: the server; may instead be given as `storage.redis` (PRODUCT.md's shape), not both. */
export const redisUrlSchema = z
  .string()
  .regex(/^rediss?:\/\/.+/, 'must be redis://… or rediss://…')
  .optional();

export const redisConfigSchema = z.strictObject({
  url: redisUrlSchema,
  /** Every key Meridian writes starts with this, so several deployments can share one Redis. */
  key_prefix: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[^{}\s]+$/, 'must not contain braces or spaces (braces would change the Redis Cluster hash slot)')
    .default('meridian:'),
  /** Longest wait for any Redis command before the request is decided by degraded local limits (default 50 ms). */
  command_timeout_ms: z.number().int().min(1).max(5_000).optional(),
});

/** `cluster:` — this node among several behind one load balancer. */
export const clusterNodeConfigSchema = z.strictObject({
  /** This node's name in the heartbeat set (default: host name and process id). */
  node_id: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,128}$/, 'must be 1–128 characters of A-Z, a-z, 0-9, ".", "_", "-"')
    .optional(),
  /** Pins the divisor of degraded limits (limit ÷ nodes while Redis is down) instead of counting heartbeats. */
  nodes_expected: z.number().int().min(1).max(10_000).optional(),
});

/** The cluster sections of the config file; spread into the file schema with `...clusterConfigSchema.shape`. */
export const clusterConfigSchema = z.strictObject({
  redis: redisConfigSchema.optional(),
  cluster: clusterNodeConfigSchema.prefault({}),
});

export type ClusterConfig = z.infer<typeof clusterConfigSchema>;
