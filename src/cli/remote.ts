import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AigwError, ERRORS } from '../core/errors.js';
import { isLoopbackHost } from '../core/listen.js';
import type { AigwPaths } from '../core/paths.js';

/**
 * A daemon's management API over TCP (AIGW_CONTROL_URL): its URL, the bearer token and the CA to trust.
 * Loaded only for a remote daemon, so local commands pay nothing for it (nor for node:https).
 */
export interface RemoteControl {
  url: URL;
  token: string;
  /** AIGW_CONTROL_CA's certificates, for a daemon whose certificate no public CA signed. */
  ca?: Buffer | undefined;
}

/** What Node's TLS reports when the certificate chain or name cannot be verified. */
const UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function readInput(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new AigwError(ERRORS.unreadableInput, `cannot read ${what} ${file}: ${(err as Error).message}`);
  }
}

/**
 * The token comes from AIGW_CONTROL_TOKEN, else the file of --token-file or AIGW_CONTROL_TOKEN_FILE; never
 * from argv. For a loopback URL (a daemon on this machine) the default is control-token in the config dir;
 * it is never sent to another machine, whose daemon it does not belong to.
 * Plain http:// is allowed to a loopback address only, where no network carries the token.
 */
export function remoteControl(spec: string, paths: AigwPaths, env: NodeJS.ProcessEnv): RemoteControl {
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    throw new AigwError(ERRORS.controlUrlInsecure, `AIGW_CONTROL_URL "${spec}" is not a URL; use https://HOST:PORT`);
  }
  const loopback = isLoopbackHost(url.hostname.replace(/^\[|\]$/g, ''));
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new AigwError(
      ERRORS.controlUrlInsecure,
      `AIGW_CONTROL_URL ${url.origin} would send the token unencrypted; use https:// (the daemon with --tls-cert and --tls-key)`,
    );
  }
  let token = env.AIGW_CONTROL_TOKEN?.trim();
  if (!token) {
    const file = env.AIGW_CONTROL_TOKEN_FILE || (loopback ? join(paths.configDir, 'control-token') : undefined);
    if (!file) {
      throw new AigwError(ERRORS.controlTokenMissing, `${url.origin} needs a bearer token: set AIGW_CONTROL_TOKEN_FILE or pass --token-file FILE (from \`aigw daemon tokens create\` there)`);
    }
    token = readInput(file, 'the control token for AIGW_CONTROL_URL,').toString('utf8').trim();
    if (!token) throw new AigwError(ERRORS.controlTokenMissing, `the control token file ${file} is empty`);
  }
  return { url, token, ca: env.AIGW_CONTROL_CA ? readInput(env.AIGW_CONTROL_CA, 'the CA file AIGW_CONTROL_CA,') : undefined };
}

/** A coded error for a certificate the CLI does not trust; undefined for every other failure. */
export function untrustedCertificate(err: unknown, remote: RemoteControl): AigwError | undefined {
  const code = (err as { code?: string }).code ?? '';
  if (!UNTRUSTED.has(code)) return undefined;
  return new AigwError(
    ERRORS.controlCertificateUntrusted,
    `the certificate of ${remote.url.origin} is not trusted (${code}); ` +
      (remote.ca ? 'it is not signed by AIGW_CONTROL_CA, or not for this host name' : 'for a self-signed one, set AIGW_CONTROL_CA to its CA file'),
  );
}

/**
 * A GET of a JSON document on the remote daemon with node:http(s) alone, for TAB completion, which must
 * stay cheap and fast: no got, and for `aigw doctor`. Rejects on any failure; an answer of 400 or more with
 * an error whose `statusCode` is that status and whose message has the daemon's.
 */
export async function remoteGetJson<T>(remote: RemoteControl, path: string, timeoutMs: number): Promise<T> {
  const { request } = remote.url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  const target = new URL(path.replace(/^\//, ''), remote.url.href.replace(/\/*$/, '/'));
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      { headers: { authorization: `Bearer ${remote.token}` }, timeout: timeoutMs, ...(remote.ca ? { ca: remote.ca } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          try {
            const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            if ((res.statusCode ?? 500) >= 400) {
              const why = typeof body?.msg === 'string' ? `: ${body.msg} (${body.errorCode})` : '';
              throw Object.assign(new Error(`status ${res.statusCode}${why}`), { statusCode: res.statusCode });
            }
            resolve(body as T);
          } catch (err) {
            reject(err);
          }
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
