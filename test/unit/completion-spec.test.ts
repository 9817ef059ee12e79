import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Argument, Command, Option, type AnyCommand } from '../../src/cli/commander.js';
import { completes } from '../../src/cli/completion/resources.js';
import { bashScript, fishScript, zshScript } from '../../src/cli/completion/scripts.js';
import { allCommands, specOf } from '../../src/cli/completion/spec.js';

/**
 * The convention other command modules follow to get completion: built here on a small commander tree
 * of the shape the access-key and config commands take, the way they will be written.
 */
function program(): AnyCommand {
  const root = new Command('aigw').option('-o, --output <format>', 'output').option('--json', 'json');
  const keys = root.command('access-keys').alias('api-keys').description('access keys');
  keys.command('delete').argument('<id>', 'access key id (aigk_…)');
  keys.command('list').option('--before-id <id>', 'start after this id (the next page)');
  keys
    .command('create')
    .option('--ai-gateway-api-key-id <id>', 'attach to this access key')
    .addOption(new Option('--format <f>', 'a format').choices(['a', 'b']))
    .option('--from-file <path>', 'read it from a file')
    .option('--note <text>', 'free text');
  const configs = root.command('configs');
  configs.command('get').addArgument(completes(new Argument('<config>', 'the configuration'), 'configs'));
  root.command('secret', { hidden: true });
  return root;
}

test('an argument or flag says which resource it takes by id prefix, flag name or completes()', () => {
  const spec = specOf(program());
  const byPath = Object.fromEntries(allCommands(spec).map((c) => [c.path.join(' '), c]));
  assert.deepEqual(byPath['access-keys delete']!.args[0]!.value, { kind: 'resource', resource: 'access-keys' });
  assert.deepEqual(byPath['configs get']!.args[0]!.value, { kind: 'resource', resource: 'configs' });
  const options = Object.fromEntries(byPath['access-keys create']!.options.map((o) => [o.long, o.value]));
  assert.deepEqual(options['--ai-gateway-api-key-id'], { kind: 'resource', resource: 'access-keys' });
  assert.deepEqual(options['--format'], { kind: 'words', words: ['a', 'b'] });
  assert.deepEqual(options['--from-file'], { kind: 'file' });
  assert.deepEqual(options['--note'], { kind: 'free' });
  assert.equal(byPath['secret'], undefined, 'hidden commands are not completed');
  const before = byPath['access-keys list']!.options.find((o) => o.long === '--before-id');
  assert.deepEqual(before?.value, { kind: 'resource', resource: 'access-keys' }, 'a paging flag takes its group\'s ids');
});

test('every shell script carries the new commands, their aliases and id lookups', () => {
  const spec = specOf(program());
  const bash = bashScript(spec);
  assert.match(bash, /'access-keys delete\|#0'\) __aigw_kind='r:access-keys'/);
  assert.match(bash, /'\|access-keys'\|'\|api-keys'\) __aigw_path='access-keys'/);
  assert.match(zshScript(spec), /'configs get\|#0'\) REPLY='r:configs'/);
  assert.match(fishScript(spec), /__aigw_ids access-keys/);
  assert.doesNotMatch(bash, /secret/);
});
