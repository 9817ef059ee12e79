import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AigwError, ERRORS } from '../core/errors.js';
import { isId, newId } from '../core/ids.js';
import type { Store } from '../store/types.js';
import type { Clock } from './ports.js';

/** Each named token is one setting, `controlToken.<id>`, holding its name and the SHA-256 of its value. */
const PREFIX = 'controlToken.';
/** Its own prefix, so a secret scanner (or a person) can tell a control token from an access key. */
const TOKEN_PREFIX = 'aigwc_';
const NAME_PATTERN = /^[A-Za-z0-9._@-]{1,64}$/;

/** A named bearer token of the management API over TCP, as the API shows it: never its value. */
export interface ControlToken {
  id: string;
  name: string;
  createdAt: string;
}

interface StoredControlToken extends ControlToken {
  sha256: string;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Named, revocable tokens for the management API over TCP, so each person or machine has one and a person
 * who leaves can be cut off alone. Only their SHA-256 is kept; the value is shown once, at creation. They
 * are read from the store on each request, so a deleted token stops working at once, on every replica.
 */
export class ControlTokenService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async list(): Promise<ControlToken[]> {
    return (await this.stored()).map(({ id, name, createdAt }) => ({ id, name, createdAt }));
  }

  async create(name: unknown): Promise<ControlToken & { token: string }> {
    if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
      throw new AigwError(ERRORS.invalidControlTokenName, 'name must be 1 to 64 letters, digits and . _ @ - (such as alice@laptop)');
    }
    if ((await this.stored()).some((t) => t.name === name)) {
      throw new AigwError(ERRORS.controlTokenNameTaken, `a control token named "${name}" exists already; delete it first or choose another name`);
    }
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const record: StoredControlToken = { id: newId('controlToken'), name, createdAt: this.clock.now(), sha256: sha256(token) };
    await this.store.setSetting(PREFIX + record.id, JSON.stringify(record));
    return { id: record.id, name, createdAt: record.createdAt, token };
  }

  async delete(id: string): Promise<void> {
    if (!isId('controlToken', id) || (await this.store.getSetting(PREFIX + id)) === undefined) {
      throw new AigwError(ERRORS.controlTokenNotFound, `no control token ${id}; see \`aigw daemon tokens list\``);
    }
    await this.store.setSettings({ [PREFIX + id]: null });
  }

  /** The named token this value belongs to; digests are compared in constant time. */
  async verify(presented: string): Promise<ControlToken | undefined> {
    const digest = Buffer.from(sha256(presented), 'hex');
    for (const t of await this.stored()) {
      if (timingSafeEqual(Buffer.from(t.sha256, 'hex'), digest)) return { id: t.id, name: t.name, createdAt: t.createdAt };
    }
    return undefined;
  }

  private async stored(): Promise<StoredControlToken[]> {
    const settings = await this.store.getSettings(PREFIX);
    return Object.values(settings)
      .map((text) => JSON.parse(text) as StoredControlToken)
      .sort((a, b) => (a.id < b.id ? -1 : 1));
  }
}
