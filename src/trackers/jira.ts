import {
  type FetchFn,
  hmacHexMatches,
  isRetryableStatus,
  requestJson,
  retryAfterMs,
  trackerTime,
  trimSlash,
} from './http.js';
import { type RemoteTicket, type TicketDraft, type Tracker, TrackerError } from './types.js';

/**
 * Jira Cloud over REST API v3, basic auth with an Atlassian account email and API token
 * (https://developer.atlassian.com/cloud/jira/platform/basic-auth-for-rest-apis/).
 * - Create: POST /rest/api/3/issue, description in Atlassian Document Format,
 *   https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-post
 * - Close: GET then POST /rest/api/3/issue/{id}/transitions, to the first transition whose target
 *   status is in the "done" category (workflows name their statuses freely; the category is fixed),
 *   https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-transitions-post
 * - Assignee / due date: PUT /rest/api/3/issue/{id} (fields assignee.accountId, duedate).
 * - Webhook: an admin webhook with a secret, signed in X-Hub-Signature as sha256=<hex>,
 *   https://developer.atlassian.com/cloud/jira/platform/webhooks/#secure-admin-webhooks
 * - Rate limits: 429 with Retry-After, https://developer.atlassian.com/cloud/jira/platform/rate-limiting/
 */
export interface JiraOptions {
  baseUrl: string;
  email: string;
  token: string;
  project: string;
  issueType: string;
  labels: string[];
  webhookSecret?: string | undefined;
  fetch?: FetchFn;
}

interface JiraFields {
  status?: { statusCategory?: { key?: string } };
  assignee?: { accountId?: string } | null;
  duedate?: string | null;
  /** When the issue last changed, e.g. 2023-03-15T10:35:19.547+0000. */
  updated?: string;
}

/** Atlassian Document Format: one paragraph per block of text, the backlink as a link mark. */
export function toAdf(body: string, link: { text: string; url: string | null }): unknown {
  const paragraphs = body
    .split(/\n{2,}/)
    .map((p) => p.trim())
    .filter((p) => p.length > 0)
    .map((p) => ({ type: 'paragraph', content: [{ type: 'text', text: p }] }));
  const linkPara = {
    type: 'paragraph',
    content: [
      link.url
        ? { type: 'text', text: link.text, marks: [{ type: 'link', attrs: { href: link.url } }] }
        : { type: 'text', text: link.text },
    ],
  };
  return { type: 'doc', version: 1, content: [linkPara, ...paragraphs] };
}

