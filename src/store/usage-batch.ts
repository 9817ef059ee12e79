import type { UsageDraft } from './types.js';
import { FIELDS_PER_EVENT, USAGE_FIELDS, USAGE_INDEX } from './usage-fields.js';

type Value = string | number | boolean | null;

/**
 * A batch of usage drafts as posted to the writer thread: one flat list of each draft's values in the order
 * of USAGE_FIELDS, where the strings that repeat from draft to draft (the `shared` fields) are sent once per
 * batch and named by their index. Structured-cloning the drafts themselves copied every key id, model and
 * provider name again for each event, on the gateway's main thread and again in the writer.
 */
export interface PackedUsage {
  count: number;
  /** Access key ids, providers, models, stop reasons, provider key ids and their redacted values. */
  strings: string[];
  values: Value[];
}

const SHARED: readonly boolean[] = USAGE_FIELDS.map(([, , kind]) => kind === 'shared');

type PushValues = (values: Value[], d: UsageDraft, ref: (s: string | null) => number | null) => void;
/**
 * Appends one draft's values: made once from USAGE_FIELDS as the literal `values.push(d.id, d.timeMs, …)`,
 * because it runs for every attempt on the gateway's main thread, where a loop reading each field by a
 * changing key was several times slower.
 */
const pushValues = new Function(
  'values',
  'd',
  'ref',
  `values.push(${USAGE_FIELDS.map(([name, , kind]) => (kind === 'shared' ? `ref(d.${name})` : `d.${name}`)).join(', ')});`,
) as PushValues;

export class UsagePacker {
  private strings: string[] = [];
  private indexOf = new Map<string, number>();
  private values: Value[] = [];
  private readonly refOf = (s: string | null) => this.ref(s);
  count = 0;

  add(d: UsageDraft): void {
    pushValues(this.values, d, this.refOf);
    this.count++;
  }

  /** The batch so far, leaving the packer empty for the next one. */
  take(): PackedUsage {
    const batch = { count: this.count, strings: this.strings, values: this.values };
    this.strings = [];
    this.indexOf = new Map();
    this.values = [];
    this.count = 0;
    return batch;
  }

  private ref(s: string | null): number | null {
    if (s === null) return null;
    let i = this.indexOf.get(s);
    if (i === undefined) {
      i = this.strings.push(s) - 1;
      this.indexOf.set(s, i);
    }
    return i;
  }
}

/** One value of a packed event as it was in its draft. */
export function unpackedValue(batch: PackedUsage, event: number, field: number): Value {
  const value = batch.values[event * FIELDS_PER_EVENT + field]!;
  return SHARED[field] && value !== null ? batch.strings[value as number]! : value;
}

/** The newest time (epoch ms) per key id. */
export type LastUsed = Map<string, number>;

function touch(times: LastUsed, id: string, ms: number): void {
  const known = times.get(id);
  if (known === undefined || ms > known) times.set(id, ms);
}

/** The `lastUsed` times a batch leaves: an access key is used by every attempt, a provider key only by one that reached its provider. */
export function lastUsedTimes(batch: PackedUsage): { providerKeys: LastUsed; accessKeys: LastUsed } {
  const providerKeys: LastUsed = new Map();
  const accessKeys: LastUsed = new Map();
  for (let n = 0; n < batch.count; n++) {
    const timeMs = unpackedValue(batch, n, USAGE_INDEX.timeMs) as number;
    const providerKeyId = unpackedValue(batch, n, USAGE_INDEX.providerKeyId) as string | null;
    const accessKeyId = unpackedValue(batch, n, USAGE_INDEX.accessKeyId) as string | null;
    if (providerKeyId && (unpackedValue(batch, n, USAGE_INDEX.statusCode) as number) > 0) touch(providerKeys, providerKeyId, timeMs);
    if (accessKeyId) touch(accessKeys, accessKeyId, timeMs);
  }
  return { providerKeys, accessKeys };
}
