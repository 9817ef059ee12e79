import { generateAccessToken, hashAccessToken } from '../core/access-tokens.js';
import { checkBudgetWrite, checkRateLimitsWrite } from '../core/budgets.js';
import { AigwError, ERRORS } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { futureExpiry, gracePeriodMs } from '../core/key-lifecycle.js';
import { checkLabels } from '../core/provider-keys.js';
import { redact } from '../core/redact.js';
import { type AccessKeyPatch, type AccessKeyRecord, type Page, type PageQuery, type Store } from '../store/types.js';
import { systemClock, type Clock, type Logger } from './ports.js';
import type { ProviderKeyService } from './provider-keys.js';
import { refusalError } from './refusals.js';
import { isRefusal, StoreRules } from './rules.js';

export type { AccessKeyRecord };

export interface AccessKeyCreate {
  name?: string | undefined;
  description?: string | undefined;
  metadata?: string | undefined;
  accessKeyConfigurationId?: string | undefined;
  /** RFC 3339; must be in the future. */
  expiresAt?: string | null | undefined;
  disabled?: boolean | undefined;
  /** Checked here (checkBudget, checkRateLimits): the API's schema leaves their values to these rules. */
  budget?: unknown;
  rateLimits?: unknown;
}

export interface AccessKeyRotate {
  /** How long the replaced token keeps working, as a duration such as `1h`; omitted: it stops at once. */
  gracePeriod?: string | undefined;
}

export type AccessKeyUpdate = Omit<AccessKeyPatch, 'budget' | 'rateLimits'> & { budget?: unknown; rateLimits?: unknown };

function notFound(id: string): AigwError {
  return new AigwError(ERRORS.accessKeyNotFound, `the access key ${id} does not exist; run \`aigw access-keys list\``, {
    accessKeyId: id,
  });
}

/**
 * Access keys: the tokens apps send to the gateway. The token exists in plain only in the create
 * response; the store keeps its SHA-256, which is what the gateway looks tokens up by.
 */
export class AccessKeyService {
  private readonly rules: StoreRules;

  constructor(
    private readonly store: Store,
    private readonly providerKeys: ProviderKeyService,
    private readonly log: Logger,
    private readonly clock: Clock = systemClock,
  ) {
    this.rules = new StoreRules(store);
  }

  /** Returns the record and the token, which nobody can see again. */
  async create(input: AccessKeyCreate): Promise<{ record: AccessKeyRecord; token: string }> {
    checkLabels(input);
    const expiresAt = this.expiry(input.expiresAt) ?? null;
    const budget = checkBudgetWrite(input.budget) ?? null;
    const rateLimits = checkRateLimitsWrite(input.rateLimits) ?? null;
    const token = generateAccessToken();
    const now = this.clock.now();
    const created = await this.rules.createAccessKey({
      id: newId('accessKey'),
      name: input.name ?? '',
      description: input.description ?? '',
      metadata: input.metadata ?? '',
      tokenHash: hashAccessToken(token),
      keyRedacted: redact(token),
      accessKeyConfigurationId: input.accessKeyConfigurationId ?? null,
      accessKeyConfigurationName: null,
      createdAt: now,
      updatedAt: now,
      lastUsed: null,
      expiresAt,
      disabled: input.disabled ?? false,
      previousTokenHash: null,
      previousTokenExpiresAt: null,
      budget,
      rateLimits,
    });
    if (isRefusal(created)) throw refusalError(created, 'the access key');
    const { id, keyRedacted, accessKeyConfigurationId } = created;
    this.log.info({ id, keyRedacted, accessKeyConfigurationId, expiresAt }, 'access key created');
    return { record: created, token };
  }

  async get(id: string): Promise<AccessKeyRecord> {
    const record = await this.store.getAccessKey(id);
    if (!record) throw notFound(id);
    return record;
  }

  list(query: PageQuery): Promise<Page<AccessKeyRecord>> {
    return this.store.listAccessKeys(query);
  }

  async update(id: string, input: AccessKeyUpdate): Promise<AccessKeyRecord> {
    checkLabels(input);
    const expiresAt = this.expiry(input.expiresAt);
    const patch: AccessKeyPatch = {
      ...input,
      ...(expiresAt === undefined ? {} : { expiresAt }),
      budget: checkBudgetWrite(input.budget),
      rateLimits: checkRateLimitsWrite(input.rateLimits),
    };
    const record = await this.rules.updateAccessKey(id, patch, this.clock.now());
    if (!record) throw notFound(id);
    if (isRefusal(record)) throw refusalError(record, `access key ${id}`);
    const { accessKeyConfigurationId, disabled } = record;
    this.log.info({ id, accessKeyConfigurationId, expiresAt: record.expiresAt, disabled }, 'access key updated');
    return record;
  }

  /** A new token for the key, returned once; the old one keeps working for the grace period (default: none). */
  async rotate(id: string, input: AccessKeyRotate): Promise<{ record: AccessKeyRecord; token: string }> {
    const graceMs = gracePeriodMs(input.gracePeriod);
    const token = generateAccessToken();
    const previousTokenExpiresAt = new Date(this.clock.nowMs() + graceMs).toISOString();
    const rotation = { tokenHash: hashAccessToken(token), keyRedacted: redact(token), previousTokenExpiresAt };
    const record = await this.rules.rotateAccessKeyToken(id, rotation, this.clock.now());
    if (!record) throw notFound(id);
    this.log.info({ id, keyRedacted: record.keyRedacted, previousTokenExpiresAt }, 'access key rotated');
    return { record, token };
  }

  /** An expiry as stored: normalised to UTC and refused unless it is in the future; null clears it. */
  private expiry(expiresAt: string | null | undefined): string | null | undefined {
    return typeof expiresAt === 'string' ? futureExpiry(expiresAt, this.clock.nowMs()) : expiresAt;
  }

  /** Refuses while provider keys are attached, unless forced: then they go too, with their secrets. */
  async delete(id: string, force = false): Promise<void> {
    const deleted = await this.rules.deleteAccessKey(id, { force });
    if (!deleted) throw notFound(id);
    if (isRefusal(deleted)) throw refusalError(deleted, `access key ${id}`);
    for (const key of deleted.providerKeys) await this.providerKeys.dropSecret(key.secretRef);
    this.log.info({ id, providerKeysDeleted: deleted.providerKeys.map((k) => k.id) }, 'access key deleted');
  }
}
