import { pickWord } from './compose-text.js';
import { pickInteger } from './seeded-random.js';

type Schema = Record<string, unknown>;

function asSchema(value: unknown): Schema | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Schema) : undefined;
}

/** A deterministic value that satisfies a (simple) JSON Schema: objects, arrays, enums, strings, numbers, booleans. */
export function buildArguments(schema: unknown, random: () => number, depth = 0): unknown {
  const node = asSchema(schema) ?? {};
  const enumValues = node['enum'];
  if (Array.isArray(enumValues) && enumValues.length > 0) return enumValues[0];
  const type = Array.isArray(node['type']) ? (node['type'] as unknown[])[0] : node['type'];
  switch (type) {
    case 'integer':
      return pickInteger(random, 1, 100);
    case 'number':
      return pickInteger(random, 1, 1000) / 10;
    case 'boolean':
      return random() < 0.5;
    case 'array':
      return depth > 1 ? [] : [buildArguments(node['items'], random, depth + 1)];
    case 'string':
      return pickWord(random);
    default:
      return depth > 2 ? {} : buildObject(node, random, depth);
  }
}

function buildObject(node: Schema, random: () => number, depth: number): Record<string, unknown> {
  const properties = asSchema(node['properties']) ?? {};
  const required = Array.isArray(node['required']) ? (node['required'] as string[]) : Object.keys(properties);
  const object: Record<string, unknown> = {};
  for (const key of required) object[key] = buildArguments(properties[key], random, depth + 1);
  return object;
}
