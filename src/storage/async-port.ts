/**
 * A port whose every method answers through a promise: the shape the PostgreSQL driver implements (its queries are
 * network round trips) and, through {@link toAsyncPort}, the SQLite driver too, so one conformance suite runs against
 * both (ADR 2026-11-30-cluster-storage). The serving path calls either kind through `ServingPort` (ports.ts).
 */
export type AsyncPort<T> = {
  readonly [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

/** Wraps a synchronous port: each call runs now and its result (or error) comes back as a settled promise. */
export function toAsyncPort<T extends object>(port: T): AsyncPort<T> {
  const wrapped: Record<string, unknown> = {};
  for (const name of listMethodNames(port)) {
    const method = (port as Record<string, unknown>)[name] as (...args: unknown[]) => unknown;
    wrapped[name] = (...args: unknown[]) => {
      try {
        return Promise.resolve(method.apply(port, args));
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    };
  }
  return wrapped as AsyncPort<T>;
}

function listMethodNames(port: object): string[] {
  const names = new Set<string>();
  for (let current: object | null = port; current !== null && current !== Object.prototype;) {
    for (const name of Object.getOwnPropertyNames(current)) {
      if (name !== 'constructor' && typeof (port as Record<string, unknown>)[name] === 'function') names.add(name);
    }
    current = Object.getPrototypeOf(current) as object | null;
  }
  return [...names];
}
