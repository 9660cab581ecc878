import type { Database, Statement } from 'better-sqlite3';

const statementsByDatabase = new WeakMap<Database, Map<string, Statement>>();

/**
 * A statement prepared once per connection and SQL text. The texts come from fixed column names (a few
 * dozen combinations of dimension, measure and org filter), so the cache is bounded. Reads return every
 * integer as bigint (`safeIntegers`), so spend is exact.
 */
export function prepareRollupStatement(database: Database, sql: string): Statement {
  let statements = statementsByDatabase.get(database);
  if (statements === undefined) {
    statements = new Map();
    statementsByDatabase.set(database, statements);
  }
  let statement = statements.get(sql);
  if (statement === undefined) {
    statement = database.prepare(sql);
    if (statement.reader) statement.safeIntegers(true);
    statements.set(sql, statement);
  }
  return statement;
}
