import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fakeKey, TestHome } from '../helpers/aigw.js';
import { corsHeaders, http } from '../helpers/http.js';
import { MockUpstream, type Behaviour } from '../helpers/mock-upstream.js';

/**
 * The gateway's local attack surface and the faults around it: Host and Origin checks (DNS rebinding, CORS),
 * the request body limit, upstream error bodies that echo the key, and upstreams that reset, stall or send
 * huge headers.
 */
let mock: MockUpstream;
let home: TestHome;
let url: string;
let port: string;
/** A second home whose daemon was started with hosts, origins and a small body limit configured. */
let open: TestHome;
let openUrl: string;

async function pointAtMock(h: TestHome) {
  await h.json(['gateway', 'config', 'set', '--provider-base-url', `openai=${mock.baseUrl}`, '--provider-base-url', `anthropic=${mock.baseUrl}`, '--per-request-timeout', '1500ms', '--total-timeout', '10s']);
}

async function accessToken(h: TestHome): Promise<{ id: string; token: string }> {
  const created = await h.json(['access-keys', 'create', '--name', 'hardening']);
  return { id: created.id, token: created.token };
}

async function providerKey(h: TestHome, accessKeyId: string, behaviour?: Behaviour, value = fakeKey()) {
  mock.accept(value);
  if (behaviour) mock.set(value, behaviour);
  await h.json(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin', '--ai-gateway-api-key-id', accessKeyId], { input: value });
  return value;
}

const chat = (base: string, token: string, extra: Record<string, string> = {}) =>
  http(`${base}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...extra },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  });

before(async () => {
  mock = new MockUpstream();
  await mock.start();
  home = new TestHome();
  url = await home.gatewayUrl();
  port = new URL(url).port;
  await pointAtMock(home);
  open = new TestHome({
    AIGW_GATEWAY_ALLOWED_HOSTS: 'gw.internal, proxy.example:8443',
    AIGW_GATEWAY_ALLOWED_ORIGINS: 'https://app.example',
    AIGW_GATEWAY_BODY_LIMIT: '4KiB',
  });
  openUrl = await open.gatewayUrl();
  await pointAtMock(open);
});

// Each step guarded: when before() failed part-way, the rest must still be cleaned up.
after(async () => {
  await home?.cleanup();
  await open?.cleanup();
  await mock?.close();
});

describe('Host header (DNS rebinding)', () => {
  test('loopback names with the listen port are answered', async () => {
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'localhost', `LOCALHOST:${port}`]) {
      const res = await http(`${url}/health`, { headers: { host } });
      assert.equal(res.status, 200, `${host}: ${res.text}`);
    }
  });

  test('any other name is refused with a coded 403 before authentication, in the API dialect called', async () => {
    const { token } = await accessToken(home);
    for (const host of [`evil.example:${port}`, 'attacker.test', `localhost.evil.example:${port}`, `127.0.0.1.nip.io:${port}`]) {
      const res = await http(`${url}/v1/models`, { headers: { host, authorization: `Bearer ${token}` } });
      assert.equal(res.status, 403, host);
      assert.equal(res.json.error.code, 'ERR_AIGW_30007');
    }
    const anthropic = await http(`${url}/v1/messages`, { method: 'POST', headers: { host: 'evil.example', 'content-type': 'application/json' }, body: '{}' });
    assert.equal(anthropic.status, 403);
    assert.equal(anthropic.json.type, 'error');
    assert.equal(anthropic.json.error.code, 'ERR_AIGW_30007');
  });

  test('configured hosts are answered: a bare name with the listen port, a name with a port only with that port', async () => {
    const openPort = new URL(openUrl).port;
    assert.equal((await http(`${openUrl}/health`, { headers: { host: `gw.internal:${openPort}` } })).status, 200);
    assert.equal((await http(`${openUrl}/health`, { headers: { host: 'proxy.example:8443' } })).status, 200);
    assert.equal((await http(`${openUrl}/health`, { headers: { host: 'proxy.example:9999' } })).status, 403);
    assert.equal((await http(`${openUrl}/health`, { headers: { host: `evil.example:${openPort}` } })).status, 403);
  });
});

describe('CORS', () => {
  test('without configured origins: no CORS headers; a browser origin and its preflight are refused', async () => {
    const { token } = await accessToken(home);
    const plain = await http(`${url}/v1/models`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(plain.status, 200);
    assert.deepEqual(corsHeaders(plain), []);
    const preflight = await http(`${url}/v1/chat/completions`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
    });
    assert.equal(preflight.status, 403);
    assert.equal(preflight.json.error.code, 'ERR_AIGW_30008');
    assert.deepEqual(corsHeaders(preflight), []);
    const withOrigin = await http(`${url}/v1/models`, { headers: { authorization: `Bearer ${token}`, origin: 'https://evil.example' } });
    assert.equal(withOrigin.status, 403);
    assert.deepEqual(corsHeaders(withOrigin), []);
  });

  test('a configured origin gets a proper preflight answer and CORS headers; others still get none', async () => {
    const { token } = await accessToken(open);
    const preflight = await http(`${openUrl}/v1/chat/completions`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], 'https://app.example');
    assert.match(String(preflight.headers['access-control-allow-methods']), /POST/);
    assert.match(String(preflight.headers['access-control-allow-headers']), /authorization/);
    assert.ok(preflight.headers['access-control-max-age']);
    const models = await http(`${openUrl}/v1/models`, { headers: { authorization: `Bearer ${token}`, origin: 'https://app.example' } });
    assert.equal(models.status, 200);
    assert.equal(models.headers['access-control-allow-origin'], 'https://app.example');
    assert.match(String(models.headers['access-control-expose-headers']), /x-aigw-request-id/);
    const other = await http(`${openUrl}/v1/chat/completions`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    assert.equal(other.status, 403);
    assert.deepEqual(corsHeaders(other), []);
  });
});

describe('request body limit', () => {
  const body = (size: number) => JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(size) }] });

  test('a body over the configured limit gets a 413 in the API\'s own error shape; a smaller one goes through', async () => {
    const { id, token } = await accessToken(open);
    await providerKey(open, id);
    const big = await http(`${openUrl}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body(8 * 1024) });
    assert.equal(big.status, 413);
    assert.equal(big.json.error.code, 'ERR_AIGW_10004');
    const bigAnthropic = await http(`${openUrl}/v1/messages`, { method: 'POST', headers: { 'x-api-key': token, 'content-type': 'application/json' }, body: body(8 * 1024) });
    assert.equal(bigAnthropic.status, 413);
    assert.equal(bigAnthropic.json.type, 'error');
    assert.equal(bigAnthropic.json.error.type, 'request_too_large');
    const small = await http(`${openUrl}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body(1024) });
    assert.equal(small.status, 200, small.text);
  });

  test('a chunked body (no Content-Length) is cut off at the limit with the same 413', async () => {
    const { id, token } = await accessToken(open);
    await providerKey(open, id);
    const big = await http(`${openUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      body: body(8 * 1024),
    });
    assert.equal(big.status, 413);
    assert.equal(big.json.error.code, 'ERR_AIGW_10004');
  });

  test('the default limit is larger: the same 8 KiB body goes through', async () => {
    const { id, token } = await accessToken(home);
    await providerKey(home, id);
    const res = await http(`${url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body(8 * 1024) });
    assert.equal(res.status, 200, res.text);
  });

  test('a malformed limit stops the daemon from starting, naming the setting', async () => {
    const bad = new TestHome({ AIGW_GATEWAY_BODY_LIMIT: 'lots' });
    try {
      const res = await bad.run(['daemon', 'start']);
      assert.notEqual(res.code, 0);
      assert.match(res.stderr, /body limit "lots"/);
    } finally {
      await bad.cleanup();
    }
  });
});

describe('malformed requests', () => {
  test('each gets a coded 4xx in the dialect called, and nothing goes upstream', async () => {
    const { id, token } = await accessToken(home);
    const key = await providerKey(home, id);
    const post = (path: string, contentType: string | undefined, payload: string) =>
      http(`${url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'x-api-key': token, ...(contentType ? { 'content-type': contentType } : {}) },
        body: payload,
      });
    const cases: [string, Promise<Awaited<ReturnType<typeof http>>>, number, string][] = [
      ['form-encoded body', post('/v1/chat/completions', 'application/x-www-form-urlencoded', 'model=gpt-4o-mini'), 415, 'ERR_AIGW_10003'],
      ['no content type', post('/v1/chat/completions', undefined, '{"model":"gpt-4o-mini"}'), 415, 'ERR_AIGW_10003'],
      ['empty body', post('/v1/chat/completions', 'application/json', ''), 400, 'ERR_AIGW_10001'],
      ['broken JSON', post('/v1/chat/completions', 'application/json; charset=utf-8', '{"model": "gpt-4o-mini",'), 400, 'ERR_AIGW_10001'],
      ['unknown route', post('/v1/chat/complete', 'application/json', '{}'), 404, 'ERR_AIGW_10405'],
      ['wrong method', http(`${url}/v1/chat/completions`, { headers: { authorization: `Bearer ${token}` } }), 404, 'ERR_AIGW_10405'],
    ];
    for (const [what, pending, status, code] of cases) {
      const res = await pending;
      assert.equal(res.status, status, `${what}: ${res.text}`);
      assert.equal(res.json?.error?.code, code, what);
    }
    const anthropic = await post('/v1/messages', 'application/json', '[not json');
    assert.equal(anthropic.status, 400);
    assert.equal(anthropic.json.type, 'error');
    assert.equal(anthropic.json.error.type, 'invalid_request_error');
    assert.equal(anthropic.json.error.code, 'ERR_AIGW_10001');
    assert.equal(mock.seen(key).length, 0, 'no request reached the upstream');
    assert.equal((await chat(url, token)).status, 200, 'and the next good request is served');
  });
});

