import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the mock answers requests made with one provider key. */
export interface Behaviour {
  /** Answer this status with an error body in the provider's shape (429, 401, 500…). */
  status?: number;
  retryAfter?: string;
  /** Never answer (until the caller gives up). */
  stall?: boolean;
  /** Answer normally, but only after this many milliseconds. */
  delayMs?: number;
  /** Stream a couple of events, then cut the connection. */
  breakStream?: boolean;
  /** Stream a couple of events, then go quiet without closing. */
  stallStream?: boolean;
  /** Stream one event every `slowMs` for a long time (for client-abort tests). */
  slowMs?: number;
  /** Put the key it received (whole, and a fragment) in its error message, as some providers do. */
  echoKey?: boolean;
  /** Reset the connection as soon as the request has arrived, before any response byte. */
  reset?: boolean;
  /** Answer with this many bytes of response headers. */
  hugeHeaders?: number;
  /** Report prompt-cache tokens, each provider its way (OpenAI: cached_tokens inside the prompt; Anthropic: beside it). */
  cache?: { read: number; write: number };
  /** Answer however this says (a hostile upstream's scripted answer), for requests the key is valid for. */
  respond?: (res: ServerResponse) => void | Promise<void>;
}

/** One request the mock received, with every header, so tests can check what did and did not travel. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: any;
  /** The provider key it carried: `Authorization: Bearer …` or `x-api-key`. */
  key: string | undefined;
  /** Set when the connection closed before the mock finished its answer. */
  aborted: boolean;
}

function credential(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7);
  const apiKey = req.headers['x-api-key'];
  return typeof apiKey === 'string' ? apiKey : undefined;
}

