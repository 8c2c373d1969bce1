import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { getIncidentById } from '../../incidents/queries.js';
import type { Deps } from '../../runtime/deps.js';
import { canView } from '../../slack/access.js';
import { getUserTz } from '../../slack/users.js';
import { timelinePage } from '../page.js';
import { parseTimelinePageValue, TIMELINE_PAGE_ACTION, timelineMessage } from './views/timeline.js';

/** Page buttons under `/incident timeline`: the ephemeral message is replaced by the asked-for page. */
export function register(app: App, deps: Deps): void {
  app.action<BlockAction<ButtonAction>>(
    TIMELINE_PAGE_ACTION,
    async ({ ack, action, body, client, respond }) => {
      await ack();
      const target = parseTimelinePageValue(action.value);
      const incident = target ? getIncidentById(deps.db, target.incidentId) : undefined;
      if (!target || !incident || !(await canView(deps.members, client, incident, body.user.id))) {
        await respond({
          response_type: 'ephemeral',
          replace_original: false,
          text: ':warning: That timeline is no longer available.',
        });
        return;
      }
      const tz = await getUserTz(client, deps.db, deps.clock, body.user.id);
      const page = timelinePage(deps.db, incident.id, target.page);
      await respond({
        response_type: 'ephemeral',
        replace_original: true,
        ...timelineMessage({ incident, ...page, tz }),
      });
    },
  );
}
