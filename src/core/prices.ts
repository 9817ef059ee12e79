import { AigwError, ERRORS } from './errors.js';

/**
 * A price of the user's own for one model of one provider (or `*`: every model of it), in USD per million
 * tokens. Cache prices left out (null) mean cache tokens are paid at the input price.
 */
export interface OwnPrice {
  providerId: string;
  modelId: string;
  input: number;
  output: number;
  cacheRead: number | null;
  cacheWrite: number | null;
  updatedAt: string;
}

export interface OwnPriceInput {
  providerId: string;
  modelId: string;
  input: number;
  output: number;
  cacheRead?: number | null | undefined;
  cacheWrite?: number | null | undefined;
}

/** What `GET /prices` answers. */
export interface PriceList {
  prices: OwnPrice[];
  /** The bundled table the rest of the prices come from. */
  builtinSource: string;
  uri: string;
}

/** What `GET /prices/lookup` answers: the price the gateway would use for a model, and where it comes from. */
export interface PriceLookup {
  providerId: string;
  modelId: string;
  source: 'own' | 'builtin' | 'unknown';
  input: number | null;
  output: number | null;
  cacheRead: number | null;
  cacheWrite: number | null;
}

/** The settings name a price is stored under. */
export const PRICE_SETTING_PREFIX = 'price.';
export const priceSettingName = (providerId: string, modelId: string) => `${PRICE_SETTING_PREFIX}${providerId}:${modelId}`;

const MAX_PRICE = 1_000_000;
const MAX_MODEL_ID = 255;

function checkPrice(field: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_PRICE) {
    throw new AigwError(ERRORS.invalidField, `${field} must be a number of USD per million tokens, from 0 to ${MAX_PRICE}`, { field });
  }
}

/** Checks a price's numbers and model id; the provider is the caller's to check against what exists. */
export function checkOwnPrice(input: OwnPriceInput): void {
  const model = input.modelId;
  if (!model || model.length > MAX_MODEL_ID || /[\u0000-\u001f\u007f]/.test(model)) {
    throw new AigwError(ERRORS.invalidField, `modelId must be 1 to ${MAX_MODEL_ID} printable characters, or * for every model`, { field: 'modelId' });
  }
  checkPrice('input', input.input);
  checkPrice('output', input.output);
  if (input.cacheRead != null) checkPrice('cacheRead', input.cacheRead);
  if (input.cacheWrite != null) checkPrice('cacheWrite', input.cacheWrite);
}

/** `provider:model` (the model may hold colons itself, as Ollama's `llama3:8b` does). */
export function splitModelSpec(spec: string): { providerId: string; modelId: string } | undefined {
  const colon = spec.indexOf(':');
  if (colon <= 0 || colon === spec.length - 1) return undefined;
  return { providerId: spec.slice(0, colon), modelId: spec.slice(colon + 1) };
}
