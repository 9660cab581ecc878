// Types of routes.js (plain JavaScript served to the browser as is) for the TypeScript tests beside it.
export interface PageEntry {
  readonly name: string;
  readonly title: string;
  readonly isPublic: boolean;
}
export interface Route {
  readonly page: string;
  readonly rest: string;
  readonly params: Record<string, string>;
}
export const pages: readonly PageEntry[];
export function parseRoute(hash: string | null | undefined): Route;
export function buildHash(
  page: string,
  rest?: string,
  params?: Record<string, string | number | null | undefined>,
): string;
