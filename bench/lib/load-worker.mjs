// Load generator for the benchmarks, run in a worker thread so that signing and sending requests
// does not take CPU from the bot being measured. Plain JavaScript: no loader needed in the worker.
import { createHmac } from 'node:crypto';
import { Agent, request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

const { url, secret, bodies, contentType, concurrency, headers = {} } = workerData;
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });

function send(body) {
  const ts = Math.floor(Date.now() / 1000);
  // Without a secret (the alert webhooks) the request carries only the extra headers given.
  const signed = secret
    ? {
        'x-slack-request-timestamp': String(ts),
        'x-slack-signature': `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`,
      }
    : {};
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': contentType,
          'content-length': Buffer.byteLength(body),
          ...signed,
          ...headers,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
      },
    );
    req.on('error', () => resolve({ status: 0, ms: performance.now() - started }));
    req.end(body);
  });
}

const results = new Array(bodies.length);
let next = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: Math.min(concurrency, bodies.length) }, async () => {
    while (next < bodies.length) {
      const i = next++;
      results[i] = await send(bodies[i]);
    }
  }),
);
const wall = performance.now() - started;
agent.destroy();
parentPort.postMessage({ results, wall });
