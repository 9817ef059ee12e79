import type { StoreTransaction } from './types.js';

/**
 * What an implementation provides for Store.transaction: each primitive as a function of its connection
 * (better-sqlite3's synchronous one, or a PostgreSQL client inside BEGIN … COMMIT), answering at once or
 * with a Promise.
 */
export type Statements<C> = {
  [K in keyof StoreTransaction]: (
    c: C,
    ...args: Parameters<StoreTransaction[K]>
  ) => Awaited<ReturnType<StoreTransaction[K]>> | ReturnType<StoreTransaction[K]>;
};

/** The primitives on one connection, as the rules call them (the statements may include other functions too). */
export function onConnection<C>(statements: Statements<C>, c: C): StoreTransaction {
  const tx: Record<string, (...args: never[]) => Promise<unknown>> = {};
  for (const [name, statement] of Object.entries(statements) as [string, (c: C, ...args: unknown[]) => unknown][]) {
    tx[name] = async (...args: unknown[]) => statement(c, ...args);
  }
  return tx as unknown as StoreTransaction;
}
