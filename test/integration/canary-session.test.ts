import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fakeKey, TestHome } from '../helpers/aigw.js';
import { http, type HttpResponse } from '../helpers/http.js';
import { MockUpstream } from '../helpers/mock-upstream.js';

/** Every 12-character window of a secret: the redacted form shows 10 + 4 characters, never 12 in a row. */
const windows = (secret: string) => Array.from({ length: secret.length - 11 }, (_, i) => secret.slice(i, i + 12));

/**
 * One whole session with known canary values: create, gateway traffic with failover, upstream errors that
 * echo the key, rotate, a daemon restart, delete. Afterwards the canaries appear nowhere under the home
 * (database, WAL, logs, secrets), in no process's arguments, in the daemon's environment, in no CLI
 * output and in no gateway response.
 */
test('canary values never leak over a whole session with gateway traffic', async () => {
  const mock = new MockUpstream();
  await mock.start();
  const home = new TestHome({ AIGW_LOG_LEVEL: 'debug' });
  const canary = fakeKey('sk-proj-CANARY');
  const rotated = fakeKey('sk-proj-CANARY2');
  const outputs: string[] = [];
  const responses: HttpResponse[] = [];
  const processViews: string[] = [];
  try {
    const run = async (args: string[], input?: string) => {
      const r = await home.run(args, input === undefined ? {} : { input });
      outputs.push(r.stdout, r.stderr);
      return r;
    };
    const json = async (args: string[], input?: string) => {
      const r = await run([...args, '-o', 'json'], input);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout);
    };
    /** What other users could see of our processes, and the daemon's own environment. */
    const lookAtProcesses = async () => {
      const pid = (await json(['daemon', 'status'])).pid;
      processViews.push(execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }));
      processViews.push(readFileSync(`/proc/${pid}/environ`, 'utf8'));
      processViews.push(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
    };
    const gateway = async () => {
      const url = (await json(['daemon', 'status'])).gatewayUrl as string;
      return async (token: string) => {
        const res = await http(`${url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
        });
        responses.push(res);
        return res;
      };
    };

    await run(['daemon', 'start']);
    await json(['gateway', 'config', 'set', '--provider-base-url', `openai=${mock.baseUrl}`, '--per-request-timeout', '2s']);
    const access = await json(['access-keys', 'create', '--name', 'canary']);
    // The canary comes first; the upstream refuses it and echoes it back, so the gateway fails over.
    const id = (await json(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin', '--ai-gateway-api-key-id', access.id], canary)).id;
    const spare = fakeKey();
    mock.accept(spare);
    await json(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin', '--ai-gateway-api-key-id', access.id], spare);
    mock.set(canary, { echoKey: true });
    await lookAtProcesses();
    let chat = await gateway();
    const failedOver = await chat(access.token);
    assert.equal(failedOver.status, 200, failedOver.text);
    assert.equal(failedOver.headers['x-aigw-attempts'], '2');

    // A non-retryable upstream error that echoes the key is passed back, scrubbed.
    mock.accept(canary);
    mock.set(canary, { status: 400, echoKey: true });
    const echoed = await chat(access.token);
    assert.equal(echoed.status, 400);
    assert.ok(mock.seen(canary).length >= 2, 'the canary really was sent upstream');

    await run(['provider-keys', 'rotate', id, '--value-stdin', '-o', 'json'], rotated);
    mock.accept(rotated);
    mock.set(rotated, { status: 422, echoKey: true });
    assert.equal((await chat(access.token)).status, 422);
    await run(['provider-keys', 'test', id]);
    await lookAtProcesses();

    await run(['daemon', 'stop']);
    await run(['daemon', 'start']);
    chat = await gateway();
    mock.set(rotated, {});
    const afterRestart = await chat(access.token);
    assert.equal(afterRestart.status, 200, afterRestart.text);
    assert.equal(mock.seen(rotated).at(-1)?.key, rotated, 'the rotated canary served the request');
    await lookAtProcesses();
    await run(['usage', 'list', '-o', 'json']);
    await run(['provider-keys', 'delete', id, '--yes']);
    await run(['daemon', 'logs', '-n', '1000']);
    await run(['daemon', 'stop']);

    const texts = [
      ...outputs.map((t) => ['CLI output', t]),
      ...responses.map((r) => ['gateway response', JSON.stringify(r.headers) + r.text]),
      ...processViews.map((t) => ['ps or /proc', t]),
    ];
    for (const secret of [canary, rotated]) {
      for (const fragment of windows(secret)) {
        for (const [where, text] of texts) assert.ok(!text!.includes(fragment), `${where} shows ${fragment}: ${text!.slice(0, 500)}`);
        for (const file of home.files()) assert.ok(!file.bytes.includes(fragment), `${file.path} holds ${fragment}`);
      }
    }
    assert.ok(home.files().some((f) => f.path.endsWith('daemon.log') && f.bytes.length > 0), 'the log was checked');
    assert.ok(home.files().some((f) => f.path.endsWith('.db-wal') || f.path.endsWith('.db')), 'the database was checked');
  } finally {
    await home.cleanup();
    await mock.close();
  }
});
