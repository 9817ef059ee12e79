import type { RequestOptions } from 'node:https';

/**
 * For requests over the control socket: servername '' (a TLS option, unused there) spares Node's HTTP
 * agent from working out a TLS server name, whose IPv6 test compiles a large regular expression, ~2 ms of
 * a command.
 */
export const SOCKET_REQUEST_OPTIONS = { servername: '' } satisfies RequestOptions;

/**
 * A bare GET over the control socket: cheap enough for polling and for TAB completion, which loads this
 * module without the rest of the CLI (so it imports nothing but node:http, and that only when called: a
 * command that never talks to the daemon, such as `aigw --help`, does not pay for loading it).
 */
export async function getJson<T>(socketFile: string, path: string, timeoutMs: number): Promise<T> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const options: RequestOptions = { socketPath: socketFile, path, timeout: timeoutMs, ...SOCKET_REQUEST_OPTIONS };
    const req = request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as T);
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}
