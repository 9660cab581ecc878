import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { clusterConfigSchema } from './cluster-schema.js';

/** The way the file schema takes these sections: spread into its strict object. */
const fileSchema = z.strictObject({ server: z.strictObject({}).optional(), ...clusterConfigSchema.shape });

describe('clusterConfigSchema', () => {
  it('defaults to no Redis and an empty cluster section', () => {
    expect(fileSchema.parse({})).toEqual({ cluster: {} });
  });

  it('accepts the documented shape and fills the key prefix', () => {
    const parsed = fileSchema.parse({
      redis: { url: 'redis://127.0.0.1:6379/0', command_timeout_ms: 80 },
      cluster: { node_id: 'gw-1.eu', nodes_expected: 3 },
    });
    expect(parsed).toEqual({
      redis: { url: 'redis://127.0.0.1:6379/0', key_prefix: 'meridian:', command_timeout_ms: 80 },
      cluster: { node_id: 'gw-1.eu', nodes_expected: 3 },
    });
  });

  it.each([
    [{ redis: { url: 'http://127.0.0.1:6379' } }, ['redis', 'url']],
    [{ redis: { url: 'redis://h', key_prefix: 'a{b}:' } }, ['redis', 'key_prefix']],
    [{ redis: { url: 'redis://h', command_timeout_ms: 0 } }, ['redis', 'command_timeout_ms']],
    [{ redis: { url: 'redis://h', extra: 1 } }, ['redis']],
    [{ cluster: { nodes_expected: 0 } }, ['cluster', 'nodes_expected']],
    [{ cluster: { node_id: 'has space' } }, ['cluster', 'node_id']],
  ])('refuses %j at %j', (input, path) => {
    const result = fileSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path)).toEqual([path]);
  });
});
