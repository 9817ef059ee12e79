import type { IncomingMessage } from 'node:http';
import type { RequestOptions } from 'node:https';
import type { Got } from 'got';
import { AigwError, ERRORS } from '../core/errors.js';
import type { AigwPaths } from '../core/paths.js';
import { DAEMON_VERSION_HEADER, VERSION } from '../core/version.js';
import { startDaemon } from './daemon-process.js';
import { fromErrorBody } from './errors.js';
import { socketGet, type SocketResponse } from './socket.js';
import type { IO } from './io.js';
import type { RemoteControl } from './remote.js';

const REQUEST_TIMEOUT_MS = 30_000;
const USER_AGENT = `aigw-cli/${VERSION}`;
const NOT_LISTENING = new Set(['ENOENT', 'ECONNREFUSED']);

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** The management API over the control socket. Error bodies become coded AigwErrors. */
export class ApiClient {
  private versionChecked = false;
  private got?: Got;
  /** AIGW_CONTROL_URL's settings (and remote.js, which reads them), loaded when the first request goes out. */
  private remoteControl?: { settings: RemoteControl; module: typeof import('./remote.js') };

  /** AIGW_CONTROL_URL: a daemon's management API over TCP; never started on demand. */
  private readonly remote: string | undefined;

  constructor(
    private readonly io: IO,
    readonly paths: AigwPaths,
    /** The command's environment: the remote daemon's settings, and the environment a daemon started on demand gets. */
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.remote = env.AIGW_CONTROL_URL || undefined;
  }

  async request<T>(method: Method, path: string, body?: unknown): Promise<T> {
    let response;
    try {
      response = await this.send(method, path, body);
    } catch (err) {
      if (err instanceof AigwError) throw err;
      if (this.remote || !NOT_LISTENING.has((err as { code?: string }).code ?? '')) throw this.unreachable(err);
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

  /**
   * Reads of the local daemon (list, get, status: the commands people and scripts run most) are one
   * HTTP/1.0 GET on node:net (socketGet); got, ~13 ms to load, comes in for writes and for a remote
   * daemon, where its JSON bodies, TLS and timeouts earn their cost.
   */
  private async send(method: Method, path: string, body: unknown): Promise<SocketResponse> {
    const relative = path.replace(/^\//, '');
    if (!this.remote && method === 'GET') {
      return socketGet(this.paths.socketFile, `/${relative}`, REQUEST_TIMEOUT_MS, { 'user-agent': USER_AGENT });
    }
    return (await this.http())(relative, { method, ...(body === undefined ? {} : { json: body }) });
  }

  private async http(): Promise<Got> {
    if (this.remote && !this.remoteControl) {
      const module = await import('./remote.js');
      this.remoteControl = { settings: module.remoteControl(this.remote, this.paths, this.env), module };
    }
    this.got ??= await gotFor(this.paths, this.remoteControl?.settings);
    return this.got;
  }

  private unreachable(err: unknown): AigwError {
    const untrusted = this.remoteControl?.module.untrustedCertificate(err, this.remoteControl.settings);
    if (untrusted) return untrusted;
    return new AigwError(
      ERRORS.daemonUnreachable,
      `cannot reach the daemon at ${this.remote ?? this.paths.socketFile} (${(err as Error).message}); see \`aigw daemon status\``,
    );
  }

  /** Any command that needs the daemon starts it, and says so, since it outlives the command. */
  private async startOnDemand(): Promise<void> {
    const { pid, warnings } = await startDaemon(this.paths, {}, this.env);
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

/**
 * http.request for got's requests over the control socket, with servername '' (a TLS option, unused
 * there): it spares Node's HTTP agent from working out a TLS server name, whose IPv6 test compiles a
 * large regular expression, ~2 ms of a command.
 */
function overSocket(request: typeof import('node:http').request) {
  return (url: URL, options: RequestOptions, done?: (res: IncomingMessage) => void) => {
    const socketOptions: RequestOptions = { ...options, servername: '' };
    return request(url, socketOptions, done);
  };
}

async function gotFor(paths: AigwPaths, remote: RemoteControl | undefined): Promise<Got> {
  const { default: got } = await import('got');
  const { request } = await import('node:http');
  return got.extend({
    prefixUrl: remote ? remote.url.href.replace(/\/*$/, '/') : `http://unix:${paths.socketFile}:`,
    enableUnixSockets: !remote,
    ...(remote ? { https: { certificateAuthority: remote.ca } } : { request: overSocket(request) }),
    throwHttpErrors: false,
    retry: { limit: 0 },
    timeout: { request: REQUEST_TIMEOUT_MS },
    headers: { 'user-agent': USER_AGENT, ...(remote ? { authorization: `Bearer ${remote.token}` } : {}) },
  });
}

export function connect(io: IO, paths: AigwPaths, env: NodeJS.ProcessEnv): ApiClient {
  return new ApiClient(io, paths, env);
}
