import type { PeerCertificate } from 'node:tls';
import type { DaemonChecks, DaemonStatus, StoreCheck } from '../../core/daemon-status.js';
import { ERRORS } from '../../core/errors.js';
import type { AigwPaths } from '../../core/paths.js';
import { VERSION } from '../../core/version.js';
import { remoteControl, remoteGetJson, type RemoteControl } from '../remote.js';
import { check, type Check } from './doctor.js';

/**
 * `aigw doctor` with AIGW_CONTROL_URL: the daemon is on another machine, so what can be checked from here is
 * the way to it (the connection, its certificate, the token) and what the daemon reports about itself.
 * Nothing local to that daemon (its files, its gateway port) is looked at.
 */
const CONNECT_TIMEOUT_MS = 3000;
const STATUS_TIMEOUT_MS = 5000;
const LIVE_CHECKS_TIMEOUT_MS = 10_000;
const STORE_CHECK_TIMEOUT_MS = 15_000;
/** A certificate that expires sooner than this is a warning: renew it before the CLIs stop trusting it. */
const EXPIRY_WARNING_DAYS = 14;
const DAY_MS = 86_400_000;

type Probe = { error: string } | { authorized: boolean; authorizationError?: string; certificate?: PeerCertificate; protocol?: string };

/**
 * Connects (and for https:// does the TLS handshake) without sending anything, so an untrusted certificate
 * is inspected, never sent the token.
 */
async function probe(remote: RemoteControl): Promise<Probe> {
  const host = remote.url.hostname.replace(/^\[|\]$/g, '');
  const tls = remote.url.protocol === 'https:';
  const port = Number(remote.url.port) || (tls ? 443 : 80);
  const net = await import('node:net');
  const socket = tls
    ? (await import('node:tls')).connect({
        host,
        port,
        rejectUnauthorized: false,
        timeout: CONNECT_TIMEOUT_MS,
        ...(net.isIP(host) ? {} : { servername: host }),
        ...(remote.ca ? { ca: remote.ca } : {}),
      })
    : net.connect({ host, port, timeout: CONNECT_TIMEOUT_MS });
  return new Promise((resolve) => {
    const done = (result: Probe) => {
      socket.destroy();
      resolve(result);
    };
    socket.on(tls ? 'secureConnect' : 'connect', () => {
      if (!('getPeerCertificate' in socket)) return done({ authorized: true });
      done({
        authorized: socket.authorized,
        certificate: socket.getPeerCertificate(),
        ...(socket.authorizationError ? { authorizationError: String(socket.authorizationError) } : {}),
        ...(socket.getProtocol() ? { protocol: socket.getProtocol()! } : {}),
      });
    });
    socket.on('timeout', () => done({ error: `no answer within ${CONNECT_TIMEOUT_MS} ms` }));
    socket.on('error', (err: NodeJS.ErrnoException) => done({ error: err.code ?? err.message }));
  });
}

function connectionCheck(remote: RemoteControl, result: Probe): Check {
  const title = 'Control plane';
  if ('error' in result) {
    const err = check('control', title, 'fail', `cannot connect to ${remote.url.origin} (${result.error})`,
      'check that the daemon runs with --control-listen, and that AIGW_CONTROL_URL names that address and port and nothing blocks it');
    return { ...err, errorCode: ERRORS.doctorRemoteUnreachable.code };
  }
  return check('control', title, 'ok', `${remote.url.origin} accepts connections${result.protocol ? ` (${result.protocol})` : ' (plain HTTP, loopback)'}`);
}

const nameOf = (entity: Record<string, string | string[] | undefined> | undefined) => {
  const cn = entity?.CN;
  return (Array.isArray(cn) ? cn.join(', ') : cn) || '(no common name)';
};

function certificateCheck(remote: RemoteControl, result: Probe, now: number): Check {
  const title = 'TLS certificate';
  if ('error' in result) return check('certificate', title, 'skip', 'not checked: no connection');
  if (remote.url.protocol !== 'https:') return check('certificate', title, 'skip', 'plain HTTP to a loopback address: no certificate');
  const cert = result.certificate;
  const anchor = remote.ca ? 'AIGW_CONTROL_CA' : "the system's CAs";
  const names = cert?.subjectaltname ? ` for ${cert.subjectaltname}` : '';
  const about = cert ? `${nameOf(cert.subject)}${names}, issued by ${nameOf(cert.issuer)}, SHA-256 ${cert.fingerprint256}` : 'no certificate';
  if (!result.authorized) {
    const fix = remote.ca
      ? `give AIGW_CONTROL_CA the CA that signed it (or, when self-signed, the certificate itself), and make AIGW_CONTROL_URL use a name it is for`
      : 'for a self-signed certificate or a private CA, set AIGW_CONTROL_CA to the CA file (or to the certificate itself)';
    const err = check('certificate', title, 'fail', `not trusted against ${anchor} (${result.authorizationError ?? 'unknown reason'}): ${about}`, fix);
    return { ...err, errorCode: ERRORS.doctorRemoteUntrusted.code };
  }
  const expires = cert?.valid_to ? Date.parse(cert.valid_to) : NaN;
  if (Number.isNaN(expires)) return check('certificate', title, 'ok', `trusted against ${anchor}: ${about}`);
  const days = Math.floor((expires - now) / DAY_MS);
  const detail = `trusted against ${anchor}: ${about}; valid until ${new Date(expires).toISOString()} (${days} day${days === 1 ? '' : 's'})`;
  if (days < EXPIRY_WARNING_DAYS) return check('certificate', title, 'warn', detail, 'renew it on the daemon\'s machine and restart the daemon with the new --tls-cert and --tls-key');
  return check('certificate', title, 'ok', detail);
}

