import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import type { Store } from '../../src/store/types.js';
import { storeContract } from './contract.js';

const dir = mkdtempSync(join(tmpdir(), 'aigw-store-contract-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const files = new WeakMap<Store, string>();
let opened = 0;

storeContract('SQLite', {
  async open() {
    const file = join(dir, `${++opened}.db`);
    const store = new SqliteStore(file);
    files.set(store, file);
    return store;
  },
  async sibling(store) {
    return new SqliteStore(files.get(store)!);
  },
});
