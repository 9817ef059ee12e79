import { after, before, describe } from 'node:test';
import { PostgresStore } from '../../src/store/postgres/index.js';
import type { Store } from '../../src/store/types.js';
import { skipWithoutPostgres, startCluster, type PostgresCluster } from '../helpers/postgres.js';
import { storeContract } from './contract.js';

// One throwaway cluster for the file; a database of its own for each store the contract opens.
const skip = skipWithoutPostgres();
const urls = new WeakMap<Store, string>();

describe('PostgreSQL', { skip }, () => {
  let cluster: PostgresCluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(() => cluster?.stop());

  storeContract('PostgreSQL', {
    async open() {
      const url = await cluster.createDatabase();
      const store = await PostgresStore.open(url);
      urls.set(store, url);
      return store;
    },
    async sibling(store) {
      return PostgresStore.open(urls.get(store)!);
    },
  });
});
