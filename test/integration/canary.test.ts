import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fakeKey, TestHome } from '../helpers/aigw.js';

/**
 * A known secret goes through create, rotate, delete and a daemon restart; afterwards no file under the
 * home (database, WAL, logs, secrets) holds it, and no CLI output shows more than its redacted form.
 */
test('a canary value never reaches the disk in plaintext nor any CLI output', async () => {
  const home = new TestHome({ AIGW_LOG_LEVEL: 'debug' });
  try {
    const canary = fakeKey('sk-proj-CANARY');
    const rotatedCanary = fakeKey('sk-proj-CANARY2');
    const outputs: string[] = [];
    const run = async (args: string[], input?: string) => {
      const r = await home.run(args, input === undefined ? {} : { input });
      outputs.push(r.stdout, r.stderr);
      return r;
    };

    const id = (await run(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin', '-q'], canary)).stdout.trim();
    await run(['provider-keys', 'get', id, '-o', 'json']);
    await run(['provider-keys', 'list']);
    // A value rejected by the daemon is not echoed back either.
    await run(['provider-keys', 'create', '--provider-id', 'no-such-provider', '--value-stdin'], canary);
    await run(['provider-keys', 'rotate', id, '--value-stdin', '-o', 'json'], rotatedCanary);
    await run(['daemon', 'stop']);
    await run(['provider-keys', 'get', id]);
    await run(['provider-keys', 'delete', id, '--yes']);
    await run(['daemon', 'logs', '-n', '1000']);
    await run(['daemon', 'stop']);

    for (const secret of [canary, rotatedCanary]) {
      for (const text of outputs) assert.ok(!text.includes(secret), `CLI output shows the secret: ${text}`);
      // A long fragment would be a leak too: the redacted form shows 10 + 4 characters at most.
      const middle = secret.slice(12, 40);
      for (const file of home.files()) {
        assert.ok(!file.bytes.includes(secret), `${file.path} holds the secret`);
        assert.ok(!file.bytes.includes(middle), `${file.path} holds part of the secret`);
      }
    }
    assert.ok(outputs.some((o) => o.includes(canary.slice(0, 10) + '***' + canary.slice(-4))), 'the redacted form was shown');
    assert.ok(home.files().some((f) => f.path.endsWith('daemon.log') && f.bytes.length > 0), 'the log was checked');
  } finally {
    await home.cleanup();
  }
});
