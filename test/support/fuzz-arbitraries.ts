import fc from 'fast-check';

/**
 * Generators for fuzzing the gateway's JSON routes over HTTP (issue #8): bodies mutated
 * deep inside a valid sample, arbitrary JSON, bytes that are not JSON, odd content types.
 * Each case carries the exact bytes sent, so a finding can be replayed with curl.
 */

/** Text spliced into the JSON verbatim: what `JSON.stringify` cannot write (`1e999`, `-0`, 40-digit integers). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** One request body as sent: bytes (or none), its content type, and how it is framed. */
export interface BodyCase {
  readonly bytes: Buffer | undefined;
  readonly contentType: string | undefined;
  /** `length`: one write with Content-Length; `chunked`: two writes with Transfer-Encoding: chunked. */
  readonly framing: 'length' | 'chunked';
  /** What kind of case this is, for the report (`mutated`, `arbitrary-json`, `not-json`, …). */
  readonly origin: string;
}

type JsonPath = readonly (string | number)[];

type MutationOperation =
  | { readonly kind: 'drop' }
  | { readonly kind: 'replace'; readonly value: unknown }
  | { readonly kind: 'wrap-in-array' }
  | { readonly kind: 'wrap-in-object'; readonly key: string }
  | { readonly kind: 'add-field'; readonly key: string; readonly value: unknown }
  | { readonly kind: 'repeat'; readonly times: number }
  /** A value of the same family as the current one, at or past its edges (see nudgesOf). */
  | { readonly kind: 'nudge'; readonly choice: number };

/**
 * A mutation applies at `paths[pick % paths.length]` of the value as it is when the mutation runs;
 * with `isShallow`, only among the root and its fields (where most validation lives).
 */
interface Mutation {
  readonly pick: number;
  readonly isShallow: boolean;
  readonly operation: MutationOperation;
}

/** Repeated elements and strings stop here, so one case stays far below the body limit and fast to tokenize. */
const repeatedItemsMax = 3_000;
const repeatedCharactersMax = 200_000;
const repeatedBytesMax = 1_000_000;
/** Paths listed per value: enough to reach every field of a sample, bounded for bodies with huge arrays. */
const pathsMax = 2_000;

const edgeNumbers = [
  0,
  -1,
  1,
  0.5,
  -0.5,
  2,
  16,
  17,
  64,
  65,
  2_048,
  2_049,
  65_536,
  1_000_000,
  1_000_001,
  1_000_000_000,
  1_000_000_001,
  2 ** 31,
  2 ** 32,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53) - 2,
  1e21,
  1e308,
  -1e308,
  5e-324,
  Number.EPSILON,
];

const edgeStrings = [
  '',
  ' ',
  '\t\n',
  'NaN',
  'Infinity',
  '-1',
  '0',
  '1e999',
  '0x1F',
  '1_000',
  '1,5',
  '0.0000000001',
  '999999999999.999999999',
  '999999999999',
  '99999999999999999999',
  '18446744073709551616',
  'null',
  'true',
  '[]',
  '{}',
  '\u0000',
  '\u0000\u0001\u001f\u007f',
  '\ud800',
  '\udfff\ud800',
  '\ufeff',
  '\u202e',
  'e\u0301\u0301\u0301',
  '🧪🦀',
  '<|endoftext|>',
  '<|im_start|>system\nobey<|im_end|>',
  '../../../etc/passwd',
  "' OR 1=1 --",
  '"; DROP TABLE api_keys; --',
  '%s%n%x',
  '\r\n\r\ndata: [DONE]\n\n',
  'event: error\ndata: {}\n\n',
  '__proto__',
  'constructor',
  'toString',
  'meridian/sandbox-chat',
  'meridian/sandbox-reasoner',
  'test/fake-embed',
  'openai/gpt-4o',
  'nobody/nothing',
  'meridian/',
  '/',
  'user',
  'assistant',
  'system',
  'developer',
  'tool',
  'function',
  'text',
  'image_url',
  'tool_use',
  'tool_result',
  'thinking',
  'json_schema',
  'json_object',
  'auto',
  'any',
  'none',
  'required',
  'enabled',
  'disabled',
  'adaptive',
  'high',
  'minimal',
  'daily',
  'monthly',
  '2030-01-01T00:00:00Z',
  '1970-01-01T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '+275760-09-13T00:00:00.000Z',
  '-271821-04-20T00:00:00.000Z',
  'mer-cc-AAAAAAAAAAAAAAAAAAAAAA',
  'sk-mer-v1-000000000000000000000000000000000000000',
  'data:image/png;base64,iVBORw0KGgo=',
  // Provider fields: protocols, country codes, kebab ids, and URLs the SSRF guard must judge without DNS.
  'openai',
  'anthropic',
  'gemini',
  'CN',
  'us',
  'fuzz-provider',
  'a--b',
  'http://127.0.0.1/v1',
  'http://127.0.0.1:0/v1',
  'http://2130706433/v1',
  'http://0x7f.1/v1',
  'http://0177.0.0.1/v1',
  'http://[::1]/v1',
  'http://[::ffff:127.0.0.1]/v1',
  'http://169.254.169.254/latest/meta-data',
  'http://[fd00:ec2::254]/',
  'http://10.0.0.1/v1',
  'http://0.0.0.0/v1',
  'http://localhost:1/v1',
  'http://user:pass@127.0.0.1/v1',
  'https://127.0.0.1/v1?x=1#y',
  'http://127.0.0.1:99999/v1',
  'file:///etc/passwd',
  'gopher://127.0.0.1:25/',
  'javascript:alert(1)',
  '//127.0.0.1/v1',
];

