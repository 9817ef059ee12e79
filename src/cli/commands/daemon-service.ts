import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { DAEMON_EXIT } from '../../core/daemon-status.js';
import { AigwError, ERRORS } from '../../core/errors.js';
import { resolvePaths } from '../../core/paths.js';
import { stopDaemon } from '../daemon-process.js';
import type { IO } from '../io.js';

/**
 * `aigw daemon install|uninstall`: the daemon started at login by the user's service manager, a systemd
 * user unit on Linux and a launchd agent on macOS, running `aigw daemon run` in the foreground.
 */
const UNIT = 'aigw.service';
const LAUNCHD_LABEL = 'dev.aigw.daemon';

/**
 * What decides where the daemon keeps its state: the service manager's environment is not the shell's, so
 * the ones set here go into the unit, and the CLI and the daemon find the same home. AIGW_MASTER_KEY is a
 * secret and never goes in a file: a daemon run by the service manager uses the master key file instead.
 * AIGW_DATABASE_URL goes in only without a password (see serviceSpec).
 */
const CARRIED_VARIABLES = [
  'AIGW_HOME',
  'XDG_DATA_HOME',
  'XDG_CONFIG_HOME',
  'XDG_STATE_HOME',
  'AIGW_SECRET_STORE',
  'AIGW_DATABASE_URL',
  'AIGW_MASTER_KEY_FILE',
  'AIGW_GATEWAY_LISTEN',
  'AIGW_GATEWAY_ALLOWED_HOSTS',
  'AIGW_GATEWAY_ALLOWED_ORIGINS',
  'AIGW_GATEWAY_BODY_LIMIT',
  'AIGW_CONTROL_LISTEN',
  'AIGW_CONTROL_TLS_CERT',
  'AIGW_CONTROL_TLS_KEY',
  'AIGW_LOG_LEVEL',
];

export interface ServiceSpec {
  /** node, then bin/aigw: the program the service manager runs, with `daemon run` after. */
  program: string[];
  env: [string, string][];
  logFile: string;
}

/** Whether a PostgreSQL URL carries a password, in its user part or as a parameter. */
function hasPassword(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.password !== '' || parsed.searchParams.has('password');
  } catch {
    return /:[^/@]*@|[?&]password=/.test(url);
  }
}

function serviceSpec(env: NodeJS.ProcessEnv): ServiceSpec {
  // The service file is not a secret (mode 0644, backed up, shown by --print): the URL must not need one there.
  if (env.AIGW_DATABASE_URL && hasPassword(env.AIGW_DATABASE_URL)) {
    throw new AigwError(
      ERRORS.databasePasswordInServiceFile,
      'AIGW_DATABASE_URL carries a password, which aigw does not write into a service file; nothing was written. ' +
        'Keep the password in ~/.pgpass (mode 0600) and set AIGW_DATABASE_URL without it, such as postgres://aigw@db.internal/aigw',
    );
  }
  return {
    program: [process.execPath, resolve(process.argv[1]!)],
    env: CARRIED_VARIABLES.filter((name) => env[name]).map((name) => [name, env[name]!]),
    logFile: resolvePaths(env).logFile,
  };
}

/** A quoted string of a unit file, with systemd's specifiers (%) escaped. */
const systemdQuoted = (text: string) => `"${text.replace(/[\\"]/g, (c) => `\\${c}`).replace(/%/g, '%%')}"`;
/** One word of ExecStart=, where $ also starts a variable (Environment= takes $ as it is). */
const execWord = (word: string) => systemdQuoted(word).replace(/\$/g, '$$$$');

export function systemdUnit(spec: ServiceSpec): string {
  const exec = [...spec.program, 'daemon', 'run'].map(execWord).join(' ');
  return [
    '# Written by `aigw daemon install`; `aigw daemon uninstall` removes it.',
    '[Unit]',
    'Description=aigw: AI provider keys and a local AI gateway',
    'Documentation=man:aigw(1)',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${exec}`,
    ...spec.env.map(([name, value]) => `Environment=${systemdQuoted(`${name}=${value}`)}`),
    'Restart=on-failure',
    'RestartSec=2',
    // A bad setting (EX_CONFIG) or a daemon already running for this home will not be cured by restarting.
    `RestartPreventExitStatus=${DAEMON_EXIT.badConfig} ${DAEMON_EXIT.alreadyRunning}`,
    'TimeoutStopSec=20',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}

const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function launchdPlist(spec: ServiceSpec): string {
  const strings = (items: string[]) => items.map((s) => `\t\t<string>${xml(s)}</string>`).join('\n');
  const env = spec.env.map(([name, value]) => `\t\t<key>${xml(name)}</key>\n\t\t<string>${xml(value)}</string>`).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<!-- Written by \`aigw daemon install\`; \`aigw daemon uninstall\` removes it. -->
<plist version="1.0">
<dict>
\t<key>Label</key>
\t<string>${LAUNCHD_LABEL}</string>
\t<key>ProgramArguments</key>
\t<array>
${strings([...spec.program, 'daemon', 'run'])}
\t</array>
\t<key>EnvironmentVariables</key>
\t<dict>
${env}
\t</dict>
\t<key>RunAtLoad</key>
\t<true/>
\t<key>KeepAlive</key>
\t<dict>
\t\t<key>SuccessfulExit</key>
\t\t<false/>
\t</dict>
\t<key>StandardOutPath</key>
\t<string>${xml(spec.logFile)}</string>
\t<key>StandardErrorPath</key>
\t<string>${xml(spec.logFile)}</string>
</dict>
</plist>
`;
}

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function runTool(command: string, args: string[]): Promise<Ran> {
  return new Promise((done) => {
    execFile(command, args, { timeout: 15_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? Number((err as { code: number }).code) : 127) : 0;
      done({ code, stdout: String(stdout), stderr: String(stderr || (err && !stderr ? err.message : '')) });
    });
  });
}

