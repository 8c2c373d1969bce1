import { WS } from '../../api.js';
import { DEMO_API_TOKEN, type DemoContext } from '../context.js';

export const title =
  'HTTP API: a deploy pipeline declares, updates, notes and resolves an incident over /api/v1';

/**
 * Another tool talks to Firebreak over HTTP: it declares an incident (the same channel, summary and
 * announcement a Slack declare makes), raises the severity, adds a note, resolves it with the root
 * cause and a follow-up (the same resolution message a Slack resolve posts), and reads the timeline,
 * where every change it made says "API". Without the token nothing happens (401).
 */
export async function scene(d: DemoContext): Promise<void> {
  const base = `${d.botUrl.replace(/\/slack\/events$/, '')}/api/v1`;
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    token: string | null = DEMO_API_TOKEN,
  ) => {
    const r = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  const shown = (body: unknown) => (body === undefined ? '' : ` ${JSON.stringify(body)}`);

  const anon = await call('POST', '/incidents', { title: 'Nope' }, null);
  d.narrate(`POST /api/v1/incidents without a token → ${anon.status} ${JSON.stringify(anon.body)}`);

  const declare = {
    title: 'Deploy 4411 broke image uploads',
    severity: 3,
    services: ['uploads'],
    lead: WS.users.bob,
  };
  const created = await call('POST', '/incidents', declare);
  const number = Number(created.body.number);
  d.narrate(
    `POST /api/v1/incidents${shown(declare)}\n→ ${created.status} ${created.body.ref} (${created.body.status}, declared_by ${created.body.declared_by}, channel_id ${created.body.channel_id}: set up right after the answer)`,
  );
  await d.idle();
  const read = await call('GET', `/incidents/${number}`);
  d.narrate(`GET /api/v1/incidents/${number} → channel ${read.body.channel_name}`);

  const sev = await call('POST', `/incidents/${number}/severity`, { severity: 2 });
  d.narrate(
    `POST /api/v1/incidents/${number}/severity {"severity":2} → ${sev.status} changed=${sev.body.changed}`,
  );
  const note = await call('POST', `/incidents/${number}/notes`, { text: 'Rollback of 4411 started' });
  d.narrate(
    `POST /api/v1/incidents/${number}/notes → ${note.status} author ${note.body.author}, via ${note.body.via}`,
  );
  const bad = await call('POST', `/incidents/${number}/status`, { status: 'fixed' });
  d.narrate(`POST /api/v1/incidents/${number}/status {"status":"fixed"} → ${bad.status} ${bad.body.error}`);
  const badCategory = await call('POST', `/incidents/${number}/resolve`, {
    resolution: 'Rolled back 4411',
    root_cause: { summary: 'Uploads used the old bucket name', category: 'gremlins' },
  });
  d.narrate(
    `POST /api/v1/incidents/${number}/resolve with category "gremlins" → ${badCategory.status} ${JSON.stringify(badCategory.body.issues)}`,
  );
  const resolve = {
    resolution: 'Rolled back 4411',
    root_cause: {
      summary: 'Deploy 4411 renamed the uploads bucket without a migration',
      category: 'deploy/change',
      contributing_factors: ['no upload check in the canary'],
    },
    follow_ups: [{ text: 'Add an upload check to the canary', owner: WS.users.bob, due_date: '2027-01-20' }],
  };
  const resolved = await call('POST', `/incidents/${number}/resolve`, resolve);
  d.narrate(
    `POST /api/v1/incidents/${number}/resolve${shown(resolve)}\n→ ${resolved.status} ${resolved.body.status}, root cause ${resolved.body.root_cause_category}`,
  );
  const twice = await call('POST', `/incidents/${number}/resolve`, resolve);
  d.narrate(`POST /api/v1/incidents/${number}/resolve again → ${twice.status} ${twice.body.error}`);
  await d.idle();

  d.narrate(`In Slack, ${read.body.channel_name} shows the API's changes like anyone's:`);
  d.show(String(read.body.channel_id));
  const tl = await call('GET', `/incidents/${number}/timeline`);
  const lines = (tl.body.entries as { kind: string; author: string | null; text: string }[]).map(
    (e) => `  ${e.kind.padEnd(9)} ${String(e.author ?? '').padEnd(8)} ${e.text}`,
  );
  d.narrate(`GET /api/v1/incidents/${number}/timeline →\n${lines.join('\n')}`);
}
