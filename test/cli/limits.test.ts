import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { InProcessDaemon } from '../helpers/in-process.js';

// In-process (test/helpers/in-process.ts); budgets and rate limits acting on real traffic, and the API's
// refusals of bad bodies, are in test/integration/budgets.test.ts.
let home: InProcessDaemon;
before(async () => {
  home = await InProcessDaemon.start();
});
after(() => home.close());

test('bad budget and rate limit flags are refused with a code on every verb that takes them, and change nothing', async () => {
  const k = await home.json(['access-keys', 'create', '--budget', '10']);
  const config = await home.json(['configs', 'create', '--name', 'limits']);
  const before = await home.snapshot();
  const cases: [string[], string][] = [
    [['--budget', '-1'], 'ERR_AIGW_10030'],
    [['--budget', '0'], 'ERR_AIGW_10030'],
    [['--budget', 'ten'], 'ERR_AIGW_10030'],
    [['--budget', '5', '--budget-period', 'year'], 'ERR_AIGW_10031'],
    [['--budget', '5', '--budget-soft', '5'], 'ERR_AIGW_10032'],
    [['--budget', '5', '--budget-soft', '-1'], 'ERR_AIGW_10032'],
    [['--rpm', '0'], 'ERR_AIGW_10033'],
    [['--tpm', '-5'], 'ERR_AIGW_10033'],
    [['--max-concurrent', '1.5'], 'ERR_AIGW_10033'],
    [['--rpm', 'many'], 'ERR_AIGW_10033'],
  ];
  for (const [flags, code] of cases) {
    await home.fails(['access-keys', 'create', ...flags], 2, code);
    await home.fails(['access-keys', 'update', k.id, ...flags], 2, code);
    await home.fails(['configs', 'create', '--name', 'x', ...flags], 2, code);
    await home.fails(['configs', 'update', config.id, ...flags], 2, code);
  }
  assert.deepEqual(await home.snapshot(), before);
});