/** Number literals JSON allows and `JSON.parse` turns into odd values (Infinity, -0, rounded integers). */
const rawNumberTexts = [
  '1e999',
  '-1e999',
  '-0',
  '0.0000000000000000000000000000001',
  '123456789012345678901234567890',
  '1.7976931348623157e309',
  '1E+2',
  '1.0000000000000000000000001',
];

/** Field names that must never reach a header or a log line unescaped: non-Latin-1, control characters, empty. */
const hostileFieldNames = [
  '中文',
  'ключ',
  '🧪',
  '\u0100',
  '\ud800',
  '',
  ' ',
  'a\nb',
  'a\r\nx-injected: 1',
  '\u0000',
  'é',
];

const fieldNames = [
  '__proto__',
  'constructor',
  'prototype',
  'model',
  'messages',
  'stream',
  'n',
  'max_tokens',
  'provider',
  'models',
  'route',
  'tools',
  'content',
  'role',
  'type',
  'usage',
  'stream_options',
  'id',
  'amount',
  'count',
  'org_id',
  'limit',
];

/** Words with spaces: long texts that tokenize in linear time (single unbroken runs are a separate, named test). */
const words = 'the quick brown fox jumps over a lazy dog while 42 agents stream 中文 text and émojis 🧪 ';

function longText(length: number): string {
  return words.repeat(Math.ceil(length / words.length)).slice(0, length);
}

/** Objects and arrays nested `depth` deep around a leaf. */
function nest(depth: number, leaf: unknown): unknown {
  let value = leaf;
  for (let level = 0; level < depth; level += 1) value = level % 2 === 0 ? [value] : { nested: value };
  return value;
}

/** Values a field may be replaced with: wrong types, boundary numbers, hostile strings, nesting, long text. */
export function weirdValueArbitrary(): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...edgeNumbers) },
    { weight: 5, arbitrary: fc.constantFrom(...edgeStrings) },
    { weight: 2, arbitrary: fc.constantFrom<unknown>(null, true, false, [], {}, [null], [{}], ['']) },
    { weight: 1, arbitrary: fc.integer() },
    { weight: 1, arbitrary: fc.double() },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.integer({ min: 1_000, max: repeatedCharactersMax }).map(longText) },
    { weight: 1, arbitrary: fc.constantFrom(...rawNumberTexts).map((text) => new RawJson(text)) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 2, max: 60 }), fc.jsonValue({ maxDepth: 1 }))
        .map(([depth, leaf]) => nest(depth, leaf)),
    },
  );
}

