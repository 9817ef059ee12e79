import { SseUsageScanner, noTokens } from '../dist/src/daemon/gateway/usage.js';
import { StreamUsageFilter } from '../dist/src/daemon/gateway/usage-injection.js';
const ev = (i, last) => Buffer.from(`data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: `part ${i} ` }, finish_reason: last ? 'stop' : null }], usage: null })}\n\n`);
const chunks = [0, 1, 2, 3, 4].map((i) => ev(i, i === 4));
chunks.push(Buffer.from(`data: {"id":"x","choices":[],"usage":{"prompt_tokens":11,"completion_tokens":5,"total_tokens":16}}\n\ndata: [DONE]\n\n`));
for (const round of [1, 2, 3]) {
  let t = performance.now();
  for (let n = 0; n < 20000; n++) { const s = new SseUsageScanner(noTokens()); for (const c of chunks) s.feed(c); }
  const scan = (performance.now() - t) / 20000 * 1000;
  t = performance.now();
  for (let n = 0; n < 20000; n++) { const f = new StreamUsageFilter(); for (const c of chunks) f.filter(c); f.end(); }
  const filt = (performance.now() - t) / 20000 * 1000;
  console.log(`scanner ${scan.toFixed(1)} us/stream, filter ${filt.toFixed(1)} us/stream`);
}
