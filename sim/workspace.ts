import type { Clock } from '../src/runtime/clock.js';
import { type WorkspacePrefs, WS } from './api.js';
import type { SimChannel, SimEphemeral, SimFile, SimMessage, SimUser, SimView } from './types.js';

/** The fixture workspace every test starts from (ids in api.ts `WS`). */
const PEOPLE: { id: string; name: string; real_name: string; tz: string }[] = [
  { id: WS.users.alice, name: 'alice', real_name: 'Alice Archer', tz: 'America/New_York' },
  { id: WS.users.bob, name: 'bob', real_name: 'Bob Becker', tz: 'Europe/Berlin' },
  { id: WS.users.carol, name: 'carol', real_name: 'Carol Chandra', tz: 'Asia/Kolkata' },
  { id: WS.users.dave, name: 'dave', real_name: 'Dave Doyle', tz: 'UTC' },
];

/**
 * People conversations.invite refuses (https://docs.slack.dev/reference/methods/conversations.invite,
 * errors table): a multi-channel guest, a single-channel guest (already in the one channel a guest
 * of that kind may be in) and a deactivated account. They are in no channel the bot is in.
 */
const REFUSED: {
  id: string;
  name: string;
  real_name: string;
  tz: string;
  kind: 'is_restricted' | 'is_ultra_restricted' | 'deleted';
}[] = [
  { id: WS.refused.gina, name: 'gina', real_name: 'Gina Guest', tz: 'Europe/London', kind: 'is_restricted' },
  { id: WS.refused.sam, name: 'sam', real_name: 'Sam Single', tz: 'UTC', kind: 'is_ultra_restricted' },
  { id: WS.refused.rex, name: 'rex', real_name: 'Rex Retired', tz: 'UTC', kind: 'deleted' },
];

export function tzOffsetSeconds(tz: string, at: Date): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(at);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const asUtc = Date.UTC(
    get('year'),
    get('month') - 1,
    get('day'),
    get('hour'),
    get('minute'),
    get('second'),
  );
  return Math.round((asUtc - Math.floor(at.getTime() / 1000) * 1000) / 1000);
}

export function tzLabel(tz: string, at: Date): string {
  const part = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'long' })
    .formatToParts(at)
    .find((p) => p.type === 'timeZoneName');
  return part?.value ?? tz;
}

export interface ResponseUrlState {
  user: string;
  channel: string;
  uses: number;
  createdAt: number;
  /** What replace_original / delete_original act on. */
  original?:
    | { kind: 'ephemeral'; ephemeral: SimEphemeral }
    | { kind: 'message'; channel: string; ts: string };
}

export interface TriggerState {
  user: string;
  issuedAt: number;
  used: boolean;
  expired: boolean;
}

export interface UploadState {
  id: string;
  filename: string;
  length: number;
  bytes?: Buffer;
  completed: boolean;
  /** `alt_txt` given to files.getUploadURLExternal. */
  altTxt?: string;
}

/** All mutable state of the simulated workspace. */
export class Workspace {
  users = new Map<string, SimUser>();
  channels = new Map<string, SimChannel>();
  /** Every message of a channel (top-level and replies), in ts order. */
  messages = new Map<string, SimMessage[]>();
  ephemerals: SimEphemeral[] = [];
  /** Modal stacks per user, bottom first. */
  modals = new Map<string, SimView[]>();
  homes = new Map<string, SimView>();
  files = new Map<string, SimFile>();
  uploads = new Map<string, UploadState>();
  triggers = new Map<string, TriggerState>();
  responseUrls = new Map<string, ResponseUrlState>();
  readonly prefs: WorkspacePrefs;
  private lastTsMicros = 0;
  private counters = new Map<string, number>();