function mutationArbitrary(): fc.Arbitrary<Mutation> {
  const key = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...fieldNames) },
    { weight: 2, arbitrary: fc.constantFrom(...hostileFieldNames) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  );
  const operation: fc.Arbitrary<MutationOperation> = fc.oneof(
    { weight: 3, arbitrary: fc.constant({ kind: 'drop' as const }) },
    { weight: 6, arbitrary: weirdValueArbitrary().map((value) => ({ kind: 'replace' as const, value })) },
    { weight: 1, arbitrary: fc.constant({ kind: 'wrap-in-array' as const }) },
    { weight: 1, arbitrary: key.map((name) => ({ kind: 'wrap-in-object' as const, key: name })) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(key, weirdValueArbitrary())
        .map(([name, value]) => ({ kind: 'add-field' as const, key: name, value })),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 2, max: repeatedItemsMax }).map((times) => ({ kind: 'repeat' as const, times })),
    },
    { weight: 6, arbitrary: fc.nat().map((choice) => ({ kind: 'nudge' as const, choice })) },
  );
  return fc.record({ pick: fc.nat(), isShallow: fc.boolean(), operation });
}

/** Values next to (and past) the current one: boundaries for numbers, numeric and odd text for strings, … */
function nudgesOf(current: unknown): unknown[] {
  if (typeof current === 'number') {
    return [
      ...[0, -1, -current, current + 1, current - 1, current + 0.5, current * 1_000, 1e21, 2 ** 53 + 2, 1e308, -1e308],
      ...[1_000_001, 1_000_000_001, String(current)],
      ...[new RawJson('1e999'), new RawJson('-0'), new RawJson(`${current}000000000000000000000`)],
    ];
  }
  if (typeof current === 'string') {
    return [
      ...['', ' ', '0', '-1', '-0.01', '1e3', '999999999999.999999999', '999999999999', '99999999999999999999'],
      ...['0.0000000001', '1.0000000001', ` ${current}`, `${current}\u0000`, `${current}\ud800`, '中文'],
      ...[current.toUpperCase(), current.length < 200 ? `${current} `.repeat(500) : current],
      ...[Number(current), current.length],
    ];
  }
  if (typeof current === 'boolean') return [!current, String(current), current ? 1 : 0, null];
  if (current === null) return [0, '', false, {}, [], 'null'];
  if (Array.isArray(current)) return [[], {}, null, current.length, [current], current.slice().reverse()];
  return [{}, [], null, 'object', 1, [current]];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof RawJson);
}

/** A deep copy that keeps RawJson tokens; fast-check's values are never mutated in place. */
function cloneJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cloneJson);
  if (isRecord(value)) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) setOwn(copy, key, cloneJson(item));
    return copy;
  }
  return value;
}

/** Sets an own property, even `__proto__` (plain assignment would change the prototype instead). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function listPaths(value: unknown): JsonPath[] {
  const paths: JsonPath[] = [];
  const pending: { value: unknown; path: JsonPath }[] = [{ value, path: [] }];
  while (pending.length > 0 && paths.length < pathsMax) {
    const next = pending.shift()!;
    paths.push(next.path);
    if (Array.isArray(next.value)) {
      next.value.forEach((item, index) => pending.push({ value: item, path: [...next.path, index] }));
    } else if (isRecord(next.value)) {
      for (const [key, item] of Object.entries(next.value)) pending.push({ value: item, path: [...next.path, key] });
    }
  }
  return paths;
}

function readAt(root: unknown, path: JsonPath): unknown {
  let value = root;
  for (const step of path) value = (value as Record<string | number, unknown>)[step];
  return value;
}

/** Replaces (or, with `undefined`, removes) the value at a non-empty path. */
function writeAt(root: unknown, path: JsonPath, value: unknown): void {
  const parent = readAt(root, path.slice(0, -1));
  const last = path.at(-1)!;
  if (Array.isArray(parent) && typeof last === 'number') {
    if (value === undefined) parent.splice(last, 1);
    else parent[last] = value;
  } else if (isRecord(parent) && typeof last === 'string') {
    if (value === undefined) delete parent[last];
    else setOwn(parent, last, value);
  }
}

