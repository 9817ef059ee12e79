import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { fakeKey, REPO, TestHome } from '../helpers/aigw.js';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'aigw-pack-'));
const home = new TestHome();
after(async () => {
  await home.cleanup();
  rmSync(work, { recursive: true, force: true });
});

/**
 * The package as `npm pack` makes it, installed globally into a temporary prefix. The suite has built dist/
 * already, so the pack skips its prepack build; and the install skips the native builds, which here would
 * compile better-sqlite3 from source for minutes, and takes them from this checkout's node_modules instead
 * (built for the Node running this test). Everything else is what a user's `npm install -g` does.
 */
test('npm pack gives a package that installs globally with no devDependencies, puts aigw on PATH, and man finds its page', async () => {
  const npm = { cwd: REPO, maxBuffer: 16 << 20, timeout: 240_000 };
  await run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work], npm);
  const tarball = readdirSync(work).find((f) => /^aigw-.*\.tgz$/.test(f));
  assert.ok(tarball, 'npm pack made no aigw-*.tgz');
  const prefix = join(work, 'prefix');
  await run('npm', ['install', '-g', join(work, tarball), '--prefix', prefix, '--ignore-scripts', '--prefer-offline',
    '--no-audit', '--no-fund', '--loglevel=error'], npm);

  const installed = join(prefix, 'lib', 'node_modules', 'aigw');
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
  for (const dev of Object.keys(pkg.devDependencies)) {
    assert.ok(!existsSync(join(installed, 'node_modules', dev)), `the devDependency ${dev} was installed`);
  }
  assert.ok(!existsSync(join(installed, 'dist', 'test')), 'the tests were packed');
  for (const native of ['better-sqlite3', 'keytar']) {
    const built = join(REPO, 'node_modules', native, 'build');
    if (existsSync(built)) cpSync(built, join(installed, 'node_modules', native, 'build'), { recursive: true });
  }

  const env = { ...home.env, PATH: `${join(prefix, 'bin')}:${dirname(process.execPath)}:/usr/bin:/bin`, MANPATH: join(prefix, 'share', 'man') };
  const aigw = (args: string[], input?: string) => {
    const child = execFile('aigw', args, { env, timeout: 30_000 });
    if (input !== undefined) child.stdin!.end(input);
    return new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d) => (stdout += d));
      child.stderr!.on('data', (d) => (stderr += d));
      child.on('close', (code) => (code === 0 ? resolve({ stdout, stderr }) : reject(new Error(`aigw ${args.join(' ')} exited ${code}: ${stderr}`))));
    });
  };
  assert.equal(realpathSync((await run('which', ['aigw'], { env })).stdout.trim()), realpathSync(join(installed, 'bin', 'aigw')));
  assert.equal((await aigw(['--version'])).stdout, `${pkg.version}\n`);
  const page = (await run('man', ['-w', 'aigw'], { env })).stdout.trim();
  assert.equal(realpathSync(page), realpathSync(join(installed, 'man', 'aigw.1')));

  // It works: the installed CLI starts the installed daemon, which stores and lists a key.
  const id = (await aigw(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin', '-q'], fakeKey())).stdout.trim();
  assert.match(id, /^aigpk_/);
  assert.match((await aigw(['provider-keys', 'list'])).stdout, new RegExp(`^${id}\\topenai\\t`, 'm'));
  const status = JSON.parse((await aigw(['daemon', 'status', '-o', 'json'])).stdout);
  const cmdline = readFileSync(`/proc/${status.pid}/cmdline`, 'utf8');
  assert.ok(cmdline.includes(realpathSync(installed)), `the daemon runs from ${cmdline}`);
});
