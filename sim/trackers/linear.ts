import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type FakeCall, type FakeReply, FakeTracker, hmacHex, type WebhookTarget } from './base.js';

/**
 * A local Linear GraphQL API (POST /graphql), written from Linear's developer documentation, not
 * from what Firebreak sends. It understands the operations an integration uses for issues
 * (issueCreate, issueUpdate, issue, workflowStates) by their field names, and answers in GraphQL's
 * shape: `{ data }` or `{ errors: [{ message, extensions: { code, type, userPresentableMessage } }] }`.
 */
const SAMPLE = new URL('../../test/fixtures/linear/issue-update.json', import.meta.url);

type StateType = 'backlog' | 'unstarted' | 'started' | 'completed' | 'canceled';

export interface FakeLinearIssue {
  id: string;
  identifier: string;
  title: string;
  description: string;
  teamId: string;
  stateId: string;
  assigneeId: string | null;
  dueDate: string | null;
  labelIds: string[];
  /** ISO 8601 with milliseconds. */
  createdAt?: string;
  updatedAt?: string;
}

export interface FakeLinearOptions {
  apiKey: string;
  teamId: string;
  teamKey?: string;
  users?: string[];
  /**
   * A webhook on the Issues resource (Settings → API → Webhooks: URL, signing secret). With it,
   * every change to an issue, through the API or in Linear, is delivered.
   */
  webhook?: WebhookTarget;
  /** The clock the fake's times and webhookTimestamp are read from (the bot's FakeClock in tests). */
  now?: () => number;
}

/** A team's default workflow (https://linear.app/docs/configuring-workflows): each state has a fixed type. */
const STATES: { id: string; name: string; type: StateType; position: number }[] = [
  { id: 'state-backlog', name: 'Backlog', type: 'backlog', position: 0 },
  { id: 'state-todo', name: 'Todo', type: 'unstarted', position: 1 },
  { id: 'state-doing', name: 'In Progress', type: 'started', position: 2 },
  { id: 'state-done', name: 'Done', type: 'completed', position: 3 },
  { id: 'state-canceled', name: 'Canceled', type: 'canceled', position: 4 },
];

const gqlError = (
  status: number,
  message: string,
  code: string,
  type: string,
  userPresentableMessage?: string,
): FakeReply => ({
  status,
  body: {
    errors: [
      { message, extensions: { code, type, ...(userPresentableMessage ? { userPresentableMessage } : {}) } },
    ],
  },
});

/** A reference to an entity that does not exist: Linear answers 200 with an "Entity not found" error. */
const notFound = (entity: string): FakeReply =>
  gqlError(
    200,
    `Entity not found: ${entity}`,
    'INVALID_INPUT',
    'invalid input',
    `Could not find referenced ${entity}.`,
  );

export class FakeLinear extends FakeTracker {
  readonly issues = new Map<string, FakeLinearIssue>();
  private next = 1;

  constructor(readonly opts: FakeLinearOptions) {
    // A delivery not answered 200 (or not within 5 s) is retried at most 3 times, after 1 minute,
    // 1 hour and 6 hours (https://developers.linear.app/docs/graphql/webhooks).
    super({ timeoutMs: 5_000, delaysMs: [60_000, 3_600_000, 6 * 3_600_000], retryOn: (st) => st !== 200 });
    this.now = () => (this.opts.now ?? Date.now)();
  }

  private stamp(i: FakeLinearIssue): void {
    i.updatedAt = new Date(this.now()).toISOString();
    i.createdAt ??= i.updatedAt;
  }

  static start(opts: FakeLinearOptions): Promise<FakeLinear> {
    return new FakeLinear(opts).listen();
  }

  byIdentifier(identifier: string): FakeLinearIssue | undefined {
    return [...this.issues.values()].find((i) => i.identifier === identifier);
  }

  stateOf(i: FakeLinearIssue) {
    return STATES.find((s) => s.id === i.stateId) ?? (STATES[1] as (typeof STATES)[number]);
  }

