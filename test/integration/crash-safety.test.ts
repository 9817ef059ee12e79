import assert from 'node:assert/strict';
import { chmodSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { EncryptedFileSecretStore } from '../../src/secrets/file.js';
import { fakeKey, TestHome } from '../helpers/aigw.js';
import { rawApi } from '../helpers/api.js';
import { storeFacts } from '../helpers/keychain.js';

function fileStore(home: TestHome): EncryptedFileSecretStore {
  const key = Buffer.from(readFileSync(join(home.dir, 'config', 'master.key'), 'utf8').trim(), 'base64');
  return new EncryptedFileSecretStore(join(home.dir, 'data', 'secrets'), key);
}

function secretFiles(home: TestHome): string[] {
  return readdirSync(join(home.dir, 'data', 'secrets')).sort();
}

test('a value written but never pointed at (a crash mid-create or mid-rotate) is removed at start, with a log line', async () => {
  const home = new TestHome();
  try {
    const value = fakeKey();
    const id = (await home.json(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin'], { input: value })).id;
    await home.inProcess(['daemon', 'stop']);
    const ref = storeFacts(home.dir).refs.get(id)!;

    // What rotate leaves when it dies after writing the new value and before switching to it.
    const secrets = fileStore(home);
    await secrets.set(`${id}.0badc0de`, fakeKey());
    await secrets.set('aigpk_01aaaaaaaaaaaaaaaaaaaaaaaa.12345678', fakeKey());
    assert.equal(secretFiles(home).length, 3);

    await home.inProcess(['daemon', 'start']);
    assert.deepEqual(secretFiles(home), [`${ref}.json`]);
    assert.equal(await secrets.get(ref), value, 'the old value still works');
    assert.equal((await home.logLines('"orphansRemoved":2,"msg":"reconciled the secret store')).length, 1);
  } finally {
    await home.cleanup();
  }
});

test('SIGKILL during concurrent create, rotate and delete loses no acknowledged write and leaves no orphan', async () => {
  const home = new TestHome();
  try {
    await home.inProcess(['daemon', 'start']);
    const { pid } = await home.json(['daemon', 'status']);
    const live = new Map<string, string[]>(); // id → values that may be current (last acknowledged first)
    const deleted = new Set<string>();
    let killed = false;

    const worker = async () => {
      while (!killed) {
        const ids = [...live.keys()];
        const roll = Math.random();
        try {
          if (roll < 0.5 || ids.length < 3) {
            const value = fakeKey();
            const res = await rawApi(home.dir, 'POST', '/provider-keys', JSON.stringify({ providerId: 'openai', value }));
            if (res.status === 201) live.set(res.body.id, [value]);
          } else if (roll < 0.8) {
            const id = ids[Math.floor(Math.random() * ids.length)]!;
            const value = fakeKey();
            const candidates = live.get(id);
            candidates?.push(value); // in flight: may or may not land
            const res = await rawApi(home.dir, 'POST', `/provider-keys/${id}/rotate`, JSON.stringify({ value }));
            if (res.status === 200 && live.has(id)) live.set(id, [value]);
          } else {
            const id = ids[Math.floor(Math.random() * ids.length)]!;
            const res = await rawApi(home.dir, 'DELETE', `/provider-keys/${id}`);
            if (res.status === 204) {
              live.delete(id);
              deleted.add(id);
            }
          }
        } catch {
          return; // the daemon died under this request: its outcome is unknown, and that is allowed
        }
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    await new Promise((r) => setTimeout(r, 1200));
    process.kill(pid, 'SIGKILL');
    killed = true;
    await Promise.all(workers);
    assert.ok(live.size + deleted.size > 10, 'enough work was acknowledged to mean something');

    await home.inProcess(['daemon', 'start']);
    const keys = await home.json(['provider-keys', 'list', '--all']);
    const present = new Set<string>(keys.aiGatewayProviderKeys.map((k: any) => k.id));
    for (const id of deleted) assert.ok(!present.has(id), `${id} was deleted and came back`);
    const secrets = fileStore(home);
    const { refs } = storeFacts(home.dir);
    for (const [id, candidates] of live) {
      if (!present.has(id)) {
        // Only a delete in flight at the kill could have removed it; it was never acknowledged as live-deleted.
        continue;
      }
      const value = await secrets.get(refs.get(id)!);
      assert.ok(value !== undefined && candidates.includes(value), `${id} has a readable value it was given`);
    }
    for (const id of present) assert.ok(await secrets.get(refs.get(id)!), `${id} has a readable value`);
    assert.deepEqual(secretFiles(home), [...refs.values()].map((r) => `${r}.json`).sort(), 'no orphan or missing value');
  } finally {
    await home.cleanup();
  }
});

test('the daemon refuses state that other users can read, and says how to fix it', async () => {
  const home = new TestHome();
  try {
    await home.inProcess(['daemon', 'start']);
    await home.inProcess(['daemon', 'stop']);
    chmodSync(join(home.dir, 'data'), 0o755);
    const dir = await home.run(['provider-keys', 'list']);
    assert.equal(dir.code, 4);
    assert.match(dir.stderr, /data is open to other users \(mode 755\); run `chmod 700 .*data`/);
    chmodSync(join(home.dir, 'data'), 0o700);
    chmodSync(join(home.dir, 'data', 'aigw.db'), 0o644);
    const db = await home.run(['provider-keys', 'list']);
    assert.equal(db.code, 4);
    assert.match(db.stderr, /aigw\.db is open to other users \(mode 644\); run `chmod 600 /);
  } finally {
    await home.cleanup();
  }
});
