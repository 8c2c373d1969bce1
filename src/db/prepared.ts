import type { Db } from './client.js';

/**
 * A drizzle query built once per database and run many times with `sql.placeholder` values.
 * Building a query (its SQL text and parameter list) cost more than running it on the hot path of
 * `/incident note` (npm run bench http, profiled with --cpu-prof); the statement cache in client.ts
 * only saves SQLite's own prepare. Only for a Db: a transaction object lives for one transaction,
 * and on the one better-sqlite3 connection a query prepared on the Db runs inside it all the same.
 */
export function preparedPerDb<Q>(build: (db: Db) => Q): (db: Db) => Q {
  const cache = new WeakMap<Db, Q>();
  return (db) => {
    let q = cache.get(db);
    if (q === undefined) {
      q = build(db);
      cache.set(db, q);
    }
    return q;
  };
}