  /**
   * The next request is refused as over the rate limit: a RATELIMITED error with the reset time in
   * X-RateLimit-Requests-Reset (https://linear.app/developers/rate-limiting).
   */
  rateLimitNext(resetAtMs: number): void {
    this.server.fail({
      status: 400,
      headers: {
        'x-ratelimit-requests-limit': '1500',
        'x-ratelimit-requests-remaining': '0',
        'x-ratelimit-requests-reset': String(resetAtMs),
      },
      body: {
        errors: [
          {
            message: 'Rate limit exceeded',
            extensions: {
              code: 'RATELIMITED',
              type: 'ratelimited',
              userPresentableMessage: 'Rate limit exceeded. Please try again later.',
            },
          },
        ],
      },
    });
  }

  private issueJson(i: FakeLinearIssue) {
    const s = this.stateOf(i);
    return {
      id: i.id,
      identifier: i.identifier,
      title: i.title,
      url: `https://linear.app/acme/issue/${i.identifier}`,
      state: { id: s.id, name: s.name, type: s.type },
      assignee: i.assigneeId ? { id: i.assigneeId } : null,
      dueDate: i.dueDate,
      createdAt: i.createdAt ?? null,
      updatedAt: i.updatedAt ?? null,
    };
  }

  protected handle(c: FakeCall): FakeReply {
    if (c.method !== 'POST' || c.path.split('?')[0] !== '/graphql')
      return { status: 404, body: { errors: [{ message: 'Not found' }] } };
    // Personal API keys go in Authorization as they are; OAuth tokens as "Bearer <token>"
    // (https://linear.app/developers/graphql#authentication).
    const auth = c.headers.authorization;
    if (auth !== this.opts.apiKey && auth !== `Bearer ${this.opts.apiKey}`)
      return gqlError(
        401,
        'Authentication required, not authenticated',
        'AUTHENTICATION_ERROR',
        'authentication error',
        'You need to authenticate to access this operation.',
      );
    const body = (c.body ?? {}) as { query?: unknown; variables?: Record<string, unknown> };
    const query = typeof body.query === 'string' ? body.query : '';
    const vars = body.variables ?? {};
    if (query === '')
      return gqlError(400, 'Must provide query string.', 'GRAPHQL_VALIDATION_FAILED', 'graphql error');
    if (/\bissueCreate\s*\(/.test(query)) return this.create((vars.input ?? {}) as Record<string, unknown>);
    if (/\bissueUpdate\s*\(/.test(query))
      return this.update(String(vars.id ?? ''), (vars.input ?? {}) as Record<string, unknown>);
    if (/\bworkflowStates\s*\(/.test(query)) {
      if (vars.teamId !== this.opts.teamId)
        return { status: 200, body: { data: { workflowStates: { nodes: [] } } } };
      const type = /type:\s*\{\s*eq:\s*"(\w+)"/.exec(query)?.[1];
      return {
        status: 200,
        body: {
          data: {
            workflowStates: {
              nodes: STATES.filter((s) => !type || s.type === type).map((s) => ({
                id: s.id,
                position: s.position,
                name: s.name,
                type: s.type,
              })),
            },
          },
        },
      };
    }
    // The key's own user, https://linear.app/developers/graphql; the query is the one Linear's own SDK
    // sends (linear/linear, packages/sdk/src/documents/viewer.graphql: viewer { id name email }).
    if (/\bviewer\s*\{/.test(query))
      return {
        status: 200,
        body: {
          data: { viewer: { id: 'user-firebreak', name: 'Firebreak Bot', email: 'firebreak@example.com' } },
        },
      };
    // team(id:), https://developers.linear.app/docs/sdk/fetching-and-modifying-data: an unknown id
    // is an "Entity not found" error, as for issues.
    if (/\bteam\s*\(/.test(query)) {
      if (vars.id !== this.opts.teamId) return notFound('Team');
      const key = this.opts.teamKey ?? 'ENG';
      return { status: 200, body: { data: { team: { id: this.opts.teamId, key, name: 'Engineering' } } } };
    }
    if (/\bissue\s*\(/.test(query)) {
      const i = this.issues.get(String(vars.id ?? '')) ?? this.byIdentifier(String(vars.id ?? ''));
      if (!i) return notFound('Issue');
      return { status: 200, body: { data: { issue: this.issueJson(i) } } };
    }
    return gqlError(400, 'Cannot query field on type "Query".', 'GRAPHQL_VALIDATION_FAILED', 'graphql error');
  }

  /** IssueCreateInput: teamId and title are required (https://studio.apollographql.com/public/Linear-API/variant/current/schema/reference/inputs/IssueCreateInput). */
  private create(input: Record<string, unknown>): FakeReply {
    if (typeof input.teamId !== 'string' || typeof input.title !== 'string' || input.title.trim() === '')
      return gqlError(
        400,
        'Argument Validation Error',
        'INVALID_INPUT',
        'invalid input',
        'title and teamId are required.',
      );
    if (input.teamId !== this.opts.teamId) return notFound('Team');
    const bad = this.checkInput(input);
    if (bad) return bad;
    const issue: FakeLinearIssue = {
      id: randomUUID(),
      identifier: `${this.opts.teamKey ?? 'ENG'}-${this.next++}`,
      title: input.title,
      description: typeof input.description === 'string' ? input.description : '',
      teamId: input.teamId,
      stateId: 'state-todo',
      assigneeId: (input.assigneeId as string | undefined) ?? null,
      dueDate: (input.dueDate as string | undefined) ?? null,
      labelIds: Array.isArray(input.labelIds) ? (input.labelIds as string[]) : [],
    };
    this.stamp(issue);
    this.issues.set(issue.id, issue);
    void this.sendIssue('create', issue, null);
    return { status: 200, body: { data: { issueCreate: { success: true, issue: this.issueJson(issue) } } } };
  }

  private update(id: string, input: Record<string, unknown>): FakeReply {
    const issue = this.issues.get(id) ?? this.byIdentifier(id);
    if (!issue) return notFound('Issue');
    const bad = this.checkInput(input);
    if (bad) return bad;
    if ('stateId' in input && !STATES.some((s) => s.id === input.stateId)) return notFound('WorkflowState');
    void this.change(issue, {
      ...('stateId' in input ? { stateId: input.stateId as string } : {}),
      ...('assigneeId' in input ? { assigneeId: (input.assigneeId as string | null) ?? null } : {}),
      ...('dueDate' in input ? { dueDate: (input.dueDate as string | null) ?? null } : {}),
    });
    return { status: 200, body: { data: { issueUpdate: { success: true, issue: this.issueJson(issue) } } } };
  }

  private checkInput(input: Record<string, unknown>): FakeReply | null {
    if (input.assigneeId != null && !(this.opts.users ?? []).includes(String(input.assigneeId)))
      return notFound('User');
    // TimelessDate: YYYY-MM-DD.
    if (input.dueDate != null && !/^\d{4}-\d{2}-\d{2}$/.test(String(input.dueDate)))
      return gqlError(
        400,
        'Argument Validation Error',
        'INVALID_INPUT',
        'invalid input',
        'dueDate must be a date.',
      );
    return null;
  }

  // ---- changes, through the API or in Linear, and the webhook Linear sends for each --------

  /**
   * Applies the fields that differ and sends one `update` whose updatedFrom holds their previous
   * values and the previous updatedAt (https://linear.app/developers/webhooks, data change
   * payloads); nothing changed, nothing sent.
   */
  private change(
    i: FakeLinearIssue,
    f: { stateId?: string; assigneeId?: string | null; dueDate?: string | null },
  ): Promise<number> {
    const from: Record<string, unknown> = {};
    for (const k of ['stateId', 'assigneeId', 'dueDate'] as const) {
      const v = f[k];
      if (v === undefined || v === i[k]) continue;
      from[k] = i[k];
      (i as unknown as Record<string, unknown>)[k] = v;
    }
    if (Object.keys(from).length === 0) return Promise.resolve(0);
    const before = i.updatedAt;
    this.stamp(i);
    return this.sendIssueUpdate(i, { ...(before ? { updatedAt: before } : {}), ...from });
  }

  /** Someone moves the issue in Linear; resolves to the webhook's first HTTP status (0 = none sent). */
  async moveInLinear(identifier: string, type: StateType): Promise<number> {
    const i = this.byIdentifier(identifier);
    if (!i) throw new Error(`no issue ${identifier}`);
    const to = STATES.find((s) => s.type === type)?.id;
    return to ? this.change(i, { stateId: to }) : 0;
  }

  async editInLinear(
    identifier: string,
    f: { assigneeId?: string | null; dueDate?: string | null },
  ): Promise<number> {
    const i = this.byIdentifier(identifier);
    if (!i) throw new Error(`no issue ${identifier}`);
    return this.change(i, f);
  }

  /**
   * A data-change webhook: Linear-Signature = hex HMAC-SHA256 of the body with the webhook's
   * signing secret, Linear-Event and Linear-Delivery headers, webhookTimestamp in ms
   * (https://linear.app/developers/webhooks). `at` sets webhookTimestamp (replays are old).
   */
  sendIssueUpdate(
    i: FakeLinearIssue,
    updatedFrom: Record<string, unknown>,
    opts: { tamper?: boolean; at?: number } = {},
  ): Promise<number> {
    return this.sendIssue('update', i, updatedFrom, opts);
  }

  private sendIssue(
    action: 'create' | 'update',
    i: FakeLinearIssue,
    updatedFrom: Record<string, unknown> | null,
    opts: { tamper?: boolean; at?: number } = {},
  ): Promise<number> {
    const target = this.opts.webhook;
    if (!target) return Promise.resolve(0);
    const sample = JSON.parse(readFileSync(SAMPLE, 'utf8')) as { data: Record<string, unknown> };
    const s = this.stateOf(i);
    const data = {
      ...sample.data,
      id: i.id,
      identifier: i.identifier,
      title: i.title,
      teamId: i.teamId,
      stateId: i.stateId,
      state: { id: s.id, name: s.name, color: '#5e6ad2', type: s.type },
      assigneeId: i.assigneeId,
      dueDate: i.dueDate,
      url: `https://linear.app/acme/issue/${i.identifier}`,
      ...(i.createdAt ? { createdAt: i.createdAt } : {}),
      ...(i.updatedAt ? { updatedAt: i.updatedAt } : {}),
    };
    const webhookId = randomUUID();
    const secret = opts.tamper ? `${target.secret}-wrong` : target.secret;
    const d = this.webhooks.emit(target, `Issue.${action}`, i.identifier, (attempt) => {
      const payload: Record<string, unknown> = {
        ...sample,
        action,
        // The time of the action: the issue's update (its creation for `create`).
        createdAt: data.updatedAt,
        data,
        url: data.url,
        // The time this attempt is sent; a retry is sent anew (Linear asks receivers to refuse
        // timestamps more than a minute off, which a one-hour-old retry would otherwise be).
        webhookTimestamp: attempt === 0 && opts.at !== undefined ? opts.at : this.now(),
        webhookId,
      };
      if (updatedFrom) payload.updatedFrom = updatedFrom;
      else delete payload.updatedFrom;
      const raw = JSON.stringify(payload);
      return {
        raw,
        headers: {
          'linear-signature': hmacHex(secret, raw),
          'linear-event': 'Issue',
          'linear-delivery': randomUUID(),
          'user-agent': 'Linear-Webhook',
        },
      };
    });
    return d ? d.first : Promise.resolve(0);
  }
}
