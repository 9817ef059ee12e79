import { AigwError, ERRORS } from '../core/errors.js';
import type { Refusal } from './rules.js';

function some(ids: readonly string[]): string {
  return ids.length > 3 ? `${ids.slice(0, 3).join(', ')} and ${ids.length - 3} more` : ids.join(', ');
}

/** The coded error for a write the store refused; `subject` names the resource being written. */
export function refusalError(refusal: Refusal, subject: string): AigwError {
  switch (refusal.refused) {
    case 'accessKeyMissing':
      return new AigwError(ERRORS.accessKeyNotFound, `the access key ${refusal.id} does not exist; run \`aigw access-keys list\``, {
        accessKeyId: refusal.id,
      });
    case 'configurationMissing':
      return new AigwError(
        ERRORS.notFound,
        `the access key configuration ${refusal.id} does not exist; run \`aigw configs list\``,
        { accessKeyConfigurationId: refusal.id },
      );
    case 'providerMissing':
      return new AigwError(
        ERRORS.unknownProvider,
        `the provider id "${refusal.providerIds[0]}" is not a supported AI provider; run \`aigw providers list\``,
        { providerId: refusal.providerIds[0]! },
      );
    case 'tooManyKeys':
      return new AigwError(
        ERRORS.tooManyProviderKeys,
        `cannot create more than ${refusal.limit} provider keys for provider "${refusal.providerId}" on access key ${refusal.accessKeyId}`,
        { providerId: refusal.providerId, accessKeyId: refusal.accessKeyId, limit: String(refusal.limit) },
      );
    case 'providerKeysMissing':
      return new AigwError(ERRORS.invalidRouter, `invalid router configuration: provider key ${some(refusal.ids)} does not exist`, {
        providerKeyId: refusal.ids[0]!,
      });
    case 'referencedByConfigurations':
      return new AigwError(
        ERRORS.providerKeyInUse,
        `${subject} cannot be deleted because router rules of ${some(refusal.configurationIds)} reference it; ` +
          'remove it from those rules first, or delete with --force to take it out of them',
        { configurationIds: refusal.configurationIds.join(',') },
      );
    case 'attachedProviderKeys':
      return new AigwError(
        ERRORS.inUse,
        `${subject} has ${refusal.providerKeyIds.length} attached provider key(s) (${some(refusal.providerKeyIds)}); ` +
          'delete them first, or delete with --force to delete them too',
        { providerKeyIds: refusal.providerKeyIds.join(',') },
      );
    case 'linkedAccessKeys':
      return new AigwError(
        ERRORS.inUse,
        `${subject} is linked to access key ${some(refusal.accessKeyIds)}; unlink it first ` +
          '(`aigw access-keys update ID --allow-all` or --access-key-configuration-id OTHER)',
        { accessKeyIds: refusal.accessKeyIds.join(',') },
      );
    case 'providerInUse': {
      const users = [...refusal.providerKeyIds, ...refusal.configurationIds];
      return new AigwError(
        ERRORS.providerInUse,
        `${subject} cannot be deleted because ${some(users)} ${users.length === 1 ? 'references' : 'reference'} it; remove those references first`,
        { providerKeyIds: refusal.providerKeyIds.join(','), configurationIds: refusal.configurationIds.join(',') },
      );
    }
    case 'duplicateProvider':
      return new AigwError(ERRORS.duplicateProvider, `a provider with provider id "${refusal.providerId}" already exists`, {
        providerId: refusal.providerId,
      });
  }
}
