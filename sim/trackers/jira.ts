import { readFileSync } from 'node:fs';
import { type FakeCall, type FakeReply, FakeTracker, hmacHex, type WebhookTarget } from './base.js';

/**
 * A local Jira Cloud (REST API v3), written from Atlassian's documentation, not from what
 * Firebreak sends. Each rule names its page.
 */
const SAMPLE = new URL('../../test/fixtures/jira/issue-updated.json', import.meta.url);
const V3 = 'https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/';

type Category = 'new' | 'indeterminate' | 'done';

export interface FakeJiraIssue {
  id: string;
  key: string;
  summary: string;
  issueType: string;
  description: unknown;
  labels: string[];
  assignee: string | null;
  duedate: string | null;
  status: { id: string; name: string; category: Category };
  /** When the issue last changed, as REST v3 writes it: 2018-05-07T14:43:57.764+0000. */
  updated?: string;
}

export interface FakeJiraOptions {
  email: string;
  token: string;
  project: string;
  issueTypes?: string[];
  /** accountIds that can be assigned issues in the project. */
  accounts?: string[];
  /**
   * An admin webhook (System → WebHooks: URL, secret, events). `events` defaults to
   * jira:issue_updated only, the one the README's setup ticks; every change to an issue of those
   * events, through the API or in Jira, is delivered.
   */
  webhook?: WebhookTarget & { events?: string[] };
}

type Status = { id: string; name: string; category: Category };
const STATUSES: Record<'todo' | 'doing' | 'done', Status> = {
  todo: { id: '10000', name: 'To Do', category: 'new' },
  doing: { id: '10001', name: 'In Progress', category: 'indeterminate' },
  done: { id: '10002', name: 'Done', category: 'done' },
};
// The default software workflow's transitions, each to a status
// (https://support.atlassian.com/jira-cloud-administration/docs/work-with-issue-workflows/).
const TRANSITIONS: { id: string; name: string; to: Status }[] = [
  { id: '11', name: 'To Do', to: STATUSES.todo },
  { id: '21', name: 'In Progress', to: STATUSES.doing },
  { id: '31', name: 'Done', to: STATUSES.done },
];

/** The account the fake's token belongs to (the documented sample's user). */
const ME = { accountId: '5b10a2844c20165700ede21g', displayName: 'Mia Krystof' };

const errors = (fields: Record<string, string>, messages: string[] = []): FakeReply => ({
  status: 400,
  // https://developer.atlassian.com/cloud/jira/platform/rest/v3/intro/#status-codes : ErrorCollection
  body: { errorMessages: messages, errors: fields },
});

export class FakeJira extends FakeTracker {
  readonly issues = new Map<string, FakeJiraIssue>();
  private next = 1;
  private nextId = 10001;

  constructor(readonly opts: FakeJiraOptions) {
    // Jira retries a delivery answered 408, 409, 425, 429 or 5xx, or not answered at all, and may
    // deliver up to 30 minutes late (https://developer.atlassian.com/cloud/jira/platform/webhooks/#retry-policy;
    // https://community.developer.atlassian.com/t/new-jira-cloud-webhook-retry-policy/30554). The
    // page gives no schedule nor timeout: the fake retries every 5 minutes within those 30, and
    // waits 10 s for an answer.
    super({
      timeoutMs: 10_000,
      delaysMs: [5, 10, 15, 20, 25].map((m) => m * 60_000),
      retryOn: (st) => st === 0 || [408, 409, 425, 429].includes(st) || st >= 500,
    });
  }

  private stamp(issue: FakeJiraIssue): void {
    issue.updated = new Date(this.now()).toISOString().replace('Z', '+0000');
  }

  static start(opts: FakeJiraOptions): Promise<FakeJira> {
    return new FakeJira(opts).listen();
  }

  byKey(key: string): FakeJiraIssue | undefined {
    return [...this.issues.values()].find((i) => i.key === key);
  }

  private find(idOrKey: string): FakeJiraIssue | undefined {
    return this.issues.get(idOrKey) ?? this.byKey(idOrKey);
  }

