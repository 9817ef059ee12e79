import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fakeKey, REPO, TestHome } from '../helpers/aigw.js';
import { haveTool, runProgram } from '../helpers/tools.js';

/**
 * The checked-in completion scripts, loaded by the real shells the way users load them, completing
 * against a real daemon: commands, flag values and resource ids; and with the daemon stopped, nothing,
 * promptly.
 */
let home: TestHome;
let keyId: string;
const COMPLETIONS = join(REPO, 'completions');

const BASH = `source ${JSON.stringify(join(COMPLETIONS, 'aigw.bash'))}
COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMPREPLY=()
_aigw
printf '%s\\n' "\${COMPREPLY[@]}"`;

function env(): NodeJS.ProcessEnv {
  return { ...home.env, PATH: `${join(REPO, 'bin')}:${process.env.PATH}` };
}

/** What the shell offers for `line` (the cursor at its end): one candidate a line, with its description where the shell shows one. */
async function complete(shell: 'bash' | 'zsh' | 'fish', line: string): Promise<{ candidates: string[]; raw: string; ms: number }> {
  let ran;
  if (shell === 'bash') {
    const words = line.split(' ');
    ran = await runProgram('bash', ['--norc', '--noprofile', '-c', BASH, 'bash', ...words], env());
  } else if (shell === 'fish') {
    const script = `source ${JSON.stringify(join(COMPLETIONS, 'aigw.fish'))}; complete -C ${JSON.stringify(line)}`;
    ran = await runProgram('fish', ['--no-config', '-c', script], env());
  } else {
    ran = await runProgram('zsh', ['-f', join(REPO, 'test', 'helpers', 'zsh-complete.zsh'), COMPLETIONS, line], env());
  }
  assert.equal(ran.stderr, '', `${shell} wrote to stderr`);
  assert.equal(ran.code, 0);
  const candidates = ran.stdout.split('\n').filter(Boolean).map((l) => l.split(/\t| -- /)[0]!.trim());
  return { candidates, raw: ran.stdout, ms: ran.ms };
}

before(async () => {
  home = new TestHome();
  const created = await home.json(['provider-keys', 'create', '--provider-id', 'anthropic', '--value-stdin', '--name', 'team-key'], {
    input: fakeKey('sk-ant-api03-'),
  });
  keyId = created.id;
});
after(() => home.cleanup());

for (const shell of ['bash', 'zsh', 'fish'] as const) {
  describe(`${shell} completion`, () => {
    test('completes subcommands', async (t) => {
      if (!haveTool(t, shell)) return;
      const { candidates } = await complete(shell, 'aigw provider-keys ');
      assert.deepEqual([...candidates].sort(), ['create', 'delete', 'disable', 'enable', 'get', 'import', 'list', 'rotate', 'test', 'update']);
    });

    test('completes commands from a prefix, and aliases', async (t) => {
      if (!haveTool(t, shell)) return;
      assert.deepEqual((await complete(shell, 'aigw provider-keys ro')).candidates, ['rotate']);
      assert.deepEqual((await complete(shell, 'aigw ai-gateway-provider-keys de')).candidates, ['delete']);
    });

    test('completes flags and the values of -o and --provider-id', async (t) => {
      if (!haveTool(t, shell)) return;
      const flags = (await complete(shell, 'aigw provider-keys create --value')).candidates;
      assert.deepEqual([...flags].sort(), ['--value', '--value-file', '--value-stdin']);
      assert.deepEqual([...(await complete(shell, 'aigw provider-keys list -o ')).candidates].sort(), ['json', 'plain', 'table']);
      const providers = (await complete(shell, 'aigw provider-keys create --provider-id ')).candidates;
      assert.ok(providers.includes('openai') && providers.includes('anthropic') && providers.includes('inference-net'), providers.join(' '));
      assert.deepEqual((await complete(shell, 'aigw provider-keys create --provider-id open')).candidates.sort(), ['openai', 'openrouter']);
    });

    test('completes provider key ids from the running daemon, with a description where the shell shows one', async (t) => {
      if (!haveTool(t, shell)) return;
      const { candidates, raw } = await complete(shell, 'aigw provider-keys delete ');
      assert.deepEqual(candidates, [keyId]);
      if (shell !== 'bash') {
        assert.match(raw, /team-key/);
        assert.match(raw, /sk-ant-api\*\*\*|sk-ant-api03\*\*\*|\*\*\*/);
      }
      // Flags before the id do not confuse the walk.
      assert.deepEqual((await complete(shell, 'aigw -o json provider-keys rm --yes ')).candidates, [keyId]);
      for (const verb of ['disable', 'enable']) assert.deepEqual((await complete(shell, `aigw provider-keys ${verb} `)).candidates, [keyId]);
    });
  });
}

test('__complete describes an access key by its name and its redacted token', async () => {
  const created = await home.json(['access-keys', 'create', '--name', 'ci-bot']);
  const result = await runProgram(process.execPath, [join(REPO, 'bin', 'aigw'), '__complete', 'access-keys', 'get', ''], env());
  assert.deepEqual([result.code, result.stderr], [0, '']);
  assert.match(created.keyRedacted, /\*\*\*/);
  assert.deepEqual(result.stdout.split('\n').filter(Boolean), [`${created.id}\tci-bot, ${created.keyRedacted}`]);
  for (const verb of ['rotate', 'disable', 'enable']) {
    const offered = await runProgram(process.execPath, [join(REPO, 'bin', 'aigw'), '__complete', 'access-keys', verb, ''], env());
    assert.deepEqual(offered.stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[0]), [created.id], verb);
  }
});

test('the man page and help name where each shell loads its script from', () => {
  const man = readFileSync(join(REPO, 'man', 'aigw.1'), 'utf8');
  assert.match(man, /completions\/aigw/);
  assert.match(man, /_aigw/);
  assert.match(man, /fish\/completions\/aigw\.fish/);
});

describe('with the daemon stopped', () => {
  before(async () => {
    const stopped = await home.run(['daemon', 'stop']);
    assert.equal(stopped.code, 0, stopped.stderr);
  });

  test('__complete prints nothing, exits 0 and is quick', async () => {
    const result = await runProgram(process.execPath, [join(REPO, 'bin', 'aigw'), '__complete', 'provider-keys'], env());
    assert.deepEqual([result.code, result.stdout, result.stderr], [0, '', '']);
    assert.ok(result.ms < 1500, `took ${result.ms} ms`);
  });

  for (const shell of ['bash', 'zsh', 'fish'] as const) {
    test(`${shell} offers no ids, prints nothing else and returns promptly`, async (t) => {
      if (!haveTool(t, shell)) return;
      const { candidates, ms } = await complete(shell, 'aigw provider-keys delete ');
      assert.deepEqual(candidates, []);
      assert.ok(ms < 5000, `took ${ms} ms`);
    });
  }

  test('and does not start it', async () => {
    const status = await home.run(['daemon', 'status']);
    assert.equal(status.code, 4);
  });
});
