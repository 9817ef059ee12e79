import { appendFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';

/**
 * The child `aigw run` starts in the tests, with the official SDKs configured by nothing but the
 * environment aigw gives it. Modes:
 *   sdk OUT          one OpenAI and one Anthropic request; writes its environment and the answers to OUT
 *   exit N           exits with status N
 *   signals OUT      writes "ready" to OUT, then one line per signal it gets; exits 0 on the second SIGTERM
 *                    or after a SIGINT (as 130)
 *   interactive      asks a question on its terminal and echoes the answer; counts Ctrl-C
 *   hold OUT         writes its environment to OUT and runs until it is killed
 *   chats OUT        two OpenAI requests in turn; writes the status (or error code) of each to OUT
 */
const [mode, arg] = process.argv.slice(2);

if (mode === 'sdk') {
  const openai = new OpenAI({ maxRetries: 0 });
  const anthropic = new Anthropic({ maxRetries: 0 });
  const chat = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
  const message = await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
  writeFileSync(arg!, JSON.stringify({ env: process.env, openai: chat.choices[0]?.message.content, anthropic: message.content }));
} else if (mode === 'chats') {
  const openai = new OpenAI({ maxRetries: 0 });
  const outcomes: unknown[] = [];
  for (let i = 0; i < 2; i++) {
    try {
      await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
      outcomes.push(200);
    } catch (err) {
      const { status, code } = err as { status?: number; code?: string };
      outcomes.push({ status, code });
    }
  }
  writeFileSync(arg!, JSON.stringify(outcomes));
} else if (mode === 'hold') {
  writeFileSync(arg!, JSON.stringify({ env: process.env }));
  setInterval(() => undefined, 1000);
} else if (mode === 'exit') {
  process.exit(Number(arg));
} else if (mode === 'signals') {
  let terms = 0;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      appendFileSync(arg!, `${signal}\n`);
      if (signal === 'SIGINT') process.exit(130);
      if (signal === 'SIGTERM' && ++terms === 2) process.exit(0);
    });
  }
  writeFileSync(arg!, 'ready\n');
  setInterval(() => undefined, 1000);
} else if (mode === 'interactive') {
  let interrupts = 0;
  process.on('SIGINT', () => {
    process.stdout.write(`\nINTERRUPTS=${++interrupts}\n`);
    // A moment to count a second delivery of the same Ctrl-C before exiting.
    if (interrupts === 1) setTimeout(() => process.exit(42), 500);
  });
  process.stdout.write(`TTY=${Boolean(process.stdin.isTTY)}/${Boolean(process.stdout.isTTY)}\n`);
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  rl.question('Your name? ', (answer) => {
    process.stdout.write(`HELLO ${answer}\n`);
    rl.close();
    setInterval(() => undefined, 1000);
  });
}
