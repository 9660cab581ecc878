import { modelPathPattern } from './read-request.js';

/**
 * The methods each route answers, so a request for a route that exists, with a method it does not answer, gets 405
 * `method_not_allowed` and an `Allow` header instead of 404. Paths as `app.ts` dispatches them (the `/api` prefix
 * removed); `route-methods.test.ts` checks that every route `app.ts` dispatches is listed here.
 */
const routeMethods: readonly (readonly [RegExp, readonly string[]])[] = [
  [/^\/(healthz|readyz|metrics)$/, ['GET']],
  [
    /^\/v1\/(models|generation|generation\/content|rankings|rankings\/series|activity|key|credits|generations)$/,
    ['GET'],
  ],
  [/^\/v1\/dashboard\/session$/, ['GET']],
  [
    /^\/v1\/(chat\/completions|messages|messages\/count_tokens|embeddings|responses|responses\/input_tokens)$/,
    ['POST'],
  ],
  [/^\/v1\/(credit-codes|credits\/redeem|dashboard\/login|dashboard\/logout)$/, ['POST']],
  [/^\/v1\/(orgs|keys|providers)$/, ['GET', 'POST']],
  [/^\/v1\/orgs\/[a-z0-9-]+\/credits$/, ['POST']],
  [/^\/v1\/orgs\/[a-z0-9-]+$/, ['PATCH']],
  [modelPathPattern, ['GET']],
  [/^\/v1\/models\/[^/]+\/[^/]+\/endpoints$/, ['GET']],
  [/^\/v1\/keys\/[A-Za-z0-9_-]+\/rotate$/, ['POST']],
  [/^\/v1\/keys\/[A-Za-z0-9_-]+$/, ['PATCH', 'DELETE']],
  [/^\/v1\/providers\/[a-z0-9-]+$/, ['GET', 'PATCH', 'DELETE']],
];

/** The methods the route at `path` answers (HEAD with every GET); empty when no route has this path. */
export function findAllowedMethods(path: string): readonly string[] {
  const methods = routeMethods.find(([pattern]) => pattern.test(path))?.[1] ?? [];
  return methods.includes('GET') ? [...methods, 'HEAD'] : methods;
}
