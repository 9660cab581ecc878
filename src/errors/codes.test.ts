import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorCodes } from './codes.js';

/** Rows of the table in docs/errors.md: code → status, OpenAI type, Anthropic type. */
function readDocumentedCodes(): Map<string, { status: number; openaiType: string; anthropicType: string }> {
  const text = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const rows = new Map<string, { status: number; openaiType: string; anthropicType: string }>();
  for (const line of text.split('\n')) {
    const match = /^\|\s*`([a-z_]+)`\s*\|\s*(\d{3})\s*\|\s*([a-z_]+)\s*\|\s*([a-z_]+)\s*\|/.exec(line);
    if (match !== null) {
      rows.set(match[1]!, { status: Number(match[2]), openaiType: match[3]!, anthropicType: match[4]! });
    }
  }
  return rows;
}

describe('error catalog', () => {
  const documented = readDocumentedCodes();

  it('documents every code with the same status and types as codes.ts', () => {
    for (const [code, entry] of Object.entries(errorCodes)) {
      expect({ code, ...documented.get(code) }).toEqual({ code, ...entry });
    }
  });

  it('documents no code that codes.ts lacks', () => {
    expect([...documented.keys()].sort()).toEqual(Object.keys(errorCodes).sort());
  });
});
