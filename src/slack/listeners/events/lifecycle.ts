import type { App } from '@slack/bolt';
import type { Deps } from '../../../deps.js';
import { listOpenIncidents, listRecentlyResolved } from '../../../incidents/list.js';
import type { Incident } from '../../../incidents/model.js';
import { isIncidentMember } from '../../access.js';
import { homeView } from '../../views/home.js';

/** Private incidents are shown only to their channel's members. */
async function visibleTo(client: App['client'], list: Incident[], userId: string): Promise<Incident[]> {
  const out: Incident[] = [];
  for (const i of list) if (!i.isPrivate || (await isIncidentMember(client, i, userId))) out.push(i);
  return out;
}

/** events listeners of the lifecycle feature. */
export function register(app: App, deps: Deps): void {
  app.event('app_home_opened', async ({ event, client, body }) => {
    if (event.tab !== 'home') return;
    const now = deps.clock.now();
    const open = await visibleTo(client, listOpenIncidents(deps.db), event.user);
    const resolved = await visibleTo(client, listRecentlyResolved(deps.db, now), event.user);
    const teamId = (body as { team_id?: string }).team_id;
    await client.views.publish({ user_id: event.user, view: homeView(open, resolved, now, teamId) });
  });
}
