import { createHmac, randomBytes } from 'node:crypto';
import {
  type CommandResult,
  type EventOptions,
  type Sender,
  type SendOptions,
  type ViewResult,
  WS,
} from './api.js';
import type { AnyBlock, SendResult, SimEphemeral, SimView } from './types.js';
import { encodeCommandText } from './typing.js';
import type { SimulatorImpl } from './web-api.js';

/**
 * Delivers to the bot exactly what Slack delivers: the same content types (Bolt compares them
 * exactly), v0 HMAC signatures, and the payload keys of Slack's samples. Every answer is timed;
 * Slack gives up after 3 s, so a slower answer throws unless the caller expects it.
 */

export interface SenderOptions {
  /** `http://127.0.0.1:<port>/slack/events` */
  botUrl: string;
  signingSecret: string;
  /** The simulator that issues trigger_ids and response_urls and shows answers to people. */
  sim?: SimulatorImpl;
  /** Slack's patience, ms. Default 3000. */
  timeoutMs?: number;
}

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';
const VERIFICATION_TOKEN = 'sim-verification-token';

type Obj = Record<string, unknown>;

/** `v0=` + hex HMAC-SHA256(secret, `v0:<timestamp>:<body>`), as Slack signs every request. */
export function signRequest(secret: string, timestamp: number | string, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export class SlowAnswerError extends Error {
  override name = 'SlowAnswerError';
}

export class SlackSender implements Sender {
  readonly botUrl: string;
  private readonly secret: string;
  private readonly sim: SimulatorImpl | undefined;
  private readonly timeoutMs: number;
  /** Every request sent and its answer, oldest first (for debugging and the payload-shape test). */
  readonly sent: { contentType: string; body: string; payload: Obj; result: SendResult }[] = [];

  constructor(opts: SenderOptions) {
    this.botUrl = opts.botUrl;
    this.secret = opts.signingSecret;
    this.sim = opts.sim;
    this.timeoutMs = opts.timeoutMs ?? 3000;
  }

  private requireSim(): SimulatorImpl {
    if (!this.sim) throw new Error('sender: this needs a simulator (pass `sim`)');
    return this.sim;
  }

  async raw(
    body: string,
    contentType: string,
    opts: SendOptions & { headers?: Record<string, string> } = {},
  ): Promise<SendResult> {
    const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = {
      'content-type': contentType,
      'x-slack-request-timestamp': String(timestamp),
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      ...opts.headers,
    };
    const signature =
      opts.signature === undefined ? signRequest(this.secret, timestamp, body) : opts.signature;
    if (signature !== null) headers['x-slack-signature'] = signature;
    const t0 = performance.now();
    const res = await fetch(this.botUrl, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(Math.max(10_000, this.timeoutMs * 3)),
    });
    const text = await res.text();
    const ms = Math.round(performance.now() - t0);
    let json: unknown;
    if ((res.headers.get('content-type') ?? '').includes('json') && text !== '') {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    const result: SendResult = {
      status: res.status,
      body: text,
      ms,
      ...(json !== undefined ? { json } : {}),
    };
    if (ms > this.timeoutMs && opts.allowSlow !== true)
      throw new SlowAnswerError(
        `the bot answered after ${ms} ms (status ${res.status}); Slack stops waiting after ${this.timeoutMs} ms`,
      );
    return result;
  }

  private async form(fields: Record<string, string>, opts: SendOptions = {}): Promise<SendResult> {
    const body = new URLSearchParams(fields).toString();
    const result = await this.raw(body, FORM, opts);
    this.sent.push({ contentType: FORM, body, payload: fields, result });
    return result;
  }

  private async interactive(payload: Obj, opts: SendOptions = {}): Promise<SendResult> {
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const result = await this.raw(body, FORM, opts);
    this.sent.push({ contentType: FORM, body, payload, result });
    return result;
  }

  private team() {
    return { id: WS.team, domain: WS.teamDomain };
  }

  private userRef(user: string) {
    const name = this.sim?.user(user)?.name ?? user;
    return { id: user, username: name, name, team_id: WS.team };
  }

  async command(
    user: string,
    channel: string,
    text: string,
    opts: SendOptions & { command?: string } = {},
  ): Promise<CommandResult> {
    const sim = this.requireSim();
    const ch = sim.channel(channel) ?? (channel.startsWith('U') ? sim.ws.dmWith(channel) : undefined);
    if (!ch) throw new Error(`sender: no channel ${channel}`);
    const responseUrl = sim.issueResponseUrl(user, ch.id);
    const fields: Record<string, string> = {
      token: VERIFICATION_TOKEN,
      team_id: WS.team,
      team_domain: WS.teamDomain,
      channel_id: ch.id,
      channel_name: ch.is_im ? 'directmessage' : ch.name,
      user_id: user,
      user_name: sim.user(user)?.name ?? user,
      command: opts.command ?? '/incident',
      // What the person typed, as Slack sends it: by the command's should_escape (typing.ts).
      text: encodeCommandText(sim.ws, text, sim.commandEscape.get(opts.command ?? '/incident') ?? false),
      api_app_id: WS.appId,
      is_enterprise_install: 'false',
      response_url: responseUrl,
      trigger_id: sim.issueTrigger(user),
    };
    const result: CommandResult = await this.form(fields, opts);
    if (result.status === 200 && isObj(result.json)) {
      const shown = this.showAck(user, ch.id, result.json);
      if (shown) {
        result.reply = shown;
        const state = sim.responseUrlState(responseUrl);
        if (state) state.original = { kind: 'ephemeral', ephemeral: shown };
      }
    }
    return result;
  }

  /** What Slack does with a command's ack body: shows it (ephemeral unless in_channel). */
  private showAck(user: string, channel: string, body: Obj): SimEphemeral | undefined {
    const sim = this.requireSim();
    if (body.text === undefined && body.blocks === undefined) return undefined;
    let blocks: AnyBlock[] | undefined;
    try {
      blocks = sim.validateAckBlocks(body);
    } catch (e) {
      throw new Error(
        `sender: Slack would refuse the ack body: ${String((e as { error?: string }).error ?? e)}`,
      );
    }
    const shown = sim.applyResponse({ user, channel }, body, blocks, 'ack');
    return shown && 'source' in shown ? shown : undefined;
  }

  async globalShortcut(user: string, callbackId: string, opts: SendOptions = {}): Promise<SendResult> {
    const sim = this.requireSim();
    return this.interactive(
      {
        type: 'shortcut',
        token: VERIFICATION_TOKEN,
        action_ts: sim.ws.nextTs(),
        team: this.team(),
        user: this.userRef(user),
        is_enterprise_install: false,
        enterprise: null,
        callback_id: callbackId,
        trigger_id: sim.issueTrigger(user),
      },
      opts,
    );
  }

  async messageShortcut(
    user: string,
    channel: string,
    messageTs: string,
    callbackId: string,
    opts: SendOptions = {},
  ): Promise<SendResult> {
    const sim = this.requireSim();
    const ch = sim.channel(channel);
    const m = ch ? sim.ws.findMessage(ch.id, messageTs) : undefined;
    if (!ch || !m || m.deleted) throw new Error(`sender: no message ${messageTs} in ${channel}`);
    return this.interactive(
      {
        type: 'message_action',
        token: VERIFICATION_TOKEN,
        action_ts: sim.ws.nextTs(),
        team: this.team(),
        user: { id: user, name: sim.user(user)?.name ?? user, team_id: WS.team },
        channel: { id: ch.id, name: ch.is_im ? 'directmessage' : ch.name },
        is_enterprise_install: false,
        enterprise: null,
        callback_id: callbackId,
        trigger_id: sim.issueTrigger(user),
        response_url: sim.issueResponseUrl(user, ch.id),
        message_ts: m.ts,
        message: sim.messageObj(m, 'payload'),
      },
      opts,
    );
  }

  async blockAction(
    user: string,
    where: { channel: string; ts: string; ephemeral?: boolean } | { viewId: string },
    action: Obj,
    opts: SendOptions = {},
  ): Promise<SendResult> {
    const sim = this.requireSim();
    const actionTs = sim.ws.nextTs();
    const base: Obj = {
      type: 'block_actions',
      user: this.userRef(user),
      api_app_id: WS.appId,
      token: VERIFICATION_TOKEN,
      trigger_id: sim.issueTrigger(user),
      team: this.team(),
      enterprise: null,
      is_enterprise_install: false,
    };
    if ('viewId' in where) {
      const view = [...sim.views(user), sim.home(user)].find((v) => v?.id === where.viewId);
      if (!view) throw new Error(`sender: view ${where.viewId} is not on ${user}'s screen`);
      return this.interactive(
        {
          ...base,
          container: { type: 'view', view_id: view.id },
          view: sim.viewObj(view, 'payload'),
          actions: [{ ...action, action_ts: actionTs }],
        },
        opts,
      );
    }
    const ch = sim.channel(where.channel);
    if (!ch) throw new Error(`sender: no channel ${where.channel}`);
    if (where.ephemeral) {
      const e = sim.ws.ephemerals.find((x) => x.ts === where.ts && x.user === user);
      if (!e) throw new Error(`sender: no ephemeral ${where.ts} for ${user}`);
      return this.interactive(
        {
          ...base,
          container: { type: 'message', message_ts: e.ts, channel_id: ch.id, is_ephemeral: true },
          channel: { id: ch.id, name: ch.name },
          state: { values: {} },
          response_url: sim.issueResponseUrl(user, ch.id, { kind: 'ephemeral', ephemeral: e }),
          actions: [{ ...action, action_ts: actionTs }],
        },
        opts,
      );
    }
    const m = sim.ws.findMessage(ch.id, where.ts);
    if (!m || m.deleted) throw new Error(`sender: no message ${where.ts} in ${where.channel}`);
    return this.interactive(
      {
        ...base,
        container: {
          type: 'message',
          message_ts: m.ts,
          channel_id: ch.id,
          is_ephemeral: false,
          ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}),
        },
        channel: { id: ch.id, name: ch.is_im ? 'directmessage' : ch.name },
        message: sim.messageObj(m, 'payload'),
        state: { values: {} },
        response_url: sim.issueResponseUrl(user, ch.id, { kind: 'message', channel: ch.id, ts: m.ts }),
        actions: [{ ...action, action_ts: actionTs }],
      },
      opts,
    );
  }

  async viewSubmission(user: string, view: SimView, opts: SendOptions = {}): Promise<ViewResult> {
    const sim = this.requireSim();
    const result: ViewResult = await this.interactive(
      {
        type: 'view_submission',
        team: this.team(),
        user: this.userRef(user),
        api_app_id: WS.appId,
        token: VERIFICATION_TOKEN,
        trigger_id: sim.issueTrigger(user),
        view: sim.viewObj(view, 'payload'),
        enterprise: null,
        is_enterprise_install: false,
      },
      opts,
    );
    if (result.status === 200) {
      const applied = sim.applyViewAnswer(user, view, isObj(result.json) ? result.json : undefined);
      if (applied.errors) result.errors = applied.errors;
      if (applied.action) result.responseAction = applied.action;
    }
    return result;
  }

  async viewClosed(user: string, view: SimView, opts: SendOptions = {}): Promise<SendResult> {
    const sim = this.requireSim();
    return this.interactive(
      {
        type: 'view_closed',
        team: this.team(),
        user: this.userRef(user),
        api_app_id: WS.appId,
        token: VERIFICATION_TOKEN,
        view: sim.viewObj(view, 'payload'),
        is_cleared: false,
        enterprise: null,
        is_enterprise_install: false,
      },
      opts,
    );
  }

  async event(event: Obj, opts: EventOptions = {}): Promise<SendResult & { eventId: string }> {
    const eventId = opts.eventId ?? `Ev${randomBytes(5).toString('hex').toUpperCase()}`;
    const now = this.sim ? this.sim.clock.now() : new Date();
    const envelope = {
      token: VERIFICATION_TOKEN,
      team_id: WS.team,
      api_app_id: WS.appId,
      event,
      type: 'event_callback',
      event_id: eventId,
      event_time: Math.floor(now.getTime() / 1000),
      authorizations: [
        {
          enterprise_id: null,
          team_id: WS.team,
          user_id: WS.botUser,
          is_bot: true,
          is_enterprise_install: false,
        },
      ],
      is_ext_shared_channel: false,
      event_context: `4-${randomBytes(12).toString('base64url')}`,
    };
    const headers: Record<string, string> = {};
    if (opts.retryNum !== undefined) {
      headers['x-slack-retry-num'] = String(opts.retryNum);
      headers['x-slack-retry-reason'] = opts.retryReason ?? 'http_timeout';
    }
    const body = JSON.stringify(envelope);
    const result = await this.raw(body, JSON_TYPE, { ...opts, headers });
    this.sent.push({ contentType: JSON_TYPE, body, payload: envelope, result });
    return { ...result, eventId };
  }

  async urlVerification(challenge: string, opts: SendOptions = {}): Promise<SendResult> {
    const body = JSON.stringify({ token: VERIFICATION_TOKEN, challenge, type: 'url_verification' });
    return this.raw(body, JSON_TYPE, opts);
  }
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
