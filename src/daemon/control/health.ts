import type { FastifyPluginAsync } from 'fastify';
import { VERSION } from '../../core/version.js';

export interface DaemonStatus {
  pid: number;
  version: string;
  startedAt: string;
  uptimeSeconds: number;
  controlSocket: string;
  gatewayUrl: string | null;
  gatewayError: string | null;
  /** The management API's TCP address, when `--control-listen` asked for one. */
  controlUrl?: string;
  secretStore: { kind: string; reason: string; available: boolean; warnings: string[] };
  paths: { dataDir: string; configDir: string; stateDir: string; logFile: string };
}

export function healthRoutes(status: () => DaemonStatus): FastifyPluginAsync {
  return async (app) => {
    app.get('/health', async () => ({ status: 'ok' }));
    app.get('/version', async () => ({ version: VERSION }));
    app.get('/status', async () => status());
  };
}
