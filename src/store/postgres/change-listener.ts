import pg from 'pg';
import type { StoreChange, StoreResource } from '../types.js';

/** The channel every write NOTIFYs on, in its own transaction: a rolled-back write tells no one. */
export const CHANGE_CHANNEL = 'aigw_changes';

/** A notification's payload: which resources changed, and which process made the write. */
export interface ChangeNotice {
  origin: string;
  resources: readonly StoreResource[];
}

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5000;

/**
 * LISTENs on a connection of its own and hands other processes' changes on. A connection lost may have
 * missed notifications, so once it is back it hands on `{ reload: true }`: a replica is never left stale.
 */
export class ChangeListener {
  private client: pg.Client | undefined;
  private closed = false;
  private retryMs = RETRY_MIN_MS;
  private timer: NodeJS.Timeout | undefined;
  /** From a lost connection until the reload after its reconnect has been handled. */
  private stale = false;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly origin: string,
    private readonly deliver: (change: StoreChange) => Promise<void>,
    private readonly onError: (err: Error) => void,
  ) {}

  /** False from a lost connection until the readers have re-read everything: they may be missing changes. */
  get listening(): boolean {
    return this.client !== undefined && !this.stale;
  }

  /** Listens before it resolves, so nothing committed after a reader's first full read is missed. */
  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client(this.config);
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('the connection ended')));
    client.on('notification', (message) => {
      if (message.channel !== CHANGE_CHANNEL || !message.payload) return;
      let notice: ChangeNotice;
      try {
        notice = JSON.parse(message.payload) as ChangeNotice;
      } catch {
        // Not one of ours (someone ran NOTIFY by hand): read everything rather than guess.
        void this.deliver({ reload: true });
        return;
      }
      // This process's own writes were delivered before they resolved.
      if (notice.origin !== this.origin) void this.deliver({ resources: notice.resources });
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGE_CHANNEL}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    this.client = client;
    this.retryMs = RETRY_MIN_MS;
  }

  private lost(client: pg.Client, err: Error): void {
    if (this.client !== client || this.closed) return;
    this.client = undefined;
    this.stale = true;
    this.onError(err);
    client.end().catch(() => undefined);
    this.retry();
  }

  private retry(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.connect().then(
        async () => {
          await this.deliver({ reload: true });
          if (this.client) this.stale = false;
        },
        (err: Error) => {
          this.onError(err);
          this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
          this.retry();
        },
      );
    }, this.retryMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