  private json(i: FakeJiraIssue) {
    return {
      id: i.id,
      key: i.key,
      self: `${this.url}/rest/api/3/issue/${i.id}`,
      fields: {
        summary: i.summary,
        issuetype: { name: i.issueType },
        labels: i.labels,
        description: i.description,
        assignee: i.assignee ? { accountId: i.assignee, accountType: 'atlassian' } : null,
        duedate: i.duedate,
        status: { id: i.status.id, name: i.status.name, statusCategory: { key: i.status.category } },
        ...(i.updated ? { updated: i.updated } : {}),
      },
    };
  }

  protected handle(c: FakeCall): FakeReply {
    // https://developer.atlassian.com/cloud/jira/platform/basic-auth-for-rest-apis/
    const expected = `Basic ${Buffer.from(`${this.opts.email}:${this.opts.token}`).toString('base64')}`;
    if (c.headers.authorization !== expected)
      return {
        status: 401,
        body: {
          errorMessages: ['You are not authenticated. Authentication required to perform this operation.'],
          errors: {},
        },
      };
    const [path = '', query = ''] = c.path.split('?');
    // https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-myself/#api-rest-api-3-myself-get
    if (c.method === 'GET' && path === '/rest/api/3/myself')
      return {
        status: 200,
        body: {
          self: `${this.url}/rest/api/3/user?accountId=${ME.accountId}`,
          accountId: ME.accountId,
          accountType: 'atlassian',
          emailAddress: this.opts.email,
          displayName: ME.displayName,
          active: true,
          timeZone: 'Australia/Sydney',
        },
      };
    // https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-projects/#api-rest-api-3-project-projectidorkey-get
    // The key is case-sensitive; a project the user may not browse is a 404 like a missing one.
    const p = /^\/rest\/api\/3\/project\/([^/]+)$/.exec(path);
    if (c.method === 'GET' && p?.[1]) {
      const key = decodeURIComponent(p[1]);
      if (key !== this.opts.project)
        return {
          status: 404,
          body: { errorMessages: [`No project could be found with key '${key}'.`], errors: {} },
        };
      return {
        status: 200,
        body: {
          self: `${this.url}/rest/api/3/project/10000`,
          id: '10000',
          key: this.opts.project,
          name: 'Operations',
          projectTypeKey: 'software',
          issueTypes: (this.opts.issueTypes ?? ['Task', 'Bug', 'Story']).map((name, i) => ({
            id: String(10001 + i),
            name,
            subtask: false,
          })),
        },
      };
    }
    if (c.method === 'POST' && path === '/rest/api/3/issue') return this.create(c.body);
    const t = /^\/rest\/api\/3\/issue\/([^/]+)\/transitions$/.exec(path);
    if (t?.[1]) {
      const issue = this.find(decodeURIComponent(t[1]));
      if (!issue) return this.notFound();
      // #api-rest-api-3-issue-issueidorkey-transitions-get
      if (c.method === 'GET')
        return {
          status: 200,
          body: {
            transitions: TRANSITIONS.filter((x) => x.to.id !== issue.status.id).map((x) => ({
              id: x.id,
              name: x.name,
              to: { id: x.to.id, name: x.to.name, statusCategory: { key: x.to.category } },
            })),
          },
        };
      // #api-rest-api-3-issue-issueidorkey-transitions-post: 204 No Content
      if (c.method === 'POST') {
        const id = (c.body as { transition?: { id?: unknown } } | null)?.transition?.id;
        const tr = TRANSITIONS.find((x) => x.id === id && x.to.id !== issue.status.id);
        if (!tr) return errors({}, [`Transition id '${String(id)}' is not valid for this issue.`]);
        void this.setStatus(issue, tr.to);
        return { status: 204 };
      }
    }
    const m = /^\/rest\/api\/3\/issue\/([^/]+)$/.exec(path);
    if (m?.[1]) {
      const issue = this.find(decodeURIComponent(m[1]));
      if (!issue) return this.notFound();
      // #api-rest-api-3-issue-issueidorkey-get (fields= narrows what comes back; all here)
      if (c.method === 'GET') {
        void query;
        return { status: 200, body: this.json(issue) };
      }
      // #api-rest-api-3-issue-issueidorkey-put: 204 No Content
      if (c.method === 'PUT') {
        const f = ((c.body as { fields?: Record<string, unknown> } | null)?.fields ?? {}) as Record<
          string,
          unknown
        >;
        const bad = this.checkFields(f);
        if (bad) return bad;
        const edit: { assignee?: string | null; duedate?: string | null } = {};
        if ('assignee' in f) edit.assignee = (f.assignee as { accountId?: string } | null)?.accountId ?? null;
        if ('duedate' in f) edit.duedate = (f.duedate as string | null) ?? null;
        void this.edit(issue, edit);
        return { status: 204 };
      }
    }
    return this.notFound();
  }

