import { readBoolean, type Query } from './query.js';

export type { Query };

/** The single local owner of the control socket acts on every resource. */
export const LOCAL_OWNER = { id: 'local', uri: '' } as const;

export const text = { type: 'string' } as const;
export const clearableText = { type: ['string', 'null'] } as const;
export const flag = { type: 'boolean' } as const;
export const textList = { type: 'array', items: text } as const;

export interface IdParams {
  id: string;
}

export type Clearable = string | null | undefined;

/** PATCH semantics: omitted stays as it is, null clears. */
export function cleared(value: Clearable): string | undefined {
  return value === null ? '' : value;
}

/** `?force=true` on a delete: do it even though something refers to the resource. */
export function readForce(query: Query): boolean {
  return readBoolean(query, 'force');
}