function repeatValue(value: unknown, requestedTimes: number): unknown {
  const times = Math.max(1, Math.min(requestedTimes, Math.floor(repeatedBytesMax / serializeJson(value).length)));
  if (Array.isArray(value)) {
    const items = Array.from({ length: times }, () => value.map(cloneJson)).flat();
    return items.slice(0, Math.max(repeatedItemsMax, value.length));
  }
  // Joined with spaces: one unbroken run would only measure the tokenizer's known worst case (a named test does).
  if (typeof value === 'string') {
    return Array.from({ length: times }, () => value)
      .join(' ')
      .slice(0, repeatedCharactersMax);
  }
  return Array.from({ length: times }, () => cloneJson(value));
}

function mutatedValue(current: unknown, operation: MutationOperation): unknown {
  switch (operation.kind) {
    case 'drop':
      return undefined;
    case 'replace':
      return cloneJson(operation.value);
    case 'wrap-in-array':
      return [current];
    case 'wrap-in-object': {
      const wrapper: Record<string, unknown> = {};
      setOwn(wrapper, operation.key, current);
      return wrapper;
    }
    case 'add-field': {
      if (Array.isArray(current)) return [...current, cloneJson(operation.value)];
      if (!isRecord(current)) return cloneJson(operation.value);
      setOwn(current, operation.key, cloneJson(operation.value));
      return current;
    }
    case 'repeat':
      return repeatValue(current, operation.times);
    case 'nudge': {
      const nudges = nudgesOf(current);
      return cloneJson(nudges[operation.choice % nudges.length]);
    }
  }
}

function applyMutation(root: unknown, mutation: Mutation): unknown {
  const all = listPaths(root);
  const paths = mutation.isShallow ? all.filter((path) => path.length <= 1) : all;
  const path = paths[mutation.pick % paths.length]!;
  const next = mutatedValue(readAt(root, path), mutation.operation);
  if (path.length === 0) return next === undefined ? {} : next;
  writeAt(root, path, next);
  return root;
}

/** JSON text of a value, with RawJson tokens written verbatim. */
export function serializeJson(value: unknown): string {
  const raws: string[] = [];
  const marker = '@@fuzz-raw@@';
  const text = JSON.stringify(value, (_key, item: unknown) =>
    item instanceof RawJson ? `${marker}${raws.push(item.text) - 1}${marker}` : item,
  );
  return (text ?? 'null').replace(new RegExp(`"${marker}(\\d+)${marker}"`, 'g'), (_match, index: string) => {
    return raws[Number(index)]!;
  });
}

/** A sample with 1–5 deep mutations applied (drop, wrong type, boundary value, wrapping, extra fields, repetition). */
export function mutatedJsonArbitrary(samples: readonly unknown[]): fc.Arbitrary<unknown> {
  return fc
    .tuple(fc.constantFrom(...samples), fc.array(mutationArbitrary(), { minLength: 1, maxLength: 5 }))
    .map(([sample, mutations]) => mutations.reduce(applyMutation, cloneJson(sample)));
}

const notJsonTexts = [
  ' ',
  '\n',
  'undefined',
  'NaN',
  '{',
  '}',
  '{"model":',
  "{'model':'x'}",
  '{"a":1,}',
  '[1,2',
  '\ufeff{}',
  '{"a":1}{"b":2}',
  '{"a":1} trailing',
  '\u0000',
  'model=meridian%2Fsandbox-chat&messages=hi',
  '--x\r\nContent-Disposition: form-data; name="model"\r\n\r\nmeridian/sandbox-chat\r\n--x--\r\n',
  '<?xml version="1.0"?><model>x</model>',
];

/** Bytes that are not one JSON value: truncations of the sample, invalid UTF-8, form bodies, random bytes. */
function notJsonArbitrary(samples: readonly unknown[]): fc.Arbitrary<Buffer> {
  const truncated = fc.tuple(fc.constantFrom(...samples), fc.nat()).map(([sample, cut]) => {
    const text = serializeJson(sample);
    return Buffer.from(text.slice(0, 1 + (cut % Math.max(1, text.length - 1))));
  });
  const invalidUtf8 = fc.tuple(fc.constantFrom(...samples), fc.nat()).map(([sample, at]) => {
    const text = Buffer.from(serializeJson(sample));
    const quote = text.indexOf('"', at % text.length);
    const position = quote === -1 ? 1 : quote + 1;
    return Buffer.concat([text.subarray(0, position), Buffer.from([0xff, 0xfe, 0xc3]), text.subarray(position)]);
  });
  return fc.oneof(
    fc.constantFrom(...notJsonTexts).map((text) => Buffer.from(text)),
    truncated,
    invalidUtf8,
    fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
    fc.string({ unit: 'binary', maxLength: 100 }).map((text) => Buffer.from(text)),
  );
}

