import type { Catalog } from './catalog-types.js';

/** A config alias whose target this catalog cannot serve: every call naming the alias would fail. */
export interface UnservedAlias {
  readonly alias: string;
  readonly target: string;
  /** `unknown`: no model or passthrough provider has that name (404 at call time); `unserved`: a known model none of whose providers is enabled (503). */
  readonly reason: 'unknown' | 'unserved';
}

/**
 * Aliases whose targets the catalog does not serve as built: a misspelt slug, or a model whose provider has no key.
 * Found at start so an operator hears of it before the first call does. A warning, not an error: a provider created
 * through the API may serve the target later. The catch-all's `*` is tried with a sample model name.
 */
export function findUnservedAliases(catalog: Catalog): UnservedAlias[] {
  const problems: UnservedAlias[] = [];
  for (const [alias, target] of catalog.aliases) {
    const slug = alias === '*' ? target.replace('*', 'any-model') : target;
    const reason = describeTarget(catalog, slug);
    if (reason !== undefined) problems.push({ alias, target, reason });
  }
  return problems;
}

function describeTarget(catalog: Catalog, slug: string): UnservedAlias['reason'] | undefined {
  if (catalog.models.has(slug)) return undefined;
  const slash = slug.indexOf('/');
  if (slash > 0 && slash < slug.length - 1 && catalog.passthroughProviders.has(slug.slice(0, slash))) return undefined;
  return catalog.knownModelIds.has(slug) ? 'unserved' : 'unknown';
}

/** One line per problem, for `serve --check` and the start-up log. */
export function describeUnservedAlias(problem: UnservedAlias): string {
  const what =
    problem.reason === 'unknown'
      ? 'names no model of the config or the built-in catalog, and no passthrough provider (calls get 404 model_not_found)'
      : "names a model none of whose providers is enabled (calls get 503 no_available_provider until its provider's key is set)";
  return `alias '${problem.alias}' → '${problem.target}' ${what}`;
}
