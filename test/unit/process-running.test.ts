import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { processRunning } from '../../src/cli/daemon-process.js';

/**
 * `aigw daemon stop` waits until processRunning says the daemon has stopped. A daemon that exited stays a
 * zombie until its reaper collects it; a shell that execs into `sleep` makes one, as its background child
 * exits with a parent that never waits.
 */
test('a process that exited but is not reaped yet has stopped; a live one runs', async () => {
  const parent = spawn('sh', ['-c', 'sleep 0.1 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const pid = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (d) => resolve(String(d)))));
    assert.ok(processRunning(pid), 'running while it sleeps');
    const state = () => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0];
    const deadline = Date.now() + 5000;
    while (state() !== 'Z') {
      assert.ok(Date.now() < deadline, 'the child became a zombie');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    process.kill(pid, 0); // a zombie still takes signal 0
    assert.equal(processRunning(pid), false);
    assert.ok(processRunning(parent.pid!), 'its parent still runs');
  } finally {
    parent.kill('SIGKILL');
  }
  assert.equal(processRunning(2 ** 22 + 1), false, 'no such pid');
});