const sse = (data: unknown, event?: string) => `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;

/**
 * A stand-in for OpenAI and Anthropic: their paths, JSON and SSE shapes and usage fields. It accepts only
 * the keys it was told about, and can be told to fail, stall or break a stream for a given key.
 */
export class MockUpstream {
  readonly requests: SeenRequest[] = [];
  private readonly validKeys = new Set<string>();
  private readonly behaviours = new Map<string, Behaviour>();
  private server: Server | undefined;
  /** Answer requests that carry no key at all, as a local Ollama does. */
  allowNoKey = false;
  url = '';

  /** The base URL to give aigw for a provider (the mock serves both dialects under /v1). */
  get baseUrl(): string {
    return `${this.url}/v1`;
  }

  accept(...keys: string[]): void {
    for (const key of keys) this.validKeys.add(key);
  }

  set(key: string, behaviour: Behaviour): void {
    this.behaviours.set(key, behaviour);
  }

  clear(): void {
    this.behaviours.clear();
    this.requests.length = 0;
  }

  /** Requests made with this key. */
  seen(key: string): SeenRequest[] {
    return this.requests.filter((r) => r.key === key);
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** Resolves once `predicate` holds, polling; for facts that arrive asynchronously (an abort). */
  async waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > until) throw new Error('mock upstream: condition not met in time');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const seen: SeenRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: { ...req.headers },
      body: text ? JSON.parse(text) : undefined,
      key: credential(req),
      aborted: false,
    };
    this.requests.push(seen);
    res.on('close', () => {
      if (!res.writableFinished) seen.aborted = true;
    });
    const anthropic = seen.path.startsWith('/v1/messages');
    const behaviour = (seen.key && this.behaviours.get(seen.key)) || {};
    if (behaviour.stall) return;
    if (behaviour.delayMs) await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
    if (behaviour.reset) return void req.socket.resetAndDestroy();
    if (behaviour.hugeHeaders) {
      const chunk = 'x'.repeat(8000);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      for (let i = 0; i * chunk.length < behaviour.hugeHeaders; i++) headers[`x-huge-${i}`] = chunk;
      res.writeHead(200, headers);
      return void res.end('{}');
    }
    const keyOk = seen.key ? this.validKeys.has(seen.key) : this.allowNoKey;
    const echo = behaviour.echoKey && seen.key ? `: got key ${seen.key} (${seen.key.slice(3, 20)}...${seen.key.slice(-6)})` : '';
    if (!keyOk) return this.error(res, anthropic, 401, `invalid x-api-key / Incorrect API key provided${echo}`);
    if (behaviour.respond) return void (await behaviour.respond(res));
    if (behaviour.status) return this.error(res, anthropic, behaviour.status, `mock failure ${behaviour.status}${echo}`, behaviour.retryAfter);
    const path = seen.path.split('?')[0];
    if (req.method === 'GET' && path === '/v1/models') {
      return this.json(res, { object: 'list', data: [{ id: 'gpt-4o-mini', object: 'model', created: 0, owned_by: 'openai' }] });
    }
    const body = seen.body ?? {};
    if (path === '/v1/messages') {
      return body.stream ? this.anthropicStream(res, body, behaviour) : this.json(res, this.anthropicMessage(body, behaviour));
    }
    if (path === '/v1/chat/completions') {
      return body.stream ? this.openaiStream(res, body, behaviour) : this.json(res, this.chatCompletion(body, behaviour));
    }
    if (path === '/v1/embeddings') {
      return this.json(res, { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }], model: body.model, usage: { prompt_tokens: 3, total_tokens: 3 } });
    }
    if (path === '/v1/completions') {
      return this.json(res, { id: 'cmpl-1', object: 'text_completion', model: body.model, choices: [{ index: 0, text: 'mock', finish_reason: 'stop' }], usage: { prompt_tokens: 2, completion_tokens: 1, total_tokens: 3 } });
    }
    if (path === '/v1/responses') return body.stream ? this.responsesStream(res, body, behaviour) : this.json(res, this.response(body, behaviour));
    this.error(res, anthropic, 404, `no mock route ${path}`);
  }

  private json(res: ServerResponse, body: unknown, status = 200): void {
    res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': 'mock-req' });
    res.end(JSON.stringify(body));
  }

  private error(res: ServerResponse, anthropic: boolean, status: number, message: string, retryAfter?: string): void {
    const body = anthropic
      ? { type: 'error', error: { type: status === 429 ? 'rate_limit_error' : status === 401 ? 'authentication_error' : 'api_error', message } }
      : { error: { message, type: 'mock_error', code: String(status) } };
    res.writeHead(status, { 'content-type': 'application/json', ...(retryAfter ? { 'retry-after': retryAfter } : {}) });
    res.end(JSON.stringify(body));
  }

  /** OpenAI's usage: cached tokens are part of prompt_tokens, reasoning tokens part of completion_tokens. */
  private openaiUsage(prompt: number, completion: number, behaviour: Behaviour) {
    return {
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
      ...(behaviour.cache ? { prompt_tokens_details: { cached_tokens: behaviour.cache.read } } : {}),
    };
  }

  /** Anthropic's usage: input_tokens leaves out the cache reads and writes it reports beside it. */
  private anthropicUsage(input: number, output: number, behaviour: Behaviour) {
    return {
      input_tokens: input,
      cache_creation_input_tokens: behaviour.cache?.write ?? 0,
      cache_read_input_tokens: behaviour.cache?.read ?? 0,
      output_tokens: output,
    };
  }

  private chatCompletion(body: any, behaviour: Behaviour) {
    return {
      id: 'chatcmpl-mock',
      object: 'chat.completion',
      created: 1,
      model: body.model,
      choices: [{ index: 0, message: { role: 'assistant', content: `hello from ${body.model}` }, finish_reason: 'stop' }],
      usage: this.openaiUsage(11, 5, behaviour),
    };
  }

  private response(body: any, behaviour: Behaviour) {
    return {
      id: 'resp_1',
      object: 'response',
      status: 'completed',
      model: body.model,
      output: [{ type: 'message', id: 'msg_1', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: `hello from ${body.model}`, annotations: [] }] }],
      usage: {
        input_tokens: 4,
        input_tokens_details: { cached_tokens: behaviour.cache?.read ?? 0 },
        output_tokens: 2,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: 6,
      },
    };
  }

  private responsesStream(res: ServerResponse, body: any, behaviour: Behaviour): Promise<void> {
    const done = this.response(body, behaviour);
    const inProgress = { ...done, status: 'in_progress', output: [], usage: null };
    const events = [
      sse({ type: 'response.created', sequence_number: 0, response: inProgress }, 'response.created'),
      sse({ type: 'response.output_text.delta', sequence_number: 1, item_id: 'msg_1', output_index: 0, content_index: 0, delta: `hello from ${body.model}` }, 'response.output_text.delta'),
      sse({ type: 'response.completed', sequence_number: 2, response: done }, 'response.completed'),
    ];
    return this.writeEvents(res, events, behaviour);
  }

  private anthropicMessage(body: any, behaviour: Behaviour) {
    return {
      id: 'msg_mock',
      type: 'message',
      role: 'assistant',
      model: body.model,
      content: [{ type: 'text', text: `hello from ${body.model}` }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: this.anthropicUsage(12, 6, behaviour),
    };
  }

  private async writeEvents(res: ServerResponse, events: string[], behaviour: Behaviour): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    if (behaviour.slowMs) {
      for (let i = 0; i < 600 && !res.destroyed; i++) {
        res.write(events[Math.min(i, 1)]);
        await new Promise((r) => setTimeout(r, behaviour.slowMs));
      }
      return void res.end();
    }
    if (behaviour.stallStream) {
      res.write(events[0]);
      return void res.write(events[1]);
    }
    if (behaviour.breakStream) {
      res.write(events[0]);
      res.write(events[1]);
      await new Promise((r) => setTimeout(r, 50));
      return void res.socket?.destroy();
    }
    for (const event of events) res.write(event);
    res.end();
  }

  private openaiStream(res: ServerResponse, body: any, behaviour: Behaviour): Promise<void> {
    const includeUsage = body.stream_options?.include_usage === true;
    // With include_usage, OpenAI puts `"usage":null` in every chunk but the last, which carries the usage.
    const chunk = (delta: object, finish: string | null) => ({
      id: 'chatcmpl-mock',
      object: 'chat.completion.chunk',
      created: 1,
      model: body.model,
      choices: [{ index: 0, delta, finish_reason: finish }],
      ...(includeUsage ? { usage: null } : {}),
    });
    const events = [
      sse(chunk({ role: 'assistant', content: '' }, null)),
      sse(chunk({ content: 'hello ' }, null)),
      sse(chunk({ content: `from ${body.model}` }, null)),
      sse(chunk({}, 'stop')),
    ];
    if (includeUsage) {
      events.push(sse({ id: 'chatcmpl-mock', object: 'chat.completion.chunk', created: 1, model: body.model, choices: [], usage: this.openaiUsage(7, 3, behaviour) }));
    }
    events.push('data: [DONE]\n\n');
    return this.writeEvents(res, events, behaviour);
  }

  private anthropicStream(res: ServerResponse, body: any, behaviour: Behaviour): Promise<void> {
    const events = [
      sse({ type: 'message_start', message: { id: 'msg_mock', type: 'message', role: 'assistant', model: body.model, content: [], stop_reason: null, stop_sequence: null, usage: this.anthropicUsage(9, 1, behaviour) } }, 'message_start'),
      sse({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, 'content_block_start'),
      sse({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'hello ' } }, 'content_block_delta'),
      sse({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: `from ${body.model}` } }, 'content_block_delta'),
      sse({ type: 'content_block_stop', index: 0 }, 'content_block_stop'),
      sse({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 4 } }, 'message_delta'),
      sse({ type: 'message_stop' }, 'message_stop'),
    ];
    return this.writeEvents(res, events, behaviour);
  }
}
