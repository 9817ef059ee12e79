import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkSocketPath, MAX_SOCKET_PATH_BYTES, resolvePaths, SocketPathTooLongError } from '../../src/core/paths.js';

test('AIGW_HOME puts every piece of state under one directory', () => {
  const p = resolvePaths({ AIGW_HOME: '/tmp/h' });
  assert.equal(p.dbFile, '/tmp/h/data/aigw.db');
  assert.equal(p.socketFile, '/tmp/h/run/control.sock');
  assert.equal(p.logFile, '/tmp/h/state/daemon.log');
  assert.equal(p.masterKeyFile, '/tmp/h/config/master.key');
});

test('without AIGW_HOME the XDG directories are used', () => {
  const p = resolvePaths({ HOME: '/home/u', XDG_RUNTIME_DIR: '/run/user/1000', XDG_DATA_HOME: '/d', XDG_CONFIG_HOME: '/c' });
  assert.equal(p.dbFile, '/d/aigw/aigw.db');
  assert.equal(p.masterKeyFile, '/c/aigw/master.key');
  assert.equal(p.socketFile, '/run/user/1000/aigw/control.sock');
  assert.equal(p.stateDir, '/home/u/.local/state/aigw');
  const noRuntime = resolvePaths({ HOME: '/home/u' });
  assert.equal(noRuntime.socketFile, '/home/u/.local/state/aigw/run/control.sock');
});

test('a socket path too long for sun_path moves to a short private directory, distinct per home and not guessable', () => {
  const base = mkdtempSync(join(tmpdir(), 'aigw-paths-'));
  try {
    const long = join(base, 'x'.repeat(120));
    const a = resolvePaths({ AIGW_HOME: long, TMPDIR: '/tmp' });
    const b = resolvePaths({ AIGW_HOME: long + 'y', TMPDIR: '/tmp' });
    assert.ok(Buffer.byteLength(a.socketFile) <= MAX_SOCKET_PATH_BYTES);
    assert.match(a.socketFile, /^\/tmp\/aigw-\d+-[0-9a-f]{24}\/control\.sock$/);
    assert.notEqual(a.socketFile, b.socketFile);
    assert.equal(a.lockFile, `${long}/run/daemon.lock`);
    checkSocketPath(a);
    // The CLI and the daemon find the same directory...
    assert.equal(resolvePaths({ AIGW_HOME: long, TMPDIR: '/tmp' }).socketFile, a.socketFile);
    // ...but nobody can compute it from the path alone: it hashes a secret salt kept in the private state dir.
    const salt = join(long, 'state', 'socket-dir-salt');
    assert.equal(statSync(salt).mode & 0o777, 0o600);
    const fromPathOnly = createHash('sha256').update(a.runtimeDir).digest('hex').slice(0, 12);
    assert.ok(!a.socketDir.includes(fromPathOnly), 'the name is not a hash of the runtime path alone');
    rmSync(salt);
    assert.notEqual(resolvePaths({ AIGW_HOME: long, TMPDIR: '/tmp' }).socketFile, a.socketFile, 'a new salt, a new name');
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test('when even the short directory is too long, the path is refused, never truncated', () => {
  const base = mkdtempSync(join(tmpdir(), 'aigw-paths-'));
  try {
    const p = resolvePaths({ AIGW_HOME: join(base, 'x'.repeat(120)), TMPDIR: '/' + 'y'.repeat(120) });
    assert.throws(() => checkSocketPath(p), SocketPathTooLongError);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