  private notFound(): FakeReply {
    return {
      status: 404,
      body: { errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} },
    };
  }

  private checkFields(f: Record<string, unknown>): FakeReply | null {
    if ('assignee' in f && f.assignee !== null) {
      const id = (f.assignee as { accountId?: unknown })?.accountId;
      if (typeof id !== 'string' || !(this.opts.accounts ?? []).includes(id))
        return errors({ assignee: `User '${String(id)}' cannot be assigned issues.` });
    }
    if (
      'duedate' in f &&
      f.duedate !== null &&
      (typeof f.duedate !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(f.duedate))
    )
      return errors({ duedate: `Error parsing date string: ${String(f.duedate)}` });
    return null;
  }

  /** #api-rest-api-3-issue-post: project, issuetype and summary are required; description is ADF. */
  private create(body: unknown): FakeReply {
    const f = ((body as { fields?: Record<string, unknown> } | null)?.fields ?? {}) as Record<
      string,
      unknown
    >;
    const problems: Record<string, string> = {};
    const project = (f.project as { key?: unknown; id?: unknown } | undefined)?.key;
    if (project !== this.opts.project) problems.project = 'Specify a valid project ID or key';
    const type = (f.issuetype as { name?: unknown } | undefined)?.name;
    if (typeof type !== 'string' || !(this.opts.issueTypes ?? ['Task', 'Bug', 'Story']).includes(type))
      problems.issuetype = 'Specify an issue type';
    if (typeof f.summary !== 'string' || f.summary.trim() === '')
      problems.summary = 'You must specify a summary of the issue.';
    else if (f.summary.length > 255 || /\n/.test(f.summary))
      problems.summary = 'Summary must be less than 255 characters.';
    // Version 3 takes the description in Atlassian Document Format only
    // (https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/).
    const d = f.description as { type?: unknown; version?: unknown; content?: unknown } | undefined;
    if (
      d !== undefined &&
      (d === null ||
        typeof d !== 'object' ||
        d.type !== 'doc' ||
        d.version !== 1 ||
        !Array.isArray(d.content))
    )
      problems.description =
        'Operation value must be an Atlassian Document (see the Atlassian Document Format)';
    if (Object.keys(problems).length > 0) return errors(problems);
    const bad = this.checkFields(f);
    if (bad) return bad;
    const issue: FakeJiraIssue = {
      id: String(this.nextId++),
      key: `${this.opts.project}-${this.next++}`,
      summary: f.summary as string,
      issueType: type as string,
      description: f.description ?? null,
      labels: Array.isArray(f.labels) ? (f.labels as string[]) : [],
      assignee: (f.assignee as { accountId?: string } | undefined)?.accountId ?? null,
      duedate: (f.duedate as string | undefined) ?? null,
      status: STATUSES.todo,
    };
    this.stamp(issue);
    this.issues.set(issue.id, issue);
    void this.send('jira:issue_created', issue);
    return {
      status: 201,
      body: { id: issue.id, key: issue.key, self: `${this.url}/rest/api/3/issue/${issue.id}` },
    };
  }

  /** The text of an ADF description (what a person reads in Jira). */
  static adfText(doc: unknown): string {
    const out: string[] = [];
    const walk = (n: unknown) => {
      const node = n as {
        text?: string;
        content?: unknown[];
        marks?: { type: string; attrs?: { href?: string } }[];
      };
      if (typeof node?.text === 'string') {
        const href = node.marks?.find((m) => m.type === 'link')?.attrs?.href;
        out.push(href ? `${node.text} (${href})` : node.text);
      }
      for (const c of node?.content ?? []) walk(c);
    };
    walk(doc);
    return out.join('\n');
  }

  // ---- changes, through the API or in Jira, and the webhook Jira sends for each ----------

  /**
   * A transition is a change of `status`: the webhook's changelog item says from what to what
   * (https://developer.atlassian.com/cloud/jira/platform/webhooks/#example-callback-for-an-issue-related-event).
   */
  private setStatus(issue: FakeJiraIssue, to: Status): Promise<number> {
    const from = issue.status;
    issue.status = to;
    this.stamp(issue);
    return this.sendUpdated(issue, false, [
      {
        field: 'status',
        fieldtype: 'jira',
        from: from.id,
        fromString: from.name,
        to: to.id,
        toString: to.name,
      },
    ]);
  }

  /** An edit: one changelog item per field that changed; nothing changed, nothing sent. */
  private edit(
    issue: FakeJiraIssue,
    f: { assignee?: string | null; duedate?: string | null },
  ): Promise<number> {
    const items: Record<string, unknown>[] = [];
    if (f.assignee !== undefined && f.assignee !== issue.assignee) {
      items.push({ field: 'assignee', fieldtype: 'jira', from: issue.assignee, to: f.assignee });
      issue.assignee = f.assignee;
    }
    if (f.duedate !== undefined && f.duedate !== issue.duedate) {
      items.push({ field: 'duedate', fieldtype: 'jira', from: issue.duedate, to: f.duedate });
      issue.duedate = f.duedate;
    }
    if (items.length === 0) return Promise.resolve(0);
    this.stamp(issue);
    return this.sendUpdated(issue, false, items);
  }

  /** Someone moves the issue in Jira; resolves to the webhook's first HTTP status (0 = none sent). */
  async transitionInJira(key: string, to: 'done' | 'doing' | 'todo'): Promise<number> {
    const issue = this.byKey(key);
    if (!issue) throw new Error(`no issue ${key}`);
    return this.setStatus(issue, STATUSES[to]);
  }

  async editInJira(key: string, f: { assignee?: string | null; duedate?: string | null }): Promise<number> {
    const issue = this.byKey(key);
    if (!issue) throw new Error(`no issue ${key}`);
    return this.edit(issue, f);
  }

  /**
   * jira:issue_updated from an admin webhook with a secret: X-Hub-Signature: sha256=<HMAC of the
   * body> (https://developer.atlassian.com/cloud/jira/platform/webhooks/#secure-admin-webhooks).
   * The issue is as the change left it, copied now (later changes do not alter a queued delivery).
   */
  sendUpdated(
    issue: FakeJiraIssue,
    tamper = false,
    /** The changelog's items (the fields this update changed); absent = the sample's own. */
    changes?: Record<string, unknown>[],
  ): Promise<number> {
    return this.send('jira:issue_updated', issue, tamper, changes);
  }

  private send(
    event: string,
    issue: FakeJiraIssue,
    tamper = false,
    changes?: Record<string, unknown>[],
  ): Promise<number> {
    const target = this.opts.webhook;
    if (!target || !(target.events ?? ['jira:issue_updated']).includes(event)) return Promise.resolve(0);
    const sample = JSON.parse(readFileSync(SAMPLE, 'utf8')) as {
      issue: Record<string, unknown>;
      changelog: Record<string, unknown>;
    };
    const payload = {
      ...sample,
      // The event's time in epoch ms.
      timestamp: this.now(),
      webhookEvent: event,
      issue: { ...sample.issue, ...this.json(issue) },
      ...(changes ? { changelog: { ...sample.changelog, items: changes } } : {}),
    };
    if (event !== 'jira:issue_updated') delete (payload as { changelog?: unknown }).changelog;
    const raw = JSON.stringify(payload);
    const secret = tamper ? `${target.secret}-wrong` : target.secret;
    const id = `${this.now()}-${++this.deliveryCount}`;
    const d = this.webhooks.emit(target, event, issue.key, (attempt) => ({
      raw,
      headers: {
        'x-hub-signature': `sha256=${hmacHex(secret, raw)}`,
        // Unchanged across retries; a retry carries its count
        // (https://developer.atlassian.com/cloud/jira/platform/webhooks/#retry-policy).
        'x-atlassian-webhook-identifier': id,
        'x-atlassian-webhook-flow': 'Primary',
        ...(attempt > 0 ? { 'x-atlassian-webhook-retry': String(attempt) } : {}),
      },
    }));
    return d ? d.first : Promise.resolve(0);
  }
  private deliveryCount = 0;
}

export const JIRA_DOCS = V3;