describe('upstream error bodies that echo the key', () => {
  const fragments = (key: string) => Array.from({ length: key.length - 7 }, (_, i) => key.slice(i, i + 8));

  test('a 4xx passed back to the client carries no 8-character fragment of the key', async () => {
    const { id, token } = await accessToken(home);
    const key = await providerKey(home, id, { status: 400, echoKey: true });
    const res = await chat(url, token);
    assert.equal(res.status, 400);
    assert.match(res.text, /\[REDACTED\]/);
    // The key itself would have started at a letter: every 8-character window of it is gone.
    for (const f of fragments(key).filter((f) => !f.startsWith('sk-proj'))) assert.ok(!res.text.includes(f), `fragment ${f} in ${res.text}`);
    assert.ok(res.json.error.message.startsWith('mock failure 400'), 'the rest of the message survives');
  });

  test('after failover from a key the upstream rejected with an echo, neither body nor log shows it', async () => {
    const { id, token } = await accessToken(home);
    const rejected = fakeKey();
    await home.json(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin', '--ai-gateway-api-key-id', id], { input: rejected });
    mock.set(rejected, { echoKey: true });
    const res = await chat(url, token);
    assert.equal(res.status, 502);
    const log = readFileSync(`${home.dir}/state/daemon.log`, 'utf8');
    for (const f of fragments(rejected).slice(8)) {
      assert.ok(!res.text.includes(f), res.text);
      assert.ok(!log.includes(f));
    }
  });
});

/** The daemon's resident set size, in bytes. */
function rssOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))!;
  return Number(/(\d+)/.exec(line)![1]) * 1024;
}

