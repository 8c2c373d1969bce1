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
 * GitHub Issues over the REST API.
 * - Create: POST /repos/{owner}/{repo}/issues, https://docs.github.com/en/rest/issues/issues#create-an-issue
 * - Close / assign: PATCH /repos/{owner}/{repo}/issues/{issue_number} with state "closed" and
 *   state_reason "completed", https://docs.github.com/en/rest/issues/issues#update-an-issue
 * - Webhook: the `issues` event, signed in X-Hub-Signature-256,
 *   https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
 * GitHub issues have no due date: the due date is written into the body and not read back.
 */
export interface GitHubOptions {
  baseUrl: string;
  token: string;
  /** owner/name */
  repo: string;
  labels: string[];
  webhookSecret?: string | undefined;
  fetch?: FetchFn;
}

interface GitHubIssue {
  number: number;
  html_url: string;
  state: string;
  assignees?: { login: string }[] | null;
  assignee?: { login: string } | null;
  /** Second-resolution ISO times (https://docs.github.com/en/rest/issues/issues#get-an-issue). */
  updated_at?: string;
  closed_at?: string | null;
}

interface GitHubRepo {
  full_name?: string;
  has_issues?: boolean;
  message?: string;
  permissions?: { admin?: boolean; maintain?: boolean; push?: boolean; triage?: boolean; pull?: boolean };
}

