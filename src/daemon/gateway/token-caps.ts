import type { Endpoint } from './proxy.js';

type Body = Record<string, unknown>;

/** Where each API takes its output cap, and where a chat completion's goes when the client sent none. */
function outputFields(endpoint: Endpoint, providerId: string): { present: readonly string[]; absent: string } | undefined {
  if (endpoint.format === 'anthropic' || endpoint.apiPath === '/completions') return { present: ['max_tokens'], absent: 'max_tokens' };
  if (endpoint.apiPath === '/responses') return { present: ['max_output_tokens'], absent: 'max_output_tokens' };
  if (endpoint.apiPath === '/chat/completions') {
    // OpenAI's reasoning models refuse max_tokens; OpenAI-compatible servers may not know max_completion_tokens.
    return { present: ['max_completion_tokens', 'max_tokens'], absent: providerId === 'openai' ? 'max_completion_tokens' : 'max_tokens' };
  }
  return undefined;
}

/** Lowers the request's output limit to `cap`, or sets it where the client sent none (embeddings have none). */
export function capOutputTokens(body: Body, endpoint: Endpoint, providerId: string, cap: number): void {
  const fields = outputFields(endpoint, providerId);
  if (!fields) return;
  let found = false;
  for (const field of fields.present) {
    const value = body[field];
    if (typeof value !== 'number') continue;
    found = true;
    if (value > cap) body[field] = cap;
  }
  if (!found) body[fields.absent] = cap;
}

/** The fields whose strings the model reads as text: message contents, system prompts, prompts, Responses input. */
const TEXT_KEYS = new Set(['content', 'text', 'system', 'prompt', 'input', 'instructions']);
/** A run of letters (with their combining marks) is at least one token; so is each group of up to three digits. */
const WORDS = /[\p{L}\p{M}]+|\p{N}{1,3}/gu;

function countWords(text: string): number {
  let n = 0;
  WORDS.lastIndex = 0;
  while (WORDS.exec(text) !== null) n++;
  return n;
}

/** Visits the text the model will read: strings under TEXT_KEYS, at any depth (content parts, Responses items). */
function eachText(value: unknown, isText: boolean, visit: (text: string) => void): void {
  if (typeof value === 'string') {
    if (isText) visit(value);
  } else if (Array.isArray(value)) {
    for (const item of value) eachText(item, isText, visit);
  } else if (value && typeof value === 'object') {
    // for…in rather than Object.entries: no pair arrays per object on every budgeted request. Bodies are
    // parsed JSON, whose objects have only own keys (Object.prototype has no enumerable ones).
    const object = value as Record<string, unknown>;
    for (const key in object) eachText(object[key], TEXT_KEYS.has(key), visit);
  }
}

/** The characters of text the model will read: at least its input tokens in practice (budget reservations). */
export function inputTextChars(body: Body): number {
  let chars = 0;
  eachText(body, false, (text) => (chars += text.length));
  return chars;
}

/** The output limit the request sets (after the caps), whichever field its API takes it in. */
export function outputLimitOf(body: Body): number | undefined {
  for (const field of ['max_tokens', 'max_completion_tokens', 'max_output_tokens']) {
    const value = body[field];
    if (typeof value === 'number' && value > 0) return value;
  }
  return undefined;
}

/**
 * A lower bound of the request's input tokens, or undefined when it is surely under `cap`. OpenAI's
 * tokenizers never put two runs of letters, or more than three digits, in one token, so counting those runs
 * in the text the model reads never exceeds the real count; other tokenizers split words at least as finely
 * in practice. Images, audio and files (base64 data, URLs) and tool definitions are left out: the bound only
 * gets lower. A text shorter than the cap in characters cannot exceed it, so most requests are never scanned.
 */
export function inputTokensOver(body: Body, cap: number): number | undefined {
  const texts: string[] = [];
  let chars = 0;
  eachText(body, false, (text) => {
    texts.push(text);
    chars += text.length;
  });
  if (chars <= cap) return undefined;
  let words = 0;
  for (const text of texts) words += countWords(text);
  return words > cap ? words : undefined;
}