/** A systemd user manager is there to talk to (not in most containers and CI runners). */
async function systemdUserManager(): Promise<string | undefined> {
  const state = await runTool('systemctl', ['--user', 'is-system-running']);
  const answer = state.stdout.trim();
  if (['running', 'degraded', 'starting', 'initializing', 'maintenance'].includes(answer)) return undefined;
  return answer || state.stderr.trim().split('\n')[0] || 'systemctl is not installed';
}

async function must(command: string, args: string[]): Promise<void> {
  const ran = await runTool(command, args);
  if (ran.code !== 0) {
    throw new AigwError(ERRORS.serviceManagerFailed, `\`${command} ${args.join(' ')}\` failed: ${ran.stderr.trim().split('\n')[0] || `exit ${ran.code}`}`);
  }
}

interface Platform {
  file: string;
  text: (spec: ServiceSpec) => string;
  /** Why no service manager can be used here, or undefined when one can. */
  unavailable: () => Promise<string | undefined>;
  enable: (file: string) => Promise<void>;
  disable: (file: string) => Promise<void>;
  check: string;
}

function platform(env: NodeJS.ProcessEnv): Platform {
  const home = env.HOME || homedir();
  if (process.platform === 'linux') {
    return {
      file: join(env.XDG_CONFIG_HOME || join(home, '.config'), 'systemd', 'user', UNIT),
      text: systemdUnit,
      unavailable: systemdUserManager,
      enable: async () => {
        await must('systemctl', ['--user', 'daemon-reload']);
        await must('systemctl', ['--user', 'enable', '--now', UNIT]);
      },
      disable: async () => {
        await must('systemctl', ['--user', 'disable', '--now', UNIT]);
      },
      check: `systemctl --user status ${UNIT}; its log: journalctl --user -u ${UNIT}. To keep it running after you log out: loginctl enable-linger`,
    };
  }
  if (process.platform === 'darwin') {
    const domain = `gui/${process.getuid?.() ?? 0}`;
    return {
      file: join(home, 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`),
      text: launchdPlist,
      unavailable: async () => ((await runTool('launchctl', ['print', domain])).code === 0 ? undefined : `launchctl cannot reach ${domain}`),
      enable: (file) => must('launchctl', ['bootstrap', domain, file]),
      disable: () => must('launchctl', ['bootout', `${domain}/${LAUNCHD_LABEL}`]),
      check: `launchctl print ${domain}/${LAUNCHD_LABEL}; its log: aigw daemon logs`,
    };
  }
  throw new AigwError(ERRORS.unsupportedPlatform, `aigw daemon install supports Linux (systemd) and macOS (launchd), not ${process.platform}; run \`aigw daemon run\` from your own service manager`);
}

export async function install(io: IO, options: { print?: boolean }): Promise<void> {
  const target = platform(io.env);
  const spec = serviceSpec(io.env);
  if (options.print) return io.out(target.text(spec).trimEnd());
  const why = await target.unavailable();
  if (why) {
    throw new AigwError(
      ERRORS.serviceManagerUnavailable,
      `no service manager to start the daemon at login here (${why}); nothing was written. ` +
        'In a container or CI, run `aigw daemon run` as the main process instead',
    );
  }
  // The daemon the CLI started on demand holds this home's lock: the service manager's one takes over.
  const stopped = await stopDaemon(resolvePaths(io.env));
  if (stopped !== undefined) io.note(`Stopped the daemon started earlier (pid ${stopped}); the service manager runs it from now on.`);
  mkdirSync(dirname(target.file), { recursive: true });
  writeFileSync(target.file, target.text(spec), { mode: 0o644 });
  await target.enable(target.file);
  io.success(`Installed ${target.file}: the daemon runs now and starts at login`);
  if (spec.env.length) io.note(`It runs with ${spec.env.map(([n]) => n).join(', ')} as set here.`);
  if (io.env.AIGW_MASTER_KEY) io.warn('AIGW_MASTER_KEY is not written into the service file: the daemon it starts reads the master key file instead');
  io.note(`Check it: ${target.check}`);
}

export async function uninstall(io: IO): Promise<void> {
  const target = platform(io.env);
  if (!existsSync(target.file)) return io.note(`Not installed: there is no ${target.file}.`);
  const why = await target.unavailable();
  if (why) throw new AigwError(ERRORS.serviceManagerUnavailable, `cannot reach the service manager (${why}); nothing was changed`);
  await target.disable(target.file);
  rmSync(target.file, { force: true });
  io.success(`Uninstalled ${target.file}: the daemon is stopped and no longer starts at login (\`aigw daemon start\` starts it by hand)`);
}