export function githubTracker(opts: GitHubOptions): Tracker {
  const fetchFn = opts.fetch ?? fetch;
  const base = `${trimSlash(opts.baseUrl)}/repos/${opts.repo}/issues`;
  // https://docs.github.com/en/rest/using-the-rest-api/getting-started-with-the-rest-api#headers
  const headers = {
    authorization: `Bearer ${opts.token}`,
    accept: 'application/vnd.github+json',
    'x-github-api-version': '2022-11-28',
    'user-agent': 'firebreak',
  };

  const call = async (method: string, url: string, body?: unknown) => {
    const res = await requestJson(fetchFn, url, { method, headers, body });
    if (res.status >= 200 && res.status < 300) return res.body;
    // Rate limits: 429, or 403 with x-ratelimit-remaining: 0 (primary) or retry-after (secondary).
    // https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit
    const remaining = res.headers.get('x-ratelimit-remaining');
    const rateLimited =
      res.status === 429 || (res.status === 403 && (remaining === '0' || res.headers.has('retry-after')));
    let wait = retryAfterMs(res.headers);
    const reset = res.headers.get('x-ratelimit-reset');
    if (wait === undefined && rateLimited && remaining === '0' && reset !== null)
      wait = Math.max(0, Number(reset) * 1000 - Date.now());
    const message = (res.body as { message?: string } | null)?.message ?? `HTTP ${res.status}`;
    const errors = (res.body as { errors?: { field?: string; code?: string }[] } | null)?.errors;
    const detail = errors?.length
      ? ` (${errors.map((e) => `${e.field ?? '?'}: ${e.code ?? '?'}`).join(', ')})`
      : '';
    throw new TrackerError(
      `GitHub answered ${res.status}: ${message}${detail}`,
      rateLimited || isRetryableStatus(res.status),
      res.status,
      wait,
    );
  };

  const toRemote = (issue: GitHubIssue): RemoteTicket => ({
    ref: String(issue.number),
    closed: issue.state === 'closed',
    assignee: issue.assignees?.[0]?.login ?? issue.assignee?.login ?? null,
    // The issues event has no time of its own; its issue's updated_at is the time of the change it
    // reports (the payload is the issue as that change left it).
    at: trackerTime(issue.updated_at),
  });

  return {
    name: 'github',
    label: 'GitHub',
    hasDueDates: false,
    async create(d: TicketDraft) {
      const backlink = d.link.url ? `[${d.link.text}](${d.link.url})` : d.link.text;
      const body = [backlink, d.body, d.dueDate ? `Due: ${d.dueDate}` : null]
        .filter((s) => s !== null)
        .join('\n\n');
      const issue = (await call('POST', base, {
        title: d.title,
        body,
        ...(d.assignee ? { assignees: [d.assignee] } : {}),
        ...(opts.labels.length > 0 ? { labels: opts.labels } : {}),
      })) as GitHubIssue;
      return { ref: String(issue.number), key: `#${issue.number}`, url: issue.html_url };
    },
    async close(ref) {
      const issue = (await call('PATCH', `${base}/${encodeURIComponent(ref)}`, {
        state: 'closed',
        state_reason: 'completed',
      })) as GitHubIssue | null;
      return trackerTime(issue?.closed_at ?? issue?.updated_at);
    },
    async update(ref, fields) {
      if (fields.assignee === undefined) return undefined;
      const issue = (await call('PATCH', `${base}/${encodeURIComponent(ref)}`, {
        assignees: fields.assignee ? [fields.assignee] : [],
      })) as GitHubIssue | null;
      return trackerTime(issue?.updated_at);
    },
    async fetch(ref) {
      try {
        return toRemote((await call('GET', `${base}/${encodeURIComponent(ref)}`)) as GitHubIssue);
      } catch (e) {
        if (e instanceof TrackerError && (e.status === 404 || e.status === 410)) return null;
        throw e;
      }
    },
    async check() {
      // https://docs.github.com/en/rest/repos/repos#get-a-repository: `permissions` comes with
      // authenticated requests; a repository the token cannot see answers 404, as a missing one does.
      const res = await requestJson(fetchFn, `${trimSlash(opts.baseUrl)}/repos/${opts.repo}`, {
        method: 'GET',
        headers,
      });
      const body = res.body as GitHubRepo | null;
      const tokenFix = `create a token that can read and write issues of ${opts.repo} (fine-grained: Issues read and write on that repository; classic: the repo scope) and put it in TRACKER_TOKEN`;
      if (res.status === 401)
        return {
          status: 'fail',
          detail: `GitHub refused TRACKER_TOKEN (401 ${body?.message ?? 'Unauthorized'})`,
          fix: tokenFix,
        };
      if (res.status === 404)
        return {
          status: 'fail',
          detail: `GitHub answers 404 for ${opts.repo}: no such repository, or the token cannot see it`,
          fix: `check TRACKER_PROJECT (owner/name), and give the token access to ${opts.repo}`,
        };
      if (res.status < 200 || res.status >= 300)
        return {
          status: 'fail',
          detail: `GitHub answered ${res.status} for ${opts.repo}: ${body?.message ?? 'no message'}`,
          fix:
            res.status === 403
              ? `${tokenFix}; an organization with SAML SSO must authorize the token`
              : undefined,
        };
      const name = body?.full_name ?? opts.repo;
      if (body?.has_issues === false)
        return {
          status: 'fail',
          detail: `${name} has issues turned off`,
          fix: `turn them on in ${name}'s Settings → General → Features → Issues`,
        };
      const p = body?.permissions;
      if (!p)
        return {
          status: 'warn',
          detail: `GitHub accepted the token and shows ${name}, but did not say what the token may do there`,
          fix: 'make sure its user can triage or write to the repository (closing and assigning issues needs it)',
        };
      // Closing and assigning issues needs triage or write (push); read alone can only open them.
      // https://docs.github.com/en/organizations/managing-user-access-to-your-organizations-repositories/managing-repository-roles/repository-roles-for-an-organization
      if (!(p.push || p.triage || p.maintain || p.admin))
        return {
          status: 'fail',
          detail: `the token can read ${name} but not write to it (permissions.push is false): follow-ups could not be closed or assigned`,
          fix: `give the token's user triage or write access to ${name}`,
        };
      return {
        status: 'ok',
        detail: `GitHub accepted the token; ${name} has issues, and the token may ${p.push ? 'write (push)' : 'triage'}`,
      };
    },
    verifyWebhook(raw, h) {
      if (opts.webhookSecret === undefined) return null;
      const sig = /^sha256=([0-9a-f]{64})$/i.exec(h['x-hub-signature-256'] ?? '')?.[1];
      if (!hmacHexMatches(opts.webhookSecret, raw, sig)) return null;
      // https://docs.github.com/en/webhooks/webhook-events-and-payloads#issues
      if (h['x-github-event'] !== 'issues') return [];
      const payload = JSON.parse(raw) as {
        action?: string;
        repository?: { full_name?: string };
        issue?: GitHubIssue;
      };
      if (!payload.issue || payload.repository?.full_name?.toLowerCase() !== opts.repo.toLowerCase())
        return [];
      // The issues event's `action` names the change: `reopened` and `closed` are state changes.
      const stateChanged = payload.action === 'reopened' || payload.action === 'closed';
      return [{ ...toRemote(payload.issue), stateChanged }];
    },
  };
}
