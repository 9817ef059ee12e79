// A throwaway PostgreSQL cluster for one test file: Debian's `postgresql` package (scripts/test-setup.sh
// installs it), `initdb` into a temp dir, `postgres` listening only on a Unix socket in that dir, stopped and
// removed at the end. initdb and postgres refuse to run as root, so as root (CI) they run as the `postgres`
// system user the package creates, in a temp dir that user owns.
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** In CI the PostgreSQL tests are promised a server: its absence is a failure, not a skip. */
export const POSTGRES_REQUIRED = Boolean(process.env.CI);

/** The newest /usr/lib/postgresql/<version>/bin that has initdb, or why there is none. */
export function postgresBinDir(): string | { missing: string } {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (!versions.length) return { missing: 'PostgreSQL is not installed (run `bash scripts/test-setup.sh`: it installs Debian\'s postgresql)' };
  return join(root, versions[0]!, 'bin');
}

/** For `test(..., { skip })`: false when the cluster can start, the reason otherwise; in CI never a skip. */
export function skipWithoutPostgres(): string | false {
  const bin = postgresBinDir();
  if (typeof bin === 'string') return false;
  if (POSTGRES_REQUIRED) return false; // startCluster() then fails the test with the reason
  return bin.missing;
}

export interface PostgresCluster {
  /** The socket directory (`host` for a connection). */
  readonly socketDir: string;
  /** A URL for a new, empty database. */
  createDatabase(name?: string): Promise<string>;
  /** `pg_dump` of a database, as text. */
  dump(database: string): Promise<string>;
  /** Stops and starts the server again, as `pg_ctl restart` does; with `whileDown`, runs it between the two. */
  restart(whileDown?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

const USER = 'aigw';
let databases = 0;

export interface ClusterOptions {
  /** The aigw role's password, and every connection must give it (scram-sha-256); default: local trust. */
  password?: string;
}

export async function startCluster(cluster: ClusterOptions = {}): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  if (typeof bin !== 'string') throw new Error(bin.missing);
  const dir = mkdtempSync(join(tmpdir(), 'aigw-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  let owner: [number, number] | undefined;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    owner = [Number(stdout.trim()), Number(gid.trim())];
    chownSync(dir, ...owner);
  }
  chmodSync(dir, 0o700);
  const as = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args], { cwd: dir }) : run(join(bin, tool), args, { cwd: dir });

  const auth = ['--auth=trust'];
  const pwfile = join(dir, 'pwfile');
  if (cluster.password !== undefined) {
    writeFileSync(pwfile, `${cluster.password}\n`, { mode: 0o600 });
    if (owner) chownSync(pwfile, ...owner);
    auth.splice(0, 1, '--auth=scram-sha-256', `--pwfile=${pwfile}`);
  }
  await as('initdb', ['-D', data, '-U', USER, ...auth, '--encoding=UTF8', '--locale=C', '--no-sync', '--no-instructions']);
  rmSync(pwfile, { force: true });
  // Cheap and private: no TCP, no fsync; the socket in the cluster's own dir.
  const options = `-c listen_addresses='' -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  const pgCtl = (...args: string[]) => as('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '30', ...args]);
  await pgCtl('-o', options, 'start');
  let stopped = false;

  // A test file that ends without its after() hook (a crash, --test-force-exit) must not leave a server running.
  process.once('exit', () => {
    if (stopped) return;
    const stop = [join(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', 'stop'];
    try {
      if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', ...stop], { stdio: 'ignore' });
      else execFileSync(stop[0]!, stop.slice(1), { stdio: 'ignore' });
    } catch {
      // already stopped
    }
    rmSync(dir, { recursive: true, force: true });
  });
  const credentials = cluster.password === undefined ? USER : `${USER}:${encodeURIComponent(cluster.password)}`;
  const urlOf = (database: string) => `postgres://${credentials}@localhost/${database}?host=${encodeURIComponent(dir)}`;
  return {
    socketDir: dir,
    async createDatabase(name = `aigw_test_${process.pid}_${++databases}`) {
      const client = new pg.Client({ connectionString: urlOf('postgres') });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return urlOf(name);
    },
    async dump(database) {
      const { stdout } = await run(join(bin, 'pg_dump'), ['-h', dir, '-U', USER, '--data-only', database], {
        maxBuffer: 64 << 20,
        env: { ...process.env, ...(cluster.password === undefined ? {} : { PGPASSWORD: cluster.password }) },
      });
      return stdout;
    },
    async restart(whileDown) {
      if (!whileDown) return void (await pgCtl('-m', 'fast', '-o', options, 'restart'));
      await pgCtl('-m', 'fast', 'stop');
      try {
        await whileDown();
      } finally {
        await pgCtl('-o', options, 'start');
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await pgCtl('-m', 'immediate', 'stop').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
