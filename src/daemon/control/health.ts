import type { FastifyPluginAsync } from 'fastify';
import type { DaemonChecks, DaemonStatus, StoreCheck } from '../../core/daemon-status.js';
import { VERSION } from '../../core/version.js';

export function healthRoutes(
  status: () => DaemonStatus,
  checkStore: () => Promise<StoreCheck>,
  liveChecks: () => Promise<DaemonChecks>,
): FastifyPluginAsync {
  return async (app) => {
    app.get('/health', async () => ({ status: 'ok' }));
    app.get('/version', async () => ({ version: VERSION }));
    app.get('/status', async () => status());
    app.get('/status/store', async () => checkStore());
    app.get('/status/checks', async () => liveChecks());
  };
}
