import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type FakeCall, type FakeReply, FakeTracker, hmacHex, type WebhookTarget } from './base.js';

/**
 * A local GitHub Issues API, written from GitHub's REST and webhook documentation (not from what
 * Firebreak sends). Each rule names its page.
 */

/** Webhook bodies start from GitHub's own sample (octokit/webhooks payload-examples), kept as a fixture. */
const SAMPLE = new URL('../../test/fixtures/github/issues-reopened.payload.json', import.meta.url);

export interface FakeIssue {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  state_reason: string | null;
  assignees: string[];
  labels: string[];
  /** ISO 8601 in whole seconds, as GitHub writes them (https://docs.github.com/en/rest/issues/issues#get-an-issue). */
  created_at?: string;
  updated_at?: string;
  closed_at?: string | null;
}

export interface FakeGitHubOptions {
  token: string;
  /** owner/name */
  repo: string;
  /** Logins that may be assigned (collaborators). */
  users?: string[];
  /**
   * The repository's webhook (Settings → Webhooks: payload URL, secret, the Issues event). With it,
   * every change to an issue, through the API or on github.com, is delivered as an `issues` event.
   */
  webhook?: WebhookTarget;
  /** The token's user, the `sender` of changes made through the API (default firebreak-bot). */
  login?: string;
  /** The token's user's role on the repository, as `permissions` reports it (default: write). */
  permissions?: { admin: boolean; maintain: boolean; push: boolean; triage: boolean; pull: boolean };
  /** Issues turned off in the repository's settings (default: on). */
  issuesOff?: boolean;
}

const DOCS = 'https://docs.github.com/rest';

export class FakeGitHub extends FakeTracker {
  readonly issues = new Map<number, FakeIssue>();
  private next = 1;
  private sample: Record<string, unknown> = JSON.parse(readFileSync(SAMPLE, 'utf8')) as Record<
    string,
    unknown
  >;

  constructor(readonly opts: FakeGitHubOptions) {
    // A delivery not answered within 10 seconds failed, and GitHub does not redeliver a failed
    // delivery on its own; people (or a script) redeliver it
    // (https://docs.github.com/en/webhooks/using-webhooks/handling-failed-webhook-deliveries).
    super({ timeoutMs: 10_000, delaysMs: [], retryOn: () => false });
  }

  /** GitHub's times are whole seconds: 2021-10-11T16:40:56Z. */
  private stamp(issue: FakeIssue): string {
    const at = `${new Date(Math.floor(this.now() / 1000) * 1000).toISOString().slice(0, 19)}Z`;
    issue.updated_at = at;
    issue.created_at ??= at;
    return at;
  }

  static start(opts: FakeGitHubOptions): Promise<FakeGitHub> {
    return new FakeGitHub(opts).listen();
  }

  private htmlUrl(n: number): string {
    return `https://github.com/${this.opts.repo}/issues/${n}`;
  }

  private json(i: FakeIssue) {
    const user = (login: string) => ({ login, type: 'User' });
    return {
      url: `${this.url}/repos/${this.opts.repo}/issues/${i.number}`,
      html_url: this.htmlUrl(i.number),
      number: i.number,
      title: i.title,
      body: i.body,
      state: i.state,
      state_reason: i.state_reason,
      labels: i.labels.map((name) => ({ name })),
      assignee: i.assignees[0] ? user(i.assignees[0]) : null,
      assignees: i.assignees.map(user),
      created_at: i.created_at ?? null,
      updated_at: i.updated_at ?? null,
      closed_at: i.closed_at ?? null,
    };
  }

