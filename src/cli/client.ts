import type { Got } from 'got';
import { AigwError, ERRORS } from '../core/errors.js';
import { resolvePaths, type AigwPaths } from '../core/paths.js';
import { VERSION } from '../core/version.js';
import { startDaemon } from './daemon-process.js';
import { fromErrorBody } from './errors.js';
import type { IO } from './io.js';

const DAEMON_VERSION_HEADER = 'aigw-daemon-version';
const REQUEST_TIMEOUT_MS = 30_000;
const NOT_LISTENING = new Set(['ENOENT', 'ECONNREFUSED']);

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** The management API over the control socket. Error bodies become coded AigwErrors. */
export class ApiClient {
  private versionChecked = false;

  constructor(
    private readonly got: Got,
    private readonly io: IO,
    readonly paths: AigwPaths,
  ) {}

  async request<T>(method: Method, path: string, body?: unknown): Promise<T> {
    let response;
    try {
      response = await this.send(method, path, body);
    } catch (err) {
      if (!NOT_LISTENING.has((err as { code?: string }).code ?? '')) throw this.unreachable(err);
      await this.startOnDemand();
      response = await this.send(method, path, body).catch((e) => {
        throw this.unreachable(e);
      });
    }
    this.checkVersion(response.headers[DAEMON_VERSION_HEADER]);
    const parsed = response.body ? JSON.parse(response.body) : undefined;
    if (response.statusCode >= 400) throw fromErrorBody(parsed ?? {}, response.statusCode);
    return parsed as T;
  }

  private send(method: Method, path: string, body: unknown) {
    return this.got(path.replace(/^\//, ''), {
      method,
      ...(body === undefined ? {} : { json: body }),
    });
  }

  private unreachable(err: unknown): AigwError {
    return new AigwError(
      ERRORS.daemonUnreachable,
      `cannot reach the daemon at ${this.paths.socketFile} (${(err as Error).message}); see \`aigw daemon status\``,
    );
  }

  /** Any command that needs the daemon starts it, and says so, since it outlives the command. */
  private async startOnDemand(): Promise<void> {
    const { pid, warnings } = await startDaemon(this.paths);
    this.io.note(this.io.dim(`aigw: started the daemon (pid ${pid}); stop it with \`aigw daemon stop\``));
    for (const warning of warnings) this.io.warn(warning);
  }

  private checkVersion(daemonVersion: string | string[] | undefined): void {
    if (this.versionChecked) return;
    this.versionChecked = true;
    if (typeof daemonVersion === 'string' && daemonVersion !== VERSION) {
      this.io.warn(
        `the running daemon is aigw ${daemonVersion} but this CLI is ${VERSION}; ` +
          'restart it with `aigw daemon stop && aigw daemon start`',
      );
    }
  }
}

export async function connect(io: IO, paths: AigwPaths = resolvePaths()): Promise<ApiClient> {
  const { default: got } = await import('got');
  const client = got.extend({
    prefixUrl: `http://unix:${paths.socketFile}:`,
    enableUnixSockets: true,
    throwHttpErrors: false,
    retry: { limit: 0 },
    timeout: { request: REQUEST_TIMEOUT_MS },
    headers: { 'user-agent': `aigw-cli/${VERSION}` },
  });
  return new ApiClient(client, io, paths);
}