function tokenCheck(status: DaemonStatus | (Error & { statusCode?: number })): Check {
  const title = 'Control token';
  if (!(status instanceof Error)) return check('token', title, 'ok', 'accepted');
  if (status.statusCode === 401) {
    const err = check('token', title, 'fail', 'refused: wrong, or deleted on the daemon\'s machine',
      'ask for a new one (`aigw daemon tokens create NAME` where the daemon runs) and put it in the file of AIGW_CONTROL_TOKEN_FILE or --token-file');
    return { ...err, errorCode: ERRORS.doctorRemoteTokenRefused.code };
  }
  // Named tokens are looked up in the Store: a daemon whose database is down cannot tell whether one is valid.
  if (status.statusCode) {
    return check('token', title, 'fail', `not checked: the daemon answered GET /status with ${status.message}`,
      "its Store may be down: run `aigw doctor` on the daemon's machine, and see its log");
  }
  const err = check('token', title, 'fail', `the daemon did not answer GET /status: ${status.message}`, 'see the daemon\'s log on its machine');
  return { ...err, errorCode: ERRORS.doctorRemoteUnreachable.code };
}

function daemonCheck(status: DaemonStatus): Check {
  const detail = `aigw ${status.version}, up ${status.uptimeSeconds} s, Store: ${status.store.kind === 'postgres' ? 'PostgreSQL' : 'SQLite'} (${status.store.location})`;
  if (status.version !== VERSION) {
    return check('daemon', 'Daemon', 'warn', `${detail}; this CLI is ${VERSION}`, 'run the same aigw version here and on the daemon\'s machine');
  }
  return check('daemon', 'Daemon', 'ok', detail);
}

const fromReport = (id: string, title: string, report: StoreCheck): Check => check(id, title, report.status, report.detail, report.fix);

/** Each part the daemon reports on, as it reports it; an older daemon without /status/checks gets a skip. */
async function reportedChecks(remote: RemoteControl, status: DaemonStatus): Promise<Check[]> {
  const asked = (path: string, timeoutMs: number) =>
    remoteGetJson<unknown>(remote, path, timeoutMs).catch((err: Error & { statusCode?: number }) => err);
  const [live, store] = await Promise.all([asked('/status/checks', LIVE_CHECKS_TIMEOUT_MS), asked('/status/store', STORE_CHECK_TIMEOUT_MS)]);
  const unanswered = (id: string, title: string, err: Error & { statusCode?: number }) =>
    err.statusCode === 404
      ? check(id, title, 'skip', `not reported by aigw ${status.version}`)
      : check(id, title, 'fail', `the daemon did not answer: ${err.message}`, 'see the daemon\'s log on its machine');
  const checks = live instanceof Error ? undefined : (live as DaemonChecks);
  const { kind, reason } = status.secretStore;
  return [
    checks ? fromReport('ready', 'Readiness', checks.ready) : unanswered('ready', 'Readiness', live as Error),
    checks
      ? fromReport('secretStore', 'Secret store', { ...checks.secretStore, detail: `${checks.secretStore.detail}; ${kind}: ${reason}` })
      : unanswered('secretStore', 'Secret store', live as Error),
    store instanceof Error ? unanswered('store', 'Store', store) : fromReport('store', 'Store', store as StoreCheck),
    status.gatewayUrl
      ? check('gateway', 'Gateway', 'ok', `the daemon reports it listens on ${status.gatewayUrl}`)
      : check('gateway', 'Gateway', 'fail', `not listening: ${status.gatewayError ?? 'unknown reason'}`, 'free the port on the daemon\'s machine, or give it another --gateway-listen, and restart it'),
  ];
}

/** The remote daemon's checks, after `local` (the checks of this machine that still apply, such as Node.js). */
export async function runRemoteChecks(spec: string, paths: AigwPaths, env: NodeJS.ProcessEnv, local: Check[]): Promise<Check[]> {
  // A URL or token that cannot be used is refused as every remote command refuses it (exit 2).
  const remote = remoteControl(spec, paths, env);
  const reached = await probe(remote);
  const checks = [...local, connectionCheck(remote, reached), certificateCheck(remote, reached, Date.now())];
  if (checks.some((c) => c.errorCode)) return checks;
  const status = await remoteGetJson<DaemonStatus>(remote, '/status', STATUS_TIMEOUT_MS).catch((err: Error) => err);
  checks.push(tokenCheck(status));
  if (status instanceof Error) return checks;
  return [...checks, daemonCheck(status), ...(await reportedChecks(remote, status))];
}