export function jiraTracker(opts: JiraOptions): Tracker {
  const fetchFn = opts.fetch ?? fetch;
  const site = trimSlash(opts.baseUrl);
  const headers = {
    authorization: `Basic ${Buffer.from(`${opts.email}:${opts.token}`).toString('base64')}`,
  };

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await requestJson(fetchFn, `${site}${path}`, { method, headers, body });
    if (res.status >= 200 && res.status < 300) return res.body;
    // https://developer.atlassian.com/cloud/jira/platform/rest/v3/intro/#status-codes
    const b = res.body as { errorMessages?: string[]; errors?: Record<string, string> } | string | null;
    const detail =
      typeof b === 'object' && b !== null
        ? [...(b.errorMessages ?? []), ...Object.entries(b.errors ?? {}).map(([k, v]) => `${k}: ${v}`)].join(
            '; ',
          )
        : typeof b === 'string'
          ? b.slice(0, 200)
          : '';
    throw new TrackerError(
      `Jira answered ${res.status}${detail ? `: ${detail}` : ''}`,
      isRetryableStatus(res.status),
      res.status,
      retryAfterMs(res.headers),
    );
  };

  const toRemote = (id: string, fields: JiraFields): RemoteTicket => ({
    ref: id,
    closed: fields.status?.statusCategory?.key === 'done',
    assignee: fields.assignee?.accountId ?? null,
    dueDate: fields.duedate ?? null,
    at: trackerTime(fields.updated),
  });

  return {
    name: 'jira',
    label: 'Jira',
    hasDueDates: true,
    async create(d: TicketDraft) {
      const created = (await call('POST', '/rest/api/3/issue', {
        fields: {
          project: { key: opts.project },
          issuetype: { name: opts.issueType },
          // Jira's summary is one line of at most 255 characters.
          summary: d.title.replace(/\s+/g, ' ').slice(0, 255),
          description: toAdf(d.body, d.link),
          ...(opts.labels.length > 0 ? { labels: opts.labels.map((l) => l.replace(/\s+/g, '-')) } : {}),
          ...(d.assignee ? { assignee: { accountId: d.assignee } } : {}),
          ...(d.dueDate ? { duedate: d.dueDate } : {}),
        },
      })) as { id: string; key: string };
      return { ref: created.id, key: created.key, url: `${site}/browse/${created.key}` };
    },
    async close(ref) {
      const path = `/rest/api/3/issue/${encodeURIComponent(ref)}/transitions`;
      const list = (await call('GET', path)) as {
        transitions?: { id: string; to?: { statusCategory?: { key?: string } } }[];
      };
      const done = list.transitions?.find((t) => t.to?.statusCategory?.key === 'done');
      if (!done)
        throw new TrackerError(
          `Jira offers no transition to a Done status for issue ${ref}; check the project's workflow`,
          false,
        );
      // 204 No Content: the answer does not say when; the sync uses its own clock.
      await call('POST', path, { transition: { id: done.id } });
      return undefined;
    },
    async update(ref, fields) {
      const set: Record<string, unknown> = {};
      if (fields.assignee !== undefined)
        set.assignee = fields.assignee ? { accountId: fields.assignee } : null;
      if (fields.dueDate !== undefined) set.duedate = fields.dueDate;
      if (Object.keys(set).length === 0) return undefined;
      // 204 No Content, as for the close: the sync uses its own clock.
      await call('PUT', `/rest/api/3/issue/${encodeURIComponent(ref)}`, { fields: set });
      return undefined;
    },
    async fetch(ref) {
      try {
        const issue = (await call(
          'GET',
          `/rest/api/3/issue/${encodeURIComponent(ref)}?fields=status,assignee,duedate,updated`,
        )) as { id: string; fields: JiraFields };
        return toRemote(issue.id, issue.fields);
      } catch (e) {
        if (e instanceof TrackerError && e.status === 404) return null;
        throw e;
      }
    },
    async check() {
      const get = (path: string) => requestJson(fetchFn, `${site}${path}`, { method: 'GET', headers });
      const tokenFix =
        'create an API token at https://id.atlassian.com/manage-profile/security/api-tokens while signed in as TRACKER_EMAIL, and put it in TRACKER_TOKEN';
      // https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-myself/#api-rest-api-3-myself-get
      const me = await get('/rest/api/3/myself');
      if (me.status === 401 || me.status === 403)
        return {
          status: 'fail',
          detail: `Jira at ${site} refused TRACKER_EMAIL ${opts.email} with TRACKER_TOKEN (${me.status})`,
          fix: tokenFix,
        };
      if (me.status !== 200)
        return {
          status: 'fail',
          detail: `Jira at ${site} answered ${me.status} to /rest/api/3/myself`,
          fix: 'check TRACKER_URL: your site, such as https://your-domain.atlassian.net',
        };
      const who = (me.body as { displayName?: string } | null)?.displayName ?? opts.email;
      // https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-projects/#api-rest-api-3-project-projectidorkey-get
      const project = await get(`/rest/api/3/project/${encodeURIComponent(opts.project)}`);
      if (project.status !== 200)
        return {
          status: 'fail',
          detail: `Jira accepted the token (as ${who}) but answered ${project.status} for project ${opts.project}: no such project, or ${who} may not browse it`,
          fix: `check TRACKER_PROJECT (the project key, such as OPS), and give ${who} the Browse projects and Create issues permissions in it`,
        };
      const p = project.body as { name?: string; issueTypes?: { name?: string }[] } | null;
      const types = (p?.issueTypes ?? []).map((t) => t.name).filter((n): n is string => !!n);
      if (types.length > 0 && !types.includes(opts.issueType))
        return {
          status: 'fail',
          detail: `project ${opts.project} has no issue type "${opts.issueType}" (it has ${types.join(', ')})`,
          fix: 'set TRACKER_ISSUE_TYPE to one of them',
        };
      return {
        status: 'ok',
        detail: `Jira accepted the token (as ${who}); project ${opts.project}${p?.name ? ` (${p.name})` : ''} is visible${types.length > 0 ? ` and has issue type ${opts.issueType}` : ''}`,
      };
    },
    verifyWebhook(raw, h) {
      if (opts.webhookSecret === undefined) return null;
      const sig = /^sha256=([0-9a-f]{64})$/i.exec(h['x-hub-signature'] ?? '')?.[1];
      if (!hmacHexMatches(opts.webhookSecret, raw, sig)) return null;
      // https://developer.atlassian.com/cloud/jira/platform/webhooks/#example-callback-for-an-issue-related-event
      const payload = JSON.parse(raw) as {
        timestamp?: number;
        webhookEvent?: string;
        issue?: { id?: string; fields?: JiraFields };
        changelog?: { items?: { field?: string }[] };
      };
      if (payload.webhookEvent !== 'jira:issue_updated' || !payload.issue?.id) return [];
      // The changelog lists the fields this update changed; a transition changes `status`.
      const stateChanged = (payload.changelog?.items ?? []).some((i) => i?.field === 'status');
      // `timestamp` is the event's time in epoch ms; Atlassian points at it to recognise late and
      // repeated deliveries (https://developer.atlassian.com/cloud/jira/platform/webhooks/#retry-policy).
      return [
        {
          ...toRemote(String(payload.issue.id), payload.issue.fields ?? {}),
          stateChanged,
          at: trackerTime(payload.timestamp),
        },
      ];
    },
  };
}
