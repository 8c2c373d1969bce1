import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppLogger } from '../log.js';
import type { TrackerSync } from './sync.js';
import { TrackerError } from './types.js';

/** Tracker webhook deliveries are small (one issue); anything bigger is not one. */
export const WEBHOOK_BODY_LIMIT = 1024 * 1024;

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/**
 * POST /trackers/<github|jira|linear>/webhook: the tracker tells us a ticket changed. The tracker's
 * own signature is its credential (an HMAC of the body with TRACKER_WEBHOOK_SECRET), checked before
 * anything is read; without the secret configured the route refuses everything (404), and polling
 * alone keeps follow-ups in step. The change is committed before the 200, so a delivery answered
 * 2xx is never lost; a tracker that gets no 2xx redelivers (or the poll catches up).
 */
export function trackerWebhookRoute(sync: TrackerSync, secretSet: boolean, logger: AppLogger) {
  return {
    path: `/trackers/${sync.tracker.name}/webhook`,
    method: ['POST'],
    handler: (req: IncomingMessage, res: ServerResponse) => {
      if (!secretSet) {
        json(res, 404, { error: 'tracker webhooks are off: set TRACKER_WEBHOOK_SECRET to enable them' });
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      let refused = false;
      req.on('data', (c: Buffer) => {
        if (refused) return;
        size += c.length;
        if (size > WEBHOOK_BODY_LIMIT) {
          refused = true;
          json(res, 413, { error: `a webhook delivery is at most ${WEBHOOK_BODY_LIMIT} bytes` });
          req.resume();
          return;
        }
        chunks.push(c);
      });
      req.on('end', async () => {
        if (refused) return;
        const raw = Buffer.concat(chunks).toString('utf8');
        const headers: Record<string, string | undefined> = {};
        for (const [k, v] of Object.entries(req.headers))
          headers[k.toLowerCase()] = Array.isArray(v) ? v[0] : v;
        let applied: Awaited<ReturnType<TrackerSync['webhook']>>;
        try {
          applied = await sync.webhook(raw, headers);
        } catch (e) {
          if (e instanceof SyntaxError) {
            json(res, 400, { error: 'the body is not JSON' });
            return;
          }
          // The delivery needed a read of the ticket (no time in it, or a tie) and the tracker
          // did not answer: a 503 makes Jira and Linear redeliver; the poll catches up otherwise.
          if (e instanceof TrackerError) {
            logger.warn(
              `tracker webhook from ${sync.tracker.label}: could not read the ticket: ${e.message}`,
            );
            json(res, 503, { error: `could not read the ticket from ${sync.tracker.label}; redeliver it` });
            return;
          }
          logger.error(`tracker webhook from ${sync.tracker.label} failed`, e);
          json(res, 500, { error: 'the delivery could not be stored; redeliver it' });
          return;
        }
        if (applied === null) {
          logger.warn(`refused a ${sync.tracker.label} webhook: bad or missing signature`);
          json(res, 401, {
            error: `bad or missing ${sync.tracker.label} webhook signature${sync.tracker.name === 'linear' ? ', or a delivery older than a minute' : ''}`,
          });
          return;
        }
        json(res, 200, { ok: true, followUps: applied.map((a) => a.followUp.id) });
      });
    },
  };
}
