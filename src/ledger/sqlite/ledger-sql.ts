/**
 * The kinds of posting that move an org's held account for one request, as the WHERE term of
 * `ledger_postings_once_per_request` (migration 0011). A query that reads several of these kinds through that index
 * repeats the term word for word (SQLite uses a partial index only when the query's WHERE implies the index's); a
 * query for one kind (`kind = 'charge'`) implies it already. Written as `=` comparisons joined by OR, not an `IN`
 * list, which SQLite evaluates by building a temporary B-tree on every insert.
 */
export function holdFlowKinds(alias?: string): string {
  const column = alias === undefined ? 'kind' : `${alias}.kind`;
  const kinds = ['hold', 'top_up', 'charge', 'release', 'expire'];
  return `(${kinds.map((kind) => `${column} = '${kind}'`).join(' OR ')})`;
}