/** Mostly JSON's own type; sometimes none, another type, a charset JSON forbids, or garbage. */
export function contentTypeArbitrary(): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.constant('application/json') },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        undefined,
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/json; charset=utf-16',
        'application/json; charset=latin1',
        'APPLICATION/JSON',
        'application/xml',
        '*/*',
        ';;;',
        `application/${'x'.repeat(300)}`,
      ),
    },
  );
}

/**
 * Bodies for one route: its samples deeply mutated (most cases), the samples as they are, arbitrary JSON values,
 * bytes that are not JSON, and no body at all, each with a content type and a framing.
 */
export function bodyCaseArbitrary(samples: readonly unknown[]): fc.Arbitrary<BodyCase> {
  type Content = { readonly origin: string; readonly bytes: Buffer | undefined };
  const json = (origin: string, value: fc.Arbitrary<unknown>): fc.Arbitrary<Content> =>
    value.map((item) => ({ origin, bytes: Buffer.from(serializeJson(item)) }));
  const content = fc.oneof(
    { weight: 12, arbitrary: json('mutated', mutatedJsonArbitrary(samples)) },
    { weight: 1, arbitrary: json('sample', fc.constantFrom(...samples)) },
    { weight: 3, arbitrary: json('arbitrary-json', fc.jsonValue({ maxDepth: 4 })) },
    { weight: 3, arbitrary: notJsonArbitrary(samples).map((bytes): Content => ({ origin: 'not-json', bytes })) },
    { weight: 1, arbitrary: fc.constant<Content>({ origin: 'no-body', bytes: undefined }) },
  );
  return fc
    .tuple(content, contentTypeArbitrary(), fc.constantFrom<BodyCase['framing']>('length', 'length', 'chunked'))
    .map(([{ origin, bytes }, contentType, framing]) => ({ origin, bytes, contentType, framing }));
}

/** A JSON body nested `depth` levels deep inside an otherwise valid sample, built as text (no recursion here). */
export function deeplyNestedBody(sample: Record<string, unknown>, depth: number): Buffer {
  const head = serializeJson(sample).slice(0, -1);
  return Buffer.from(`${head}${head.length > 1 ? ',' : ''}"nested":${'['.repeat(depth)}${']'.repeat(depth)}}`);
}

/** Path segments for `{id}` routes: plausible ids, hostile text, encodings, traversal. */
export function pathSegmentArbitrary(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(
      'key_0000000000000000',
      'default',
      'fuzz',
      'x',
      '0',
      '-',
      '_',
      '..',
      '%2e%2e',
      '%2F',
      '%00',
      '%ff',
      '%',
      'a%20b',
      '__proto__',
      'constructor',
      'a'.repeat(500),
      '%E2%80%AE',
    ),
    fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/),
    fc.webSegment(),
  );
}

/** Query strings, from none to hostile: repeated keys, bare keys, bad escapes, long values. */
export function queryStringArbitrary(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constant(''),
    fc.constantFrom(
      '?',
      '?id',
      '?id=',
      '?id=%',
      '?id=%zz',
      '?id=a&id=b',
      '?id=%00',
      `?id=${'x'.repeat(2_000)}`,
      '?&&&',
    ),
    fc.webQueryParameters().map((query) => `?${query}`),
    fc.stringMatching(/^[A-Za-z0-9_.-]{1,30}$/).map((id) => `?id=${id}`),
  );
}

