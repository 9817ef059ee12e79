import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Argument } from '../../src/cli/commander.js';
import type { TSchema } from '@sinclair/typebox';
import { RESOURCE_SCHEMAS } from '../../src/core/api/resources.js';
import { idArgument, RESOURCES, type ResourceEntry, type ResourceName } from '../../src/core/api/registry.js';
import { resourceOf } from '../../src/cli/completion/resources.js';
import { REPO } from '../helpers/aigw.js';

/** The top-level fields an item schema has (of any member, for a union such as custom | built-in provider). */
function fieldsOf(schema: TSchema): Set<string> {
  const members: TSchema[] = schema.anyOf ?? [schema];
  return new Set(members.flatMap((m) => Object.keys(m.properties ?? {})));
}

/** What of a registry entry its schemas do not have: each a line naming the entry and the field. */
function disagreements(name: string, entry: ResourceEntry, schemas: { item: TSchema; list: TSchema }): string[] {
  const fields = fieldsOf(schemas.item);
  const problems: string[] = [];
  const named = [
    ...entry.describe.map((f) => ['describe', f] as const),
    ...(entry.value ? [['value', entry.value] as const] : []),
    ...entry.columns.map((c) => ['columns', c.field.split('.')[0]!] as const),
  ];
  for (const [where, field] of named) if (!fields.has(field)) problems.push(`${name}.${where}: ${field} is not a field of the API's resource`);
  const list = schemas.list.properties?.[entry.listProperty];
  if (list?.type !== 'array') problems.push(`${name}.listProperty: ${entry.listProperty} is not the list answer's array`);
  return problems;
}

test("every field the registry names is one the API's schema has (the tokenRedacted/keyRedacted drift)", () => {
  const problems = (Object.keys(RESOURCES) as ResourceName[]).flatMap((name) => disagreements(name, RESOURCES[name], RESOURCE_SCHEMAS[name]));
  assert.deepEqual(problems, []);
});

test('the check finds a field the API does not send, and a wrong list property', () => {
  const drifted: ResourceEntry = { ...RESOURCES['access-keys'], describe: ['name', 'tokenRedacted'], listProperty: 'accessKeys' };
  assert.deepEqual(disagreements('access-keys', drifted, RESOURCE_SCHEMAS['access-keys']), [
    'access-keys.describe: tokenRedacted is not a field of the API\'s resource',
    "access-keys.listProperty: accessKeys is not the list answer's array",
  ]);
});

test('an id argument described from the registry completes that resource', () => {
  for (const name of Object.keys(RESOURCES) as ResourceName[]) {
    const entry = RESOURCES[name];
    if (!entry.prefix) continue;
    assert.equal(resourceOf(new Argument('<id>', idArgument(entry))), name, idArgument(entry));
  }
});

test('the CLI bundles hold no TypeBox: the CLI imports the schemas for their types only', () => {
  for (const file of ['main.cjs', 'complete.cjs']) {
    const source = readFileSync(join(REPO, 'dist', 'src', 'cli-bundle', file), 'utf8');
    assert.ok(source.length > 10_000, `${file} is the built bundle`);
    assert.doesNotMatch(source, /sinclair|TypeBox|\[Kind\]|Symbol\.for\("TypeBox\.Kind"\)/, file);
  }
});