  protected handle(c: FakeCall): FakeReply {
    // https://docs.github.com/en/rest/authentication/authenticating-to-the-rest-api#failed-login-limit
    const auth = c.headers.authorization ?? '';
    if (auth !== `Bearer ${this.opts.token}` && auth !== `token ${this.opts.token}`)
      return { status: 401, body: { message: 'Bad credentials', documentation_url: DOCS, status: '401' } };
    const base = `/repos/${this.opts.repo}/issues`;
    const path = c.path.split('?')[0] ?? '';
    // https://docs.github.com/en/rest/repos/repos#get-a-repository: with an authenticated request
    // the answer carries `permissions` { admin, maintain, push, triage, pull } (GitHub's own OpenAPI
    // description, github/rest-api-description, schema `full-repository`; and
    // https://github.com/orgs/community/discussions/24571: only when the request is authenticated).
    // Owner and name are not case-sensitive.
    if (c.method === 'GET' && path.toLowerCase() === `/repos/${this.opts.repo}`.toLowerCase())
      return { status: 200, body: this.repoJson() };
    // Any other repository: 404, also for a private one the token cannot see
    // (https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api#404-not-found-for-an-existing-resource).
    if (c.method === 'GET' && /^\/repos\/[^/]+\/[^/]+$/.test(path))
      return { status: 404, body: { message: 'Not Found', documentation_url: DOCS, status: '404' } };
    // https://docs.github.com/en/rest/issues/issues#create-an-issue
    if (c.method === 'POST' && path === base) {
      const b = (c.body ?? {}) as { title?: unknown; body?: unknown; assignees?: unknown; labels?: unknown };
      // 422 "Validation failed" with the missing field, as the create-an-issue page lists.
      if (typeof b.title !== 'string' || b.title.trim() === '')
        return {
          status: 422,
          body: {
            message: 'Validation Failed',
            errors: [{ resource: 'Issue', code: 'missing_field', field: 'title' }],
            documentation_url: 'https://docs.github.com/rest/issues/issues#create-an-issue',
            status: '422',
          },
        };
      const bad = this.badAssignees(b.assignees);
      if (bad) return bad;
      const issue: FakeIssue = {
        number: this.next++,
        title: b.title,
        body: typeof b.body === 'string' ? b.body : '',
        state: 'open',
        state_reason: null,
        assignees: Array.isArray(b.assignees) ? (b.assignees as string[]) : [],
        labels: Array.isArray(b.labels) ? (b.labels as string[]) : [],
      };
      this.stamp(issue);
      this.issues.set(issue.number, issue);
      void this.sendIssues('opened', issue, this.apiUser());
      return { status: 201, headers: { location: this.json(issue).url }, body: this.json(issue) };
    }
    const m = new RegExp(`^${base}/(\\d+)$`).exec(path);
    if (m?.[1]) {
      const issue = this.issues.get(Number(m[1]));
      if (!issue)
        return { status: 404, body: { message: 'Not Found', documentation_url: DOCS, status: '404' } };
      // https://docs.github.com/en/rest/issues/issues#get-an-issue
      if (c.method === 'GET') return { status: 200, body: this.json(issue) };
      // https://docs.github.com/en/rest/issues/issues#update-an-issue
      if (c.method === 'PATCH') {
        const b = (c.body ?? {}) as { state?: unknown; state_reason?: unknown; assignees?: unknown };
        if (b.state !== undefined && b.state !== 'open' && b.state !== 'closed')
          return {
            status: 422,
            body: {
              message: 'Validation Failed',
              errors: [{ resource: 'Issue', code: 'invalid', field: 'state' }],
              documentation_url: 'https://docs.github.com/rest/issues/issues#update-an-issue',
              status: '422',
            },
          };
        const bad = this.badAssignees(b.assignees);
        if (bad) return bad;
        // Each change is its own `issues` event: assigned / unassigned per person, then closed or
        // reopened (https://docs.github.com/en/webhooks/webhook-events-and-payloads#issues); a
        // PATCH that changes nothing sends nothing.
        const events: [string, string | null][] = [];
        if (Array.isArray(b.assignees)) {
          const next = b.assignees as string[];
          for (const gone of issue.assignees.filter((x) => !next.includes(x)))
            events.push(['unassigned', gone]);
          for (const added of next.filter((x) => !issue.assignees.includes(x)))
            events.push(['assigned', added]);
          issue.assignees = next;
        }
        if (b.state === 'closed' && issue.state !== 'closed') {
          issue.state = 'closed';
          issue.state_reason = typeof b.state_reason === 'string' ? b.state_reason : 'completed';
          events.push(['closed', null]);
        } else if (b.state === 'open' && issue.state !== 'open') {
          issue.state = 'open';
          issue.state_reason = 'reopened';
          events.push(['reopened', null]);
        }
        if (events.length > 0) {
          const at = this.stamp(issue);
          if (issue.state === 'closed' && events.some(([e]) => e === 'closed')) issue.closed_at = at;
        }
        for (const [action, who] of events) void this.sendIssues(action, issue, this.apiUser(), false, who);
        return { status: 200, body: this.json(issue) };
      }
    }
    return { status: 404, body: { message: 'Not Found', documentation_url: DOCS, status: '404' } };
  }