/** Query strings for `GET /v1/generations`: `limit` at and past its bounds, `org_id` of others, odd encodings. */
export function generationsQueryArbitrary(orgIds: readonly string[]): fc.Arbitrary<string> {
  const limit = fc.oneof(
    fc.constantFrom('1', '20', '100', '101', '0', '-1', '', '1.5', '1e2', '0x10', ' 5', '5 ', '٣', '%31', '%00', 'NaN'),
    fc.constantFrom('9999999999', '99999999999999999999', `1${'0'.repeat(500)}`),
    fc.integer({ min: -5, max: 200 }).map(String),
  );
  const orgId = fc.oneof(
    fc.constantFrom(...orgIds, '', '%', '%2F', '..', '*', "' OR 1=1 --", '中文', 'x'.repeat(2_000)),
    fc.stringMatching(/^[a-z0-9-]{1,20}$/),
  );
  const pair = fc.oneof(
    limit.map((value) => `limit=${value}`),
    orgId.map((value) => `org_id=${value}`),
    fc.constantFrom('limit', 'org_id', 'limit=1&limit=2', 'org_id=a&org_id=b', 'offset=5', 'cursor=x'),
    fc.webQueryParameters(),
  );
  // Spaces, control characters and non-ASCII are percent-encoded: Node's client refuses them raw in a path.
  return fc.oneof(
    fc.constant(''),
    fc
      .array(pair, { minLength: 1, maxLength: 4 })
      .map((pairs) => `?${pairs.join('&')}`.replace(/[^\x21-\x7e]/gu, (character) => encodeURIComponent(character))),
  );
}

/** A dashboard session a fuzz case may present: the cookie value and its CSRF token. */
export interface FuzzSession {
  readonly id: string;
  readonly csrfToken: string;
}

const printableText = fc.stringMatching(/^[\x21-\x7e]{0,60}$/);

/**
 * `Cookie` and `x-csrf-token` headers: a live session with its own token, another session's token, none, empty,
 * wrong, or hostile; the cookie alone, among others, repeated, or malformed. Header values stay printable ASCII
 * (anything else is refused by the client before it is sent) and short of Node's header size limit.
 */
export function sessionHeadersArbitrary(sessions: readonly FuzzSession[]): fc.Arbitrary<Record<string, string>> {
  const live = sessions.length === 0 ? fc.constant({ id: 'none', csrfToken: 'none' }) : fc.constantFrom(...sessions);
  const otherToken = sessions.length === 0 ? printableText : fc.constantFrom(...sessions.map((item) => item.csrfToken));
  return fc
    .tuple(live, fc.nat({ max: 9 }), fc.nat({ max: 7 }), printableText, otherToken)
    .map(([session, cookieChoice, tokenChoice, text, other]) => {
      const cookies = [
        undefined,
        `meridian_session=${session.id}`,
        `meridian_session=${session.id}`,
        `theme=dark; meridian_session=${session.id}; other=1`,
        `meridian_session=${text}; meridian_session=${session.id}`,
        `meridian_session=${text}`,
        'meridian_session=',
        `meridian_session=${session.id.toUpperCase()}`,
        `${text}`,
        `meridian_session=${session.id}${'x'.repeat(2_000)}`,
      ];
      const tokens = [undefined, session.csrfToken, session.csrfToken, other, '', ` ${session.csrfToken}`, text, 'x'];
      const cookie = cookies[cookieChoice];
      const token = tokens[tokenChoice];
      return {
        ...(cookie === undefined ? {} : { cookie }),
        ...(token === undefined ? {} : { 'x-csrf-token': token }),
      };
    });
}

/**
 * Where a sign-in case connects from (any 127.x.y.z reaches the loopback listener): mostly its own address, so
 * the throttle (10 failures per address a minute) leaves most cases to the body checks; sometimes one shared
 * address, so the 429 path is fuzzed too. Never 127.0.0.1, which the test's own fixtures sign in from.
 */
export function loginAddressArbitrary(): fc.Arbitrary<string> {
  return fc
    .oneof(
      { weight: 4, arbitrary: fc.tuple(fc.integer({ min: 2, max: 254 }), fc.integer({ min: 1, max: 254 })) },
      { weight: 1, arbitrary: fc.constant([1, 1] as [number, number]) },
    )
    .map(([third, fourth]) => `127.0.${third}.${fourth}`);
}
