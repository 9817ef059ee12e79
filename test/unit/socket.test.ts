import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { socketGet } from '../../src/cli/socket.js';

/**
 * socketGet speaks just enough HTTP for the daemon's reads. Here it meets Node's own HTTP server (which
 * the daemon is built on) and daemons that misbehave on the wire: each must give a whole answer or an
 * error, never a half answer taken for a whole one.
 */
const dir = mkdtempSync(join(tmpdir(), 'aigw-socket-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let sockets = 0;

async function listening(server: Server): Promise<string> {
  const path = join(dir, `s${++sockets}.sock`);
  await new Promise<void>((resolve) => server.listen(path, resolve));
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return path;
}

function httpDaemon(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  return listening(createHttpServer(handle));
}

function rawDaemon(onRequest: (socket: Socket) => void): Promise<string> {
  return listening(createNetServer((socket) => socket.once('data', () => onRequest(socket))));
}

test('a streamed answer from Node\'s HTTP server arrives whole, with its status and headers', async () => {
  const socket = await httpDaemon((req, res) => {
    res.writeHead(404, { 'aigw-daemon-version': '1.2.3', 'content-type': 'application/json' });
    // No content-length: an HTTP/1.1 client would get this in chunked encoding.
    res.write('{"path":');
    setTimeout(() => res.end(`${JSON.stringify(`${req.url} ${req.headers['user-agent']}`)}}`), 20);
  });
  const answer = await socketGet(socket, '/provider-keys?limit=2', 2000, { 'user-agent': 'aigw-test' });
  assert.equal(answer.statusCode, 404);
  assert.equal(answer.headers['aigw-daemon-version'], '1.2.3');
  assert.deepEqual(JSON.parse(answer.body), { path: '/provider-keys?limit=2 aigw-test' });
});

test('a body in several writes, with a content-length and characters beyond ASCII, is read exactly', async () => {
  const body = JSON.stringify({ name: 'clé – ключ – 鍵', items: Array.from({ length: 2000 }, (_, i) => i) });
  const socket = await httpDaemon((_req, res) => {
    res.writeHead(200, { 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  assert.equal((await socketGet(socket, '/x', 2000)).body, body);
});

test('an answer cut off before its content-length is an error, not a shorter body', async () => {
  const socket = await rawDaemon((s) => s.end('HTTP/1.1 200 OK\r\ncontent-length: 50\r\n\r\n{"aiGatewayProviderKeys":['));
  await assert.rejects(socketGet(socket, '/x', 2000), /closed the connection in the middle of its answer/);
});

test('a connection closed without an answer is an error', async () => {
  const socket = await rawDaemon((s) => s.end());
  await assert.rejects(socketGet(socket, '/x', 2000), /closed the connection without an answer/);
});

test('a daemon that accepts but never answers is given up on after the timeout', async () => {
  const socket = await rawDaemon(() => undefined);
  const started = Date.now();
  await assert.rejects(socketGet(socket, '/x', 150), /no answer within 150 ms/);
  assert.ok(Date.now() - started < 2000);
});

test('a path that would break the request line is refused before anything is sent', async () => {
  let received = '';
  const socket = await listening(createNetServer((s) => s.on('data', (chunk) => (received += chunk))));
  await assert.rejects(socketGet(socket, '/x HTTP/1.0\r\nx-injected: 1', 2000), /has characters a URL must escape/);
  await assert.rejects(socketGet(socket, '/a b', 2000), /has characters a URL must escape/);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(received, '');
});

test('no daemon at all keeps the error code the CLI starts one on', async () => {
  await assert.rejects(socketGet(join(dir, 'nothing.sock'), '/x', 2000), { code: 'ENOENT' });
});