describe('faults around us', () => {
  test('a reset connection fails over to the next key, and alone gives a coded 502', async () => {
    const { id, token } = await accessToken(home);
    await providerKey(home, id, { reset: true });
    const alone = await chat(url, token);
    assert.equal(alone.status, 502);
    assert.equal(alone.json.error.code, 'ERR_AIGW_27613');
    await providerKey(home, id);
    const res = await chat(url, token);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['x-aigw-attempts'], '2');
  });

  test('an upstream that stalls before its headers times out with a coded 504', async () => {
    const { id, token } = await accessToken(home);
    await providerKey(home, id, { stall: true });
    const res = await chat(url, token);
    assert.equal(res.status, 504);
    assert.equal(res.json.error.code, 'ERR_AIGW_27610');
  });

  test('huge response headers are a failed attempt (not buffered): a coded 502, then failover', async () => {
    const { id, token } = await accessToken(home);
    await providerKey(home, id, { hugeHeaders: 1024 * 1024 });
    const res = await chat(url, token);
    assert.equal(res.status, 502, res.text);
    assert.equal(res.json.error.code, 'ERR_AIGW_27613');
    assert.match(res.json.error.message, /HEADERS_OVERFLOW|header/i);
    await providerKey(home, id);
    assert.equal((await chat(url, token)).status, 200);
  });

  test('after many faulty exchanges the gateway is healthy and its memory bounded', async () => {
    const pid = (await home.json(['daemon', 'status'])).pid as number;
    const { id, token } = await accessToken(home);
    await providerKey(home, id, { reset: true });
    await providerKey(home, id, { hugeHeaders: 2 * 1024 * 1024 });
    await providerKey(home, id, { stallStream: true });
    const before = rssOf(pid);
    const stream = JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    for (let round = 0; round < 5; round++) {
      const results = await Promise.all(
        Array.from({ length: 8 }, () =>
          http(`${url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: stream }),
        ),
      );
      // Reset and huge headers fail over; the stalled stream has started, so it ends with an error event.
      for (const r of results) {
        assert.equal(r.status, 200);
        assert.match(r.text, /event: error/);
      }
    }
    assert.equal((await http(`${url}/health`)).status, 200);
    const grown = rssOf(pid) - before;
    assert.ok(grown < 64 * 1024 * 1024, `the daemon grew by ${Math.round(grown / 1024 / 1024)} MiB over 40 faulty requests of 2 MiB headers`);
  });
});