  constructor(
    readonly clock: Clock,
    prefs: Partial<WorkspacePrefs> = {},
  ) {
    this.prefs = { restrictChannelCreation: false, freePlan: false, canvasesDisabled: false, ...prefs };
    const now = clock.now();
    for (const p of PEOPLE)
      this.users.set(p.id, {
        ...p,
        tz_label: tzLabel(p.tz, now),
        tz_offset: tzOffsetSeconds(p.tz, now),
        is_bot: false,
      });
    this.users.set(WS.botUser, {
      id: WS.botUser,
      name: 'firebreak',
      real_name: 'Firebreak',
      tz: 'America/Los_Angeles',
      tz_label: tzLabel('America/Los_Angeles', now),
      tz_offset: tzOffsetSeconds('America/Los_Angeles', now),
      is_bot: true,
    });
    for (const { kind, ...p } of REFUSED)
      this.users.set(p.id, {
        ...p,
        tz_label: tzLabel(p.tz, now),
        tz_offset: tzOffsetSeconds(p.tz, now),
        is_bot: false,
        [kind]: true,
      });
    const humans = PEOPLE.map((p) => p.id);
    // An app starts in no channel: installing it adds the bot user to none
    // (https://docs.slack.dev/reference/scopes/chat:write.public: without membership it can only post,
    // and only in public channels). It joins with conversations.join or is invited by a person.
    this.addChannel(WS.channels.general, 'general', [...humans], { is_general: true });
    this.addChannel(WS.channels.announce, 'incidents', [...humans]);
    this.addChannel(WS.channels.digest, 'eng-leads', [...humans]);
    this.addChannel(WS.channels.random, 'random', [...humans, WS.refused.sam]);
  }

  nextId(prefix: string): string {
    const n = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, n);
    return `${prefix}0SIM${String(n).padStart(4, '0')}`;
  }

  /** A message ts from the clock, unique and increasing even when the clock stands still. */
  nextTs(): string {
    let micros = this.clock.now().getTime() * 1000;
    if (micros <= this.lastTsMicros) micros = this.lastTsMicros + 1;
    this.lastTsMicros = micros;
    return `${Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
  }

  nowSeconds(): number {
    return Math.floor(this.clock.now().getTime() / 1000);
  }

  addChannel(
    id: string,
    name: string,
    members: string[],
    opts: { is_private?: boolean; is_general?: boolean; creator?: string } = {},
  ): SimChannel {
    const ch: SimChannel = {
      id,
      name,
      is_private: opts.is_private ?? false,
      is_im: false,
      is_archived: false,
      is_general: opts.is_general ?? false,
      created: this.nowSeconds(),
      creator: opts.creator ?? WS.users.dave,
      topic: { value: '', creator: '', last_set: 0 },
      purpose: { value: '', creator: '', last_set: 0 },
      members: [...members],
      pins: [],
      bookmarks: [],
      previous_names: [],
    };
    this.channels.set(id, ch);
    this.messages.set(id, []);
    return ch;
  }

  /** The bot's DM with a person (created on first use, like Slack's app Messages tab). */
  dmWith(user: string): SimChannel {
    const id = `D${user.slice(1)}`;
    const existing = this.channels.get(id);
    if (existing) return existing;
    const ch = this.addChannel(id, user, [user, WS.botUser], { is_private: true });
    ch.is_im = true;
    ch.dmUser = user;
    return ch;
  }

  findChannel(idOrName: string): SimChannel | undefined {
    const byId = this.channels.get(idOrName);
    if (byId) return byId;
    const name = idOrName.replace(/^#/, '');
    for (const ch of this.channels.values()) if (!ch.is_im && ch.name === name) return ch;
    return undefined;
  }

  findMessage(channel: string, ts: string): SimMessage | undefined {
    return this.messages.get(channel)?.find((m) => m.ts === ts);
  }

  addMessage(m: SimMessage): SimMessage {
    const list = this.messages.get(m.channel);
    if (!list) throw new Error(`simulator: no channel ${m.channel}`);
    list.push(m);
    list.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
    return m;
  }

  /** Another person in the workspace (scenarios with more people than the fixture's four). */
  addPerson(p: { id: string; name: string; real_name: string; tz: string }): SimUser {
    const now = this.clock.now();
    const u: SimUser = {
      ...p,
      tz_label: tzLabel(p.tz, now),
      tz_offset: tzOffsetSeconds(p.tz, now),
      is_bot: false,
    };
    this.users.set(u.id, u);
    return u;
  }

  userByIdOrName(v: string): SimUser | undefined {
    const byId = this.users.get(v);
    if (byId) return byId;
    const name = v.replace(/^@/, '').toLowerCase();
    for (const u of this.users.values()) if (u.name === name || u.real_name.toLowerCase() === name) return u;
    return undefined;
  }
}
