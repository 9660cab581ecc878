import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

/** The OpenAI OpenAPI spec kept as test data beside the repo (../shared/specs). */
const specUrl = new URL('../../../shared/specs/openai-openapi.json', import.meta.url);

const schemaNames = [
  'CreateChatCompletionResponse',
  'CreateChatCompletionStreamResponse',
  'ListModelsResponse',
  'ErrorResponse',
  'CreateEmbeddingResponse',
  'Response',
  'ResponseStreamEvent',
] as const;

export type SchemaName = (typeof schemaNames)[number];

/** OpenAPI 3.0 `nullable: true` → JSON Schema 2020 (`type: [T, "null"]`, or anyOf with null). */
function rewriteNullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewriteNullable);
  if (typeof node !== 'object' || node === null) return node;
  const object: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) object[key] = rewriteNullable(value);
  if (object['nullable'] === true) {
    delete object['nullable'];
    const type = object['type'];
    if (typeof type === 'string')
      return {
        ...object,
        type: [type, 'null'],
        ...(Array.isArray(object['enum']) ? { enum: [...(object['enum'] as unknown[]), null] } : {}),
      };
    return { anyOf: [object, { type: 'null' }] };
  }
  return object;
}

let validators: Map<SchemaName, ValidateFunction> | undefined;

function compile(): Map<SchemaName, ValidateFunction> {
  const spec = rewriteNullable(JSON.parse(readFileSync(specUrl, 'utf8'))) as {
    components: { schemas: Record<string, unknown> };
  };
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  (addFormatsModule as unknown as (instance: Ajv2020) => void)(ajv);
  ajv.addFormat('unixtime', true);
  ajv.addSchema({ $id: 'openai', components: spec.components });
  return new Map(schemaNames.map((name) => [name, ajv.compile({ $ref: `openai#/components/schemas/${name}` })]));
}

/** Validates a value against a named schema of the spec; returns readable error lines ([] = valid). */
export function validateSchema(name: SchemaName, value: unknown): string[] {
  validators ??= compile();
  const validate = validators.get(name)!;
  return validate(value)
    ? []
    : (validate.errors ?? []).map(
        (error) => `${error.instancePath} ${error.message ?? ''} ${JSON.stringify(error.params)}`,
      );
}
