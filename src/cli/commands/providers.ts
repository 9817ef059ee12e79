import type { Command } from 'commander';
import { BUILTIN_PROVIDERS, type BuiltinProvider } from '../../core/providers.js';
import { handler } from '../command.js';
import type { IO, View } from '../io.js';

const view: View<BuiltinProvider> = {
  id: (p) => p.id,
  columns: [
    { header: 'PROVIDER ID', field: 'id', value: (p) => p.id },
    { header: 'NAME', field: 'name', value: (p) => p.name },
    { header: 'BASE URL', field: 'baseUrl', value: (p) => p.baseUrl },
  ],
  details: [],
};

async function list(io: IO): Promise<void> {
  await io.printList({ providers: BUILTIN_PROVIDERS }, BUILTIN_PROVIDERS, view);
}

export function registerProviders(program: Command): void {
  const providers = program.command('providers').description('the AI providers keys can be stored for');
  providers.command('list').alias('ls').description('list the built-in provider catalog').action(handler(list));
}