  private repoJson() {
    const [owner, name] = this.opts.repo.split('/');
    return {
      id: 1296269,
      name,
      full_name: this.opts.repo,
      owner: { login: owner, type: 'Organization' },
      private: true,
      html_url: `https://github.com/${this.opts.repo}`,
      has_issues: !this.opts.issuesOff,
      permissions: this.opts.permissions ?? {
        admin: false,
        maintain: false,
        push: true,
        triage: true,
        pull: true,
      },
    };
  }

  /** Assignees must be people who can be assigned in the repository, else 422 (update-an-issue). */
  private badAssignees(a: unknown): FakeReply | null {
    if (a === undefined) return null;
    if (!Array.isArray(a) || a.some((x) => typeof x !== 'string' || !(this.opts.users ?? []).includes(x)))
      return {
        status: 422,
        body: {
          message: 'Validation Failed',
          errors: [{ resource: 'Issue', code: 'invalid', field: 'assignees' }],
          documentation_url: 'https://docs.github.com/rest/issues/issues#create-an-issue',
          status: '422',
        },
      };
    return null;
  }

  private apiUser(): string {
    return this.opts.login ?? 'firebreak-bot';
  }

  // ---- what people do on github.com, and the webhook GitHub sends for it --------------------

  /** Someone closes the issue on GitHub; resolves to the webhook's HTTP status (0 = none sent). */
  closeOnGitHub(n: number, by = 'octocat'): Promise<number> {
    const issue = this.issues.get(n);
    if (!issue) throw new Error(`no issue #${n}`);
    issue.state = 'closed';
    issue.state_reason = 'completed';
    issue.closed_at = this.stamp(issue);
    return this.sendIssues('closed', issue, by);
  }

  /**
   * Someone reopens the issue on GitHub: state open, state_reason reopened, and the issues event
   * with action `reopened` (https://docs.github.com/en/webhooks/webhook-events-and-payloads#issues;
   * the kept sample is GitHub's own `reopened` payload).
   */
  reopenOnGitHub(n: number, by = 'octocat'): Promise<number> {
    const issue = this.issues.get(n);
    if (!issue) throw new Error(`no issue #${n}`);
    if (issue.state === 'open') throw new Error(`issue #${n} is already open`);
    issue.state = 'open';
    issue.state_reason = 'reopened';
    this.stamp(issue);
    return this.sendIssues('reopened', issue, by);
  }

  assignOnGitHub(n: number, login: string): Promise<number> {
    const issue = this.issues.get(n);
    if (!issue) throw new Error(`no issue #${n}`);
    issue.assignees = [login];
    this.stamp(issue);
    return this.sendIssues('assigned', issue, login, false, login);
  }

  /**
   * The `issues` event: X-GitHub-Event, X-GitHub-Delivery and X-Hub-Signature-256 (sha256= HMAC
   * of the body with the webhook secret), https://docs.github.com/en/webhooks/webhook-events-and-payloads#delivery-headers
   * The issue is as the change left it (a copy: later changes do not alter a queued delivery).
   * `tamper` signs with a wrong secret (what a forged delivery looks like). Resolves to the first
   * attempt's HTTP status, 0 without a webhook.
   */
  sendIssues(
    action: string,
    issue: FakeIssue,
    sender: string,
    tamper = false,
    assignee: string | null = null,
  ): Promise<number> {
    const target = this.opts.webhook;
    if (!target) return Promise.resolve(0);
    const [owner, name] = this.opts.repo.split('/');
    const sample = this.sample as { issue: Record<string, unknown>; repository: Record<string, unknown> };
    const payload = {
      ...this.sample,
      action,
      issue: { ...sample.issue, ...this.json(issue) },
      // assigned / unassigned name the person (https://docs.github.com/en/webhooks/webhook-events-and-payloads?actionType=assigned#issues).
      ...(assignee !== null ? { assignee: { login: assignee, type: 'User' } } : {}),
      repository: {
        ...sample.repository,
        name,
        full_name: this.opts.repo,
        owner: { login: owner, type: 'User' },
      },
      sender: { login: sender, type: 'User' },
    };
    const raw = JSON.stringify(payload);
    const secret = tamper ? `${target.secret}-wrong` : target.secret;
    const id = randomUUID();
    const d = this.webhooks.emit(target, `issues.${action}`, String(issue.number), () => ({
      raw,
      headers: {
        'x-github-event': 'issues',
        'x-github-delivery': id,
        'x-hub-signature-256': `sha256=${hmacHex(secret, raw)}`,
        'user-agent': 'GitHub-Hookshot/fake',
      },
    }));
    return d ? d.first : Promise.resolve(0);
  }
}
