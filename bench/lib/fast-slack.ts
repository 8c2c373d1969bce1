import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A minimal, instant Slack Web API for benchmarks: it answers the methods the measured flows call
 * with well-formed successes and nothing else (no rate tiers, no limits), so the figures measure
 * the bot, not the simulator. Feature correctness is proven by the tests against sim.
 */
export interface FastSlack {
  apiUrl: string;
  calls: Map<string, number>;
  close(): Promise<void>;
}

const USERS = ['U0ALICE', 'U0BOB', 'U0CAROL', 'U0DAVE', 'U0FIREBRK'];
const TZ: Record<string, string> = {
  U0ALICE: 'America/New_York',
  U0BOB: 'Europe/Berlin',
  U0CAROL: 'Asia/Kolkata',
  U0DAVE: 'UTC',
};

let tsSeq = 0;
const nextTs = () => `${Math.floor(Date.now() / 1000)}.${String(++tsSeq % 1_000_000).padStart(6, '0')}`;

function answer(method: string, form: URLSearchParams): Record<string, unknown> {
  switch (method) {
    case 'auth.test':
      return {
        ok: true,
        url: 'https://firebreak-sim.slack.com/',
        team: 'Firebreak',
        user: 'firebreak',
        team_id: 'T0FIREBRK',
        user_id: 'U0FIREBRK',
        bot_id: 'B0FIREBRK',
      };
    case 'conversations.members':
      return { ok: true, members: USERS, response_metadata: { next_cursor: '' } };
    case 'conversations.history': {
      const ts = form.get('oldest') ?? form.get('latest') ?? nextTs();
      return {
        ok: true,
        messages: [{ type: 'message', user: 'U0ALICE', text: `status update ${ts}`, ts }],
        has_more: false,
      };
    }
    case 'conversations.replies':
      return { ok: true, messages: [], has_more: false };
    case 'chat.getPermalink':
      return {
        ok: true,
        channel: form.get('channel'),
        permalink: `https://firebreak-sim.slack.com/archives/${form.get('channel')}/p${(form.get('message_ts') ?? '').replace('.', '')}`,
      };
    case 'users.info': {
      const id = form.get('user') ?? 'U0DAVE';
      return {
        ok: true,
        user: {
          id,
          name: id.toLowerCase(),
          real_name: id,
          tz: TZ[id] ?? 'UTC',
          is_bot: id === 'U0FIREBRK',
          profile: { display_name: id },
        },
      };
    }
    case 'conversations.info':
      return {
        ok: true,
        channel: { id: form.get('channel'), name: 'inc', is_private: false, is_member: true },
      };
    case 'chat.postMessage':
    case 'chat.update':
    case 'chat.postEphemeral':
      return {
        ok: true,
        channel: form.get('channel'),
        ts: nextTs(),
        message: { text: form.get('text') ?? '' },
      };
    default:
      return { ok: true };
  }
}

export async function startFastSlack(): Promise<FastSlack> {
  const calls = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0] ?? '';
      calls.set(method, (calls.get(method) ?? 0) + 1);
      const form = new URLSearchParams(Buffer.concat(chunks).toString());
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer(method, form)));
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    apiUrl: `http://127.0.0.1:${port}/api/`,
    calls,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
