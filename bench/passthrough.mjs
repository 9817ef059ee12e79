// The floor for Node: the thinnest useful undici proxy. It reads the request, forwards it to the upstream
// over a keep-alive Pool with a fixed credential, and streams the answer back. No auth, routing or records.
import { createServer } from 'node:http';
import { Pool } from 'undici';

const upstream = process.env.BENCH_UPSTREAM;
const auth = `Bearer ${process.env.BENCH_GOOD_KEY}`;
const pool = new Pool(upstream, { connections: 64 });

const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    try {
      const response = await pool.request({
        path: req.url,
        method: req.method,
        headers: { 'content-type': 'application/json', authorization: auth },
        body: Buffer.concat(chunks),
      });
      res.writeHead(response.statusCode, { 'content-type': response.headers['content-type'] });
      for await (const chunk of response.body) res.write(chunk);
      res.end();
    } catch (err) {
      res.writeHead(502).end(String(err));
    }
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
