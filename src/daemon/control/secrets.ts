import type { FastifyPluginAsync } from 'fastify';
import { AigwError, ERRORS } from '../../core/errors.js';
import type { RewrapResult } from '../../core/secret-rewrap.js';
import type { SecretRewrap } from '../../app/ports.js';

/**
 * `POST /secrets/rewrap`: the database secret store seals every value under the current master key again
 * (`aigw secrets rewrap`). Other secret stores have no master key to change this way.
 */
export function secretRoutes(rewrap: SecretRewrap | undefined, kind: () => string): FastifyPluginAsync {
  return async (app) => {
    app.post('/secrets/rewrap', async (): Promise<RewrapResult> => {
      if (!rewrap) {
        throw new AigwError(
          ERRORS.rewrapNeedsDatabase,
          `this daemon keeps provider keys in the ${kind()} secret store; re-wrapping is for AIGW_SECRET_STORE=database`,
        );
      }
      return rewrap.rewrap();
    });
  };
}
