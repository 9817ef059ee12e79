import type { IncomingHttpHeaders } from 'node:http';

export interface SocketResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A GET over the control socket with node:net alone: what every read of the daemon uses (polling, TAB
 * completion, which loads this module without the rest of the CLI, and the read commands, see ApiClient).
 * Loading got costs a command ~13 ms and node:http with its parser ~3 ms more than this; for a TAB press
 * and a `list` that is most of what there is to spend. It speaks HTTP/1.0, so the daemon (our own, through
 * Node's HTTP server) answers with the plain body and closes: no keep-alive and no chunked encoding to
 * decode. node:net is loaded only when called, so a command that never talks to the daemon does not pay
 * for it. `timeoutMs` bounds each wait: to connect, and then between bytes of the answer.
 */
export async function socketGet(
  socketFile: string,
  path: string,
  timeoutMs: number,
  headers: Record<string, string> = {},
): Promise<SocketResponse> {
  // As node:http does: a space or line break would end the request line early, and bytes after it would
  // be read as more headers.
  if (/[^\x21-\x7e]/.test(path)) throw new Error(`the path ${JSON.stringify(path)} has characters a URL must escape`);
  const { connect } = await import('node:net');
  const head = [`GET ${path} HTTP/1.0`, 'host: localhost', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  return new Promise((resolve, reject) => {
    const socket = connect(socketFile);
    const chunks: Buffer[] = [];
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    socket.on('connect', () => socket.write(head.join('\r\n') + '\r\n\r\n'));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => {
      try {
        resolve(parseResponse(Buffer.concat(chunks)));
      } catch (err) {
        reject(err);
      }
    });
    socket.on('error', reject);
  });
}

function parseResponse(raw: Buffer): SocketResponse {
  const headEnd = raw.indexOf('\r\n\r\n');
  const [statusLine = '', ...lines] = raw.toString('latin1', 0, Math.max(headEnd, 0)).split('\r\n');
  const statusCode = Number(/^HTTP\/1\.[01] (\d{3}) /.exec(statusLine)?.[1]);
  if (headEnd < 0 || !statusCode) throw new Error('the daemon closed the connection without an answer');
  const headers: IncomingHttpHeaders = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const body = raw.subarray(headEnd + 4);
  if (headers['content-length'] !== undefined && Number(headers['content-length']) !== body.length) {
    throw new Error('the daemon closed the connection in the middle of its answer');
  }
  return { statusCode, headers, body: body.toString('utf8') };
}

/** A GET whose answer is JSON, whatever its status: /health and /status, and the completion lists. */
export async function getJson<T>(socketFile: string, path: string, timeoutMs: number): Promise<T> {
  return JSON.parse((await socketGet(socketFile, path, timeoutMs)).body) as T;
}
