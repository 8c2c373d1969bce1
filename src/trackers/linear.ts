import { type FetchFn, hmacHexMatches, requestJson, trackerTime, trimSlash } from './http.js';
import { type RemoteTicket, type TicketDraft, type Tracker, TrackerError } from './types.js';

/**
 * Linear over its GraphQL API (POST /graphql), personal API key in Authorization without a scheme,
 * https://linear.app/developers/graphql#personal-api-keys
 * - Create: mutation issueCreate(input: { teamId, title, description, assigneeId, dueDate, labelIds }),
 *   https://linear.app/developers/graphql#creating-and-editing-issues
 * - Close: issueUpdate to the team's first workflow state of type "completed" (teams name their
 *   states freely; the type is fixed), https://linear.app/developers/graphql#queries-and-mutations
 * - Webhook: Linear-Signature, hex HMAC-SHA256 of the body; webhookTimestamp within a minute,
 *   https://linear.app/developers/webhooks#securing-webhooks
 * - Rate limits: a GraphQL error with extensions.code RATELIMITED, https://linear.app/developers/rate-limiting
 */
export interface LinearOptions {
  baseUrl: string;
  token: string;
  teamId: string;
  /** Label IDs (Linear's issueCreate takes IDs, not names). */
  labels: string[];
  webhookSecret?: string | undefined;
  fetch?: FetchFn;
}

/** Linear's guidance: refuse deliveries whose webhookTimestamp is more than a minute off (replays). */
export const LINEAR_WEBHOOK_MAX_AGE_MS = 60_000;

interface GraphQlError {
  message?: string;
  extensions?: { code?: string; type?: string; userPresentableMessage?: string };
}

interface LinearIssue {
  id: string;
  identifier?: string;
  url?: string;
  state?: { type?: string } | null;
  assignee?: { id: string } | null;
  assigneeId?: string | null;
  dueDate?: string | null;
  /** ISO time of the issue's last change; in a webhook, the change it reports. */
  updatedAt?: string;
}

