import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AIGW_BIN, TestHome } from '../helpers/aigw.js';
import { launchdPlist } from '../../src/cli/commands/daemon-service.js';
import { haveTool, runProgram } from '../helpers/tools.js';

/** `aigw daemon install|uninstall`: the unit it writes is valid, and where no systemd user instance runs it writes nothing. */
let home: TestHome;
let config: string;
before(() => {
  // A home whose path needs quoting and escaping in a unit file.
  home = new TestHome({}, 'aigw test 100%-');
  config = join(home.dir, 'xdg-config');
  mkdirSync(config);
});
after(() => home.cleanup());

test('the systemd unit it would write passes systemd-analyze verify and carries the home', async (t) => {
  if (process.platform !== 'linux' || !haveTool(t, 'systemd-analyze')) return;
  const printed = await home.run(['daemon', 'install', '--print'], { env: { XDG_CONFIG_HOME: config } });
  assert.equal(printed.code, 0, printed.stderr);
  const unit = printed.stdout;
  assert.ok(unit.includes(`ExecStart="${process.execPath}" "${AIGW_BIN}" "daemon" "run"`), unit);
  assert.ok(unit.includes(`Environment="AIGW_HOME=${home.dir.replace(/%/g, '%%')}"`), unit);
  assert.ok(unit.includes(`Environment="XDG_CONFIG_HOME=${config.replace(/%/g, '%%')}"`));
  assert.doesNotMatch(unit, /AIGW_MASTER_KEY/);
  const dir = join(home.dir, 'unit');
  const runtime = join(home.dir, 'runtime');
  mkdirSync(dir);
  mkdirSync(runtime, { mode: 0o700 });
  const file = join(dir, 'aigw.service');
  writeFileSync(file, unit);
  // --man=no: the man page Documentation= names is installed with the package, not on this machine.
  const verified = await runProgram('systemd-analyze', ['verify', '--man=no', '--user', file], { ...process.env, XDG_RUNTIME_DIR: runtime, HOME: home.dir });
  assert.equal(verified.code, 0, verified.stderr);
  assert.equal(verified.stderr.trim(), '', 'no warnings either');
  // The check can fail: a unit with a relative ExecStart does not pass.
  writeFileSync(file, unit.replace(/^ExecStart=.*$/m, 'ExecStart=bin/aigw daemon run'));
  const broken = await runProgram('systemd-analyze', ['verify', '--man=no', '--user', file], { ...process.env, XDG_RUNTIME_DIR: runtime, HOME: home.dir });
  assert.notEqual(broken.code, 0);
});

test('with the PostgreSQL Store the unit carries AIGW_DATABASE_URL, but a URL with a password is refused and never printed', async () => {
  const env = { XDG_CONFIG_HOME: config, AIGW_DATABASE_URL: 'postgres://aigw@db.internal/aigw', AIGW_MASTER_KEY_FILE: '/etc/aigw/master.key' };
  const printed = await home.run(['daemon', 'install', '--print'], { env });
  assert.equal(printed.code, 0, printed.stderr);
  assert.ok(printed.stdout.includes('Environment="AIGW_DATABASE_URL=postgres://aigw@db.internal/aigw"'), printed.stdout);
  assert.ok(printed.stdout.includes('Environment="AIGW_MASTER_KEY_FILE=/etc/aigw/master.key"'), printed.stdout);
  for (const url of ['postgres://aigw:canary-pw@db.internal/aigw', 'postgres://aigw@db.internal/aigw?password=canary-pw']) {
    for (const args of [['daemon', 'install', '--print'], ['daemon', 'install']]) {
      const refused = await home.fails(args, 2, 'ERR_AIGW_20090', { env: { ...env, AIGW_DATABASE_URL: url } });
      assert.match(refused.stderr, /~\/\.pgpass/);
      assert.ok(!refused.stdout.includes('canary-pw') && !refused.stderr.includes('canary-pw'));
    }
  }
  assert.deepEqual(readdirSync(config), [], 'nothing written');
});

test('where no systemd user instance runs, install says so, exits 4 and writes nothing', async (t) => {
  if (process.platform !== 'linux') return;
  const state = spawnSync('systemctl', ['--user', 'is-system-running'], { encoding: 'utf8' });
  if (/^(running|degraded|starting)/.test(state.stdout ?? '')) return t.skip('a systemd user instance runs here');
  const result = await home.fails(['daemon', 'install'], 4, 'ERR_AIGW_20035', { env: { XDG_CONFIG_HOME: config } });
  assert.match(result.stderr, /nothing was written.*aigw daemon run/);
  assert.deepEqual(readdirSync(config), []);
  assert.ok(!existsSync(join(home.dir, '.config')));
  const removed = await home.run(['daemon', 'uninstall'], { env: { XDG_CONFIG_HOME: config } });
  assert.equal(removed.code, 0, removed.stderr);
  assert.match(removed.stderr, /Not installed/);
});

test('the launchd agent for macOS is a property list that reads back exactly (checked with Python plistlib)', async (t) => {
  if (!haveTool(t, 'python3')) return;
  const spec = { program: ['/opt/node & co/bin/node', '/Users/a <b>/aigw/bin/aigw'], env: [['AIGW_HOME', "/Users/a 'b' & <c>"]] as [string, string][], logFile: '/tmp/x.log' };
  const read = spawnSync('python3', ['-c', 'import json, plistlib, sys; print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))'], { input: launchdPlist(spec), encoding: 'utf8' });
  assert.equal(read.status, 0, read.stderr);
  const plist = JSON.parse(read.stdout);
  assert.equal(plist.Label, 'dev.aigw.daemon');
  assert.deepEqual(plist.ProgramArguments, [...spec.program, 'daemon', 'run']);
  assert.deepEqual(plist.EnvironmentVariables, { AIGW_HOME: "/Users/a 'b' & <c>" });
  assert.equal(plist.RunAtLoad, true);
  assert.deepEqual(plist.KeepAlive, { SuccessfulExit: false });
  assert.equal(plist.StandardErrorPath, '/tmp/x.log');
});
