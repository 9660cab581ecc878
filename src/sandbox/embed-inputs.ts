import { limits } from '../config/limits.js';
import { countSandboxTokens } from './generate-reply.js';
import { createSeededRandom, hashText } from './seeded-random.js';

/** The sandbox's vector length when the request names none (at most `limits.sandboxEmbeddingDimensionsMax`). */
export const sandboxEmbeddingDimensionsDefault = 256;
const { sandboxEmbeddingDimensionsMax, sandboxEmbeddingInputsMax } = limits;

export interface SandboxEmbeddings {
  readonly vectors: readonly number[][];
  readonly promptTokens: number;
}

/** A request the sandbox refuses: the parameter and why (a 400 in OpenAI's shape). */
export class SandboxEmbeddingsError extends Error {
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Deterministic unit vectors for an OpenAI `/embeddings` body: each input's vector is seeded by its text (equal
 * texts, equal vectors), and billed at the sandbox's token count. Token-array inputs count one token per number.
 */
export function embedInputs(body: Readonly<Record<string, unknown>>): SandboxEmbeddings {
  const texts = readInputs(body['input']);
  const dimensions = readDimensions(body['dimensions']);
  let promptTokens = 0;
  const vectors = texts.map((input) => {
    promptTokens += typeof input === 'string' ? countSandboxTokens(input) : input.length;
    return buildUnitVector(typeof input === 'string' ? input : input.join(','), dimensions);
  });
  return { vectors, promptTokens };
}

type Input = string | readonly number[];

function readInputs(value: unknown): readonly Input[] {
  if (typeof value === 'string' || isTokenArray(value)) return [value];
  if (!Array.isArray(value) || value.length === 0 || value.length > sandboxEmbeddingInputsMax) {
    throw new SandboxEmbeddingsError(
      'input',
      `input must be a string, an array of 1 to ${sandboxEmbeddingInputsMax} strings, or token arrays.`,
    );
  }
  return value.map((item, index) => {
    if (typeof item === 'string' || isTokenArray(item)) return item;
    throw new SandboxEmbeddingsError(`input[${index}]`, `input[${index}] must be a string or an array of token ids.`);
  });
}

function isTokenArray(value: unknown): value is readonly number[] {
  return Array.isArray(value) && value.length > 0 && value.every((item) => Number.isInteger(item) && item >= 0);
}

function readDimensions(value: unknown): number {
  if (value === undefined || value === null) return sandboxEmbeddingDimensionsDefault;
  if (Number.isInteger(value) && (value as number) >= 1 && (value as number) <= sandboxEmbeddingDimensionsMax) {
    return value as number;
  }
  throw new SandboxEmbeddingsError(
    'dimensions',
    `dimensions must be an integer from 1 to ${sandboxEmbeddingDimensionsMax}.`,
  );
}

function buildUnitVector(text: string, dimensions: number): number[] {
  const random = createSeededRandom(hashText(text));
  const raw = Array.from({ length: dimensions }, () => random() * 2 - 1);
  const norm = Math.sqrt(raw.reduce((sum, value) => sum + value * value, 0)) || 1;
  return raw.map((value) => value / norm);
}