export function linearTracker(opts: LinearOptions): Tracker {
  const fetchFn = opts.fetch ?? fetch;
  const url = `${trimSlash(opts.baseUrl)}/graphql`;
  let completedStateId: string | undefined;

  const gql = async <T>(query: string, variables: Record<string, unknown>): Promise<T> => {
    const res = await requestJson(fetchFn, url, {
      method: 'POST',
      headers: { authorization: opts.token },
      body: { query, variables },
    });
    const body = res.body as { data?: T; errors?: GraphQlError[] } | null;
    const err = body?.errors?.[0];
    if (err || res.status >= 300 || !body?.data) {
      const code = err?.extensions?.code;
      const reset = Number(res.headers.get('x-ratelimit-requests-reset'));
      const wait = code === 'RATELIMITED' && reset > 0 ? Math.max(0, reset - Date.now()) : undefined;
      // An id that names nothing is a 200 whose error message is "Entity not found: Issue", with
      // the code every bad input has (INVALID_INPUT): read once here, where Linear's answer enters.
      // The error's own text leads with userPresentableMessage ("Could not find referenced Issue."),
      // so matching that text later missed it, and one deleted issue stopped every poll.
      const notFound = /^Entity not found\b/.test(err?.message ?? '');
      throw new TrackerError(
        `Linear answered ${res.status}: ${err?.extensions?.userPresentableMessage ?? err?.message ?? 'no data'}${code ? ` (${code})` : ''}`,
        code === 'RATELIMITED' || res.status >= 500 || res.status === 429,
        res.status,
        wait,
        notFound,
      );
    }
    return body.data;
  };

  const toRemote = (i: LinearIssue): RemoteTicket => ({
    ref: i.id,
    closed: i.state?.type === 'completed',
    assignee: i.assignee?.id ?? i.assigneeId ?? null,
    dueDate: i.dueDate ?? null,
    at: trackerTime(i.updatedAt),
  });

  const setState = async (ref: string, input: Record<string, unknown>): Promise<Date | undefined> => {
    const data = await gql<{ issueUpdate: { success: boolean; issue?: { updatedAt?: string } | null } }>(
      'mutation IssueUpdate($id: String!, $input: IssueUpdateInput!) { issueUpdate(id: $id, input: $input) { success issue { updatedAt } } }',
      { id: ref, input },
    );
    if (!data.issueUpdate.success) throw new TrackerError('Linear did not update the issue', true);
    return trackerTime(data.issueUpdate.issue?.updatedAt);
  };

  return {
    name: 'linear',
    label: 'Linear',
    hasDueDates: true,
    async create(d: TicketDraft) {
      const description = `[${d.link.text}](${d.link.url ?? ''})\n\n${d.body}`;
      const data = await gql<{
        issueCreate: { success: boolean; issue: { id: string; identifier: string; url: string } | null };
      }>(
        'mutation IssueCreate($input: IssueCreateInput!) { issueCreate(input: $input) { success issue { id identifier url } } }',
        {
          input: {
            teamId: opts.teamId,
            title: d.title,
            description: d.link.url ? description : `${d.link.text}\n\n${d.body}`,
            ...(d.assignee ? { assigneeId: d.assignee } : {}),
            ...(d.dueDate ? { dueDate: d.dueDate } : {}),
            ...(opts.labels.length > 0 ? { labelIds: opts.labels } : {}),
          },
        },
      );
      const issue = data.issueCreate.issue;
      if (!data.issueCreate.success || !issue)
        throw new TrackerError('Linear did not create the issue', true);
      return { ref: issue.id, key: issue.identifier, url: issue.url };
    },
    async close(ref) {
      if (completedStateId === undefined) {
        const data = await gql<{ workflowStates: { nodes: { id: string; position: number }[] } }>(
          'query Completed($teamId: ID!) { workflowStates(filter: { team: { id: { eq: $teamId } }, type: { eq: "completed" } }) { nodes { id position } } }',
          { teamId: opts.teamId },
        );
        const first = [...data.workflowStates.nodes].sort((a, b) => a.position - b.position)[0];
        if (!first) throw new TrackerError('the Linear team has no workflow state of type completed', false);
        completedStateId = first.id;
      }
      return setState(ref, { stateId: completedStateId });
    },
    async update(ref, fields) {
      const input: Record<string, unknown> = {};
      if (fields.assignee !== undefined) input.assigneeId = fields.assignee;
      if (fields.dueDate !== undefined) input.dueDate = fields.dueDate;
      return Object.keys(input).length > 0 ? setState(ref, input) : undefined;
    },
    async fetch(ref) {
      const data = await gql<{ issue: LinearIssue | null }>(
        'query Issue($id: String!) { issue(id: $id) { id state { type } assignee { id } dueDate updatedAt } }',
        { id: ref },
      ).catch((e: unknown) => {
        if (e instanceof TrackerError && e.notFound) return { issue: null };
        throw e;
      });
      return data.issue ? toRemote(data.issue) : null;
    },
    async check() {
      // The viewer (the key's own user) and the team, read in two steps so each failure is named:
      // https://linear.app/developers/graphql (the viewer query) and team(id:),
      // https://developers.linear.app/docs/sdk/fetching-and-modifying-data
      const keyFix =
        'create a personal API key in Linear (Settings → Security & access) with read and write access to the team, and put it in TRACKER_TOKEN';
      let who: string;
      try {
        const data = await gql<{ viewer: { name?: string; email?: string } }>(
          'query Viewer { viewer { id name email } }',
          {},
        );
        who = data.viewer.name ?? data.viewer.email ?? 'the key’s user';
      } catch (e) {
        if (!(e instanceof TrackerError) || e.retryable) throw e;
        return { status: 'fail', detail: `Linear refused TRACKER_TOKEN: ${e.message}`, fix: keyFix };
      }
      try {
        const data = await gql<{ team: { key?: string; name?: string } | null }>(
          'query Team($id: String!) { team(id: $id) { id key name } }',
          { id: opts.teamId },
        );
        if (!data.team) throw new TrackerError('Entity not found: Team', false);
        return {
          status: 'ok',
          detail: `Linear accepted the key (as ${who}); team ${data.team.key ?? opts.teamId}${data.team.name ? ` (${data.team.name})` : ''} is visible`,
        };
      } catch (e) {
        if (!(e instanceof TrackerError) || e.retryable) throw e;
        return {
          status: 'fail',
          detail: `Linear accepted the key (as ${who}) but not team ${opts.teamId}: ${e.message}`,
          fix: 'set TRACKER_PROJECT to the team’s ID (a UUID: in Linear, the command menu’s "Copy model UUID" on the team), and give the key access to that team',
        };
      }
    },
    verifyWebhook(raw, h, now) {
      if (opts.webhookSecret === undefined) return null;
      if (!hmacHexMatches(opts.webhookSecret, raw, h['linear-signature'])) return null;
      const payload = JSON.parse(raw) as {
        type?: string;
        action?: string;
        data?: LinearIssue;
        updatedFrom?: Record<string, unknown>;
        webhookTimestamp?: number;
      };
      if (
        typeof payload.webhookTimestamp !== 'number' ||
        Math.abs(now.getTime() - payload.webhookTimestamp) > LINEAR_WEBHOOK_MAX_AGE_MS
      )
        return null;
      if (payload.type !== 'Issue' || !payload.data?.id) return [];
      // An update's `updatedFrom` holds the previous values of the fields it changed
      // (https://linear.app/developers/webhooks, data change payloads): `stateId` = moved.
      const stateChanged =
        payload.action === 'update' &&
        typeof payload.updatedFrom === 'object' &&
        payload.updatedFrom !== null &&
        'stateId' in payload.updatedFrom;
      return [{ ...toRemote(payload.data), stateChanged }];
    },
  };
}
