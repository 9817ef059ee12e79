import { AigwError, ERRORS } from '../core/errors.js';
import { checkOwnPrice, PRICE_SETTING_PREFIX, priceSettingName, type OwnPrice, type OwnPriceInput, type PriceLookup } from '../core/prices.js';
import { builtinProvider } from '../core/providers.js';
import type { Store } from '../store/types.js';
import { ownPricesFrom, priceBook, priceSource, type StoredPrice, type UnitPrice } from '../core/price-book.js';
import type { Logger } from './ports.js';

/** The base rate of a (possibly tiered) price: what `aigw prices get` shows. */
const baseRate = (price: UnitPrice | undefined) => (price === undefined ? null : typeof price === 'number' ? price : price.base);

/** `aigw prices`: the user's own prices, for custom providers and as overrides of the bundled table. */
export class PriceService {
  constructor(
    private readonly store: Store,
    private readonly log: Logger,
  ) {}

  async list(): Promise<OwnPrice[]> {
    return ownPricesFrom(await this.store.getSettings(PRICE_SETTING_PREFIX));
  }

  /** Where the bundled prices come from. */
  builtinSource(): string {
    return priceSource();
  }

  async set(input: OwnPriceInput): Promise<OwnPrice> {
    checkOwnPrice(input);
    if (!builtinProvider(input.providerId) && !(await this.store.getCustomProvider(input.providerId))) {
      throw new AigwError(
        ERRORS.unknownProvider,
        `"${input.providerId}" is neither a built-in nor a custom provider; see \`aigw providers list\``,
        { providerId: input.providerId },
      );
    }
    const stored: StoredPrice = {
      input: input.input,
      output: input.output,
      cacheRead: input.cacheRead ?? null,
      cacheWrite: input.cacheWrite ?? null,
      updatedAt: new Date().toISOString(),
    };
    await this.store.setSetting(priceSettingName(input.providerId, input.modelId), JSON.stringify(stored));
    this.log.info({ providerId: input.providerId, modelId: input.modelId }, 'price set');
    return { providerId: input.providerId, modelId: input.modelId, ...stored };
  }

  async delete(providerId: string, modelId: string): Promise<void> {
    const name = priceSettingName(providerId, modelId);
    if ((await this.store.getSetting(name)) === undefined) {
      throw new AigwError(ERRORS.notFound, `there is no price of your own for ${providerId}:${modelId}; see \`aigw prices list\``, {
        id: `${providerId}:${modelId}`,
      });
    }
    await this.store.setSettings({ [name]: null });
    this.log.info({ providerId, modelId }, 'price deleted');
  }

  /** The price the gateway would use for a model now, and whether it is the user's or the bundled table's. */
  async lookup(providerId: string, modelId: string): Promise<PriceLookup> {
    const own = await this.list();
    const mine = own.find((p) => p.providerId === providerId && (p.modelId === modelId || p.modelId === '*'));
    const prices = priceBook(own).lookup(providerId, modelId, Date.now());
    return {
      providerId,
      modelId,
      source: mine ? 'own' : prices ? 'builtin' : 'unknown',
      input: baseRate(prices?.input_mtok),
      output: baseRate(prices?.output_mtok),
      cacheRead: baseRate(prices?.cache_read_mtok),
      cacheWrite: baseRate(prices?.cache_write_mtok),
    };
  }
}
