import type { CommandResult, FillValue, Person, PostAsUserOptions, ViewResult } from './api.js';
import type { SlackSender } from './sender.js';
import type { AnyBlock, SendResult, SimEphemeral, SimMessage, SimView, StateValue } from './types.js';
import type { SimulatorImpl } from './web-api.js';

/**
 * A simulated person. Reads what is on their screen the way a person does: inputs by their
 * labels, buttons by their text. Submitting refuses what the Slack client refuses (an empty
 * required input, a text outside min/max length), so the bot never sees it.
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const textOf = (t: unknown): string => (isObj(t) && typeof t.text === 'string' ? t.text : '');
const norm = (s: string) => s.trim().toLowerCase();

type Where = 'view' | 'home' | { channel: string; ts: string };

interface Found {
  block: AnyBlock;
  element: Obj;
  where: { channel: string; ts: string; ephemeral?: boolean } | { viewId: string };
  view?: SimView;
}

function elementsOf(b: AnyBlock): Obj[] {
  if (b.type === 'actions' && Array.isArray(b.elements)) return b.elements.filter(isObj);
  if (b.type === 'section' && isObj(b.accessory)) return [b.accessory];
  if (b.type === 'input' && isObj(b.element)) return [b.element];
  return [];
}

function optionsOf(el: Obj): Obj[] {
  if (Array.isArray(el.option_groups))
    return el.option_groups.flatMap((g) =>
      isObj(g) && Array.isArray(g.options) ? g.options.filter(isObj) : [],
    );
  return Array.isArray(el.options) ? el.options.filter(isObj) : [];
}

function findOption(el: Obj, wanted: string, label: string): Obj {
  const opts = optionsOf(el);
  const o =
    opts.find((x) => norm(textOf(x.text)) === norm(wanted)) ?? opts.find((x) => String(x.value) === wanted);
  if (!o)
    throw new Error(
      `person: "${label}" has no option "${wanted}" (options: ${opts.map((x) => textOf(x.text)).join(', ')})`,
    );
  return o;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

export class SimPerson implements Person {
  /**
   * @param settle awaited after every action, so what the bot does in response (a modal opening after
   * the ack, a message after a click) is on screen when the action resolves. The harness passes its idle().
   */
  constructor(
    readonly id: string,
    private readonly sim: SimulatorImpl,
    private readonly send: SlackSender,
    private readonly settle: () => Promise<void> = async () => {},
  ) {}

  private async ok<T extends SendResult>(r: T, what: string): Promise<T> {
    if (r.status < 200 || r.status >= 300)
      throw new Error(`person: the bot answered ${what} with HTTP ${r.status} ${r.body.slice(0, 200)}`);
    await this.settle();
    return r;
  }

  private async settled<T>(p: Promise<T>): Promise<T> {
    const v = await p;
    await this.settle();
    return v;
  }

  async command(text: string, channel = 'C0GENERAL'): Promise<CommandResult> {
    return this.ok(await this.send.command(this.id, channel, text), `/incident ${text}`);
  }
  async shortcut(callbackId: string): Promise<SendResult> {
    return this.ok(await this.send.globalShortcut(this.id, callbackId), `shortcut ${callbackId}`);
  }
  async messageShortcut(callbackId: string, channel: string, messageTs: string): Promise<SendResult> {
    return this.ok(
      await this.send.messageShortcut(this.id, channel, messageTs, callbackId),
      `message shortcut ${callbackId}`,
    );
  }
  say(channel: string, text: string, opts?: PostAsUserOptions): Promise<SimMessage> {
    return this.settled(this.sim.postAsUser(this.id, channel, text, opts));
  }
  reply(channel: string, threadTs: string, text: string): Promise<SimMessage> {
    return this.settled(this.sim.postAsUser(this.id, channel, text, { thread_ts: threadTs }));
  }
  edit(channel: string, ts: string, text: string): Promise<SimMessage> {
    return this.settled(this.sim.editAsUser(this.id, channel, ts, text));
  }
  delete(channel: string, ts: string): Promise<void> {
    return this.settled(this.sim.deleteAsUser(this.id, channel, ts));
  }
  react(channel: string, ts: string, name: string): Promise<void> {
    return this.settled(this.sim.react(this.id, channel, ts, name));
  }
  unreact(channel: string, ts: string, name: string): Promise<void> {
    return this.settled(this.sim.unreact(this.id, channel, ts, name));
  }
  pin(channel: string, ts: string): Promise<void> {
    return this.settled(this.sim.pin(this.id, channel, ts));
  }
  unpin(channel: string, ts: string): Promise<void> {
    return this.settled(this.sim.unpin(this.id, channel, ts));
  }
  join(channel: string): Promise<void> {
    return this.settled(this.sim.join(this.id, channel));
  }
  openHome(): Promise<void> {
    return this.settled(this.sim.openHome(this.id));
  }

  // ------------------------------------------------------------ modals

  view(): SimView {
    const v = this.sim.topView(this.id);
    if (!v) throw new Error(`person: ${this.name} has no modal open`);
    return v;
  }
  hasView(): boolean {
    return this.sim.topView(this.id) !== undefined;
  }
  private get name(): string {
    return this.sim.user(this.id)?.name ?? this.id;
  }

  private inputByLabel(view: SimView, label: string): { block: AnyBlock; element: Obj } {
    const inputs = view.blocks.filter((b) => b.type === 'input' && isObj(b.element));
    const block =
      inputs.find((b) => norm(textOf(b.label)) === norm(label)) ?? inputs.find((b) => b.block_id === label);
    if (!block)
      throw new Error(
        `person: no input labelled "${label}" in "${textOf(view.title)}" (labels: ${inputs
          .map((b) => textOf(b.label))
          .join(', ')})`,
      );
    return { block, element: block.element as Obj };
  }

  /** The state value a person produces by entering `value` into `el`. */
  private stateFor(el: Obj, value: FillValue, label: string): StateValue {
    const type = String(el.type);
    const str = (): string => {
      if (typeof value !== 'string') throw new Error(`person: "${label}" (${type}) takes a string`);
      return value;
    };
    const list = (): string[] => {
      if (!Array.isArray(value)) throw new Error(`person: "${label}" (${type}) takes a list`);
      return value;
    };
    const user = (v: string): string => {
      const u = this.sim.ws.userByIdOrName(v);
      if (!u) throw new Error(`person: "${label}": no user ${v}`);
      return u.id;
    };
    const channel = (v: string): string => {
      const c = this.sim.channel(v);
      if (!c) throw new Error(`person: "${label}": no channel ${v}`);
      return c.id;
    };
    switch (type) {
      case 'plain_text_input':
      case 'email_text_input':
      case 'url_text_input':
        return { type, value: str() === '' ? null : str() };
      case 'number_input': {
        const v = str();
        if (v !== '' && Number.isNaN(Number(v))) throw new Error(`person: "${label}" takes a number`);
        return { type, value: v === '' ? null : v };
      }
      case 'static_select':
      case 'radio_buttons':
      case 'external_select':
        return { type, selected_option: findOption(el, str(), label) };
      case 'multi_static_select':
        return { type, selected_options: list().map((v) => findOption(el, v, label)) };
      case 'checkboxes': {
        if (typeof value === 'boolean') {
          const opts = optionsOf(el);
          if (opts.length !== 1)
            throw new Error(`person: "${label}" has ${opts.length} checkboxes; pass a list`);
          return { type, selected_options: value ? opts : [] };
        }
        const wanted = typeof value === 'string' ? [value] : list();
        return { type, selected_options: wanted.map((v) => findOption(el, v, label)) };
      }
      case 'users_select':
        return { type, selected_user: user(str()) };
      case 'multi_users_select':
        return { type, selected_users: list().map(user) };
      case 'conversations_select':
        return { type, selected_conversation: channel(str()) };
      case 'channels_select':
        return { type, selected_channel: channel(str()) };
      case 'multi_conversations_select':
        return { type, selected_conversations: list().map(channel) };
      case 'multi_channels_select':
        return { type, selected_channels: list().map(channel) };
      case 'datepicker': {
        const v =
          value instanceof Date
            ? `${value.getUTCFullYear()}-${pad2(value.getUTCMonth() + 1)}-${pad2(value.getUTCDate())}`
            : str();
        if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) throw new Error(`person: "${label}" takes YYYY-MM-DD`);
        return { type, selected_date: v };
      }
      case 'timepicker': {
        const v = str();
        if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(v)) throw new Error(`person: "${label}" takes HH:mm`);
        return { type, selected_time: v, ...(el.timezone !== undefined ? { timezone: el.timezone } : {}) };
      }
      case 'datetimepicker': {
        const d = value instanceof Date ? value : new Date(str());
        if (Number.isNaN(d.getTime())) throw new Error(`person: "${label}" takes a Date`);
        return { type, selected_date_time: Math.floor(d.getTime() / 1000) };
      }
      case 'rich_text_input':
        return {
          type,
          rich_text_value: {
            type: 'rich_text',
            elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text: str() }] }],
          },
        };
      default:
        throw new Error(`person: cannot fill a ${type}`);
    }
  }

  fill(values: Record<string, FillValue>): this {
    const view = this.view();
    for (const [label, value] of Object.entries(values)) {
      const { block, element } = this.inputByLabel(view, label);
      const blockId = String(block.block_id);
      const actionId = String(element.action_id);
      const state = this.stateFor(element, value, label);
      view.state.values[blockId] ??= {};
      (view.state.values[blockId] as Record<string, StateValue>)[actionId] = state;
    }
    return this;
  }

  /** Fills, and for inputs with dispatch_action sends the block_actions Slack would send. */
  async fillAndDispatch(values: Record<string, FillValue>): Promise<void> {
    this.fill(values);
    const view = this.view();
    for (const label of Object.keys(values)) {
      const { block, element } = this.inputByLabel(view, label);
      if (block.dispatch_action !== true) continue;
      const state = view.state.values[String(block.block_id)]?.[String(element.action_id)];
      await this.ok(
        await this.send.blockAction(
          this.id,
          { viewId: view.id },
          { ...state, action_id: element.action_id, block_id: block.block_id },
        ),
        `dispatch of "${label}"`,
      );
    }
  }

  private checkSubmittable(view: SimView): void {
    for (const b of view.blocks) {
      if (b.type !== 'input' || !isObj(b.element)) continue;
      const el = b.element;
      const label = textOf(b.label);
      const v = view.state.values[String(b.block_id)]?.[String(el.action_id)];
      const empty =
        v === undefined ||
        Object.entries(v).every(
          ([k, x]) =>
            k === 'type' ||
            k === 'timezone' ||
            x === null ||
            x === '' ||
            (Array.isArray(x) && x.length === 0),
        );
      if (empty && b.optional !== true)
        throw new Error(
          `person: "${label}" is required; the Slack client would not submit "${textOf(view.title)}"`,
        );
      if (el.type === 'plain_text_input' && typeof v?.value === 'string') {
        const len = v.value.length;
        if (typeof el.max_length === 'number' && len > el.max_length)
          throw new Error(`person: "${label}" is longer than ${el.max_length}; Slack would not submit`);
        if (typeof el.min_length === 'number' && len < el.min_length)
          throw new Error(`person: "${label}" is shorter than ${el.min_length}; Slack would not submit`);
      }
    }
  }

  async submit(): Promise<ViewResult> {
    const view = this.view();
    if (view.submit === undefined) throw new Error(`person: "${textOf(view.title)}" has no submit button`);
    this.checkSubmittable(view);
    delete view.errors;
    return this.ok(await this.send.viewSubmission(this.id, view), `submission of "${textOf(view.title)}"`);
  }

  async fillAndSubmit(values: Record<string, FillValue>): Promise<ViewResult> {
    await this.fillAndDispatch(values);
    return this.submit();
  }

  async closeView(): Promise<void> {
    const view = this.view();
    this.sim.popView(this.id);
    if (view.notify_on_close) await this.ok(await this.send.viewClosed(this.id, view), 'view_closed');
  }

  // ------------------------------------------------------------ clicking

  /** Candidate surfaces, newest first. */
  private surfaces(where?: Where): Found['where'][] {
    if (where === 'view') return [{ viewId: this.view().id }];
    if (where === 'home') {
      const h = this.sim.home(this.id);
      if (!h) throw new Error(`person: ${this.name} has no Home tab published`);
      return [{ viewId: h.id }];
    }
    if (where !== undefined) {
      const ch = this.sim.channel(where.channel) ?? this.sim.ws.channels.get(where.channel);
      const isEphemeral = this.sim.ws.ephemerals.some((e) => e.ts === where.ts && e.user === this.id);
      return [
        { channel: ch?.id ?? where.channel, ts: where.ts, ...(isEphemeral ? { ephemeral: true } : {}) },
      ];
    }
    const items: { ts: string; where: Found['where'] }[] = [];
    for (const e of this.sim.ephemerals(this.id))
      items.push({ ts: e.ts, where: { channel: e.channel, ts: e.ts, ephemeral: true } });
    for (const ch of this.sim.ws.channels.values()) {
      if (!ch.members.includes(this.id)) continue;
      for (const m of this.sim.ws.messages.get(ch.id) ?? [])
        if (!m.deleted && m.blocks) items.push({ ts: m.ts, where: { channel: ch.id, ts: m.ts } });
    }
    items.sort((a, b) => (a.ts < b.ts ? 1 : a.ts > b.ts ? -1 : 0));
    const out = items.map((i) => i.where);
    const top = this.sim.topView(this.id);
    if (top) out.push({ viewId: top.id });
    const home = this.sim.home(this.id);
    if (home) out.push({ viewId: home.id });
    return out;
  }

  private blocksAt(w: Found['where']): { blocks: AnyBlock[]; view?: SimView } {
    if ('viewId' in w) {
      const v = [...this.sim.views(this.id), this.sim.home(this.id)].find((x) => x?.id === w.viewId);
      return v ? { blocks: v.blocks, view: v } : { blocks: [] };
    }
    if (w.ephemeral) {
      const e: SimEphemeral | undefined = this.sim.ws.ephemerals.find(
        (x) => x.ts === w.ts && x.user === this.id,
      );
      return { blocks: e?.blocks ?? [] };
    }
    return { blocks: this.sim.ws.findMessage(w.channel, w.ts)?.blocks ?? [] };
  }

  private find(match: (el: Obj, block: AnyBlock) => boolean, where: Where | undefined, what: string): Found {
    const seen: string[] = [];
    for (const w of this.surfaces(where)) {
      const { blocks, view } = this.blocksAt(w);
      for (const block of blocks)
        for (const el of elementsOf(block)) {
          if (match(el, block)) return { block, element: el, where: w, ...(view ? { view } : {}) };
          if (el.type === 'button') seen.push(textOf(el.text));
        }
    }
    throw new Error(
      `person: ${this.name} sees no ${what}${seen.length ? ` (buttons seen: ${[...new Set(seen)].join(', ')})` : ''}`,
    );
  }

  async click(text: string, where?: Where): Promise<SendResult> {
    const f = this.find(
      (el) => el.type === 'button' && (norm(textOf(el.text)) === norm(text) || el.action_id === text),
      where,
      `button "${text}"`,
    );
    const el = f.element;
    const action: Obj = {
      type: 'button',
      action_id: el.action_id,
      block_id: f.block.block_id,
      text: el.text,
      ...(el.value !== undefined ? { value: el.value } : {}),
      ...(el.style !== undefined ? { style: el.style } : {}),
    };
    return this.ok(await this.send.blockAction(this.id, f.where, action), `click on "${text}"`);
  }

  async choose(selectLabelOrActionId: string, option: string, where?: Where): Promise<SendResult> {
    const key = norm(selectLabelOrActionId);
    const f = this.find(
      (el, block) =>
        el.type !== 'button' &&
        (el.action_id === selectLabelOrActionId ||
          norm(textOf(el.placeholder)) === key ||
          (block.type === 'input' && norm(textOf(block.label)) === key) ||
          (block.type === 'section' && norm(textOf(block.text)) === key)),
      where,
      `select "${selectLabelOrActionId}"`,
    );
    const el = f.element;
    const type = String(el.type);
    let state: StateValue;
    if (type === 'overflow') state = { type, selected_option: findOption(el, option, selectLabelOrActionId) };
    else state = this.stateFor(el, type.startsWith('multi_') ? [option] : option, selectLabelOrActionId);
    if (f.view) {
      const b = String(f.block.block_id);
      f.view.state.values[b] ??= {};
      (f.view.state.values[b] as Record<string, StateValue>)[String(el.action_id)] = state;
    }
    return this.ok(
      await this.send.blockAction(this.id, f.where, {
        ...state,
        action_id: el.action_id,
        block_id: f.block.block_id,
      }),
      `choice in "${selectLabelOrActionId}"`,
    );
  }

  // ------------------------------------------------------------ what they see

  ephemerals(channel?: string): SimEphemeral[] {
    return this.sim.ephemerals(this.id, channel);
  }
  lastEphemeral(channel?: string): SimEphemeral | undefined {
    return this.ephemerals(channel).at(-1);
  }
  dms(): SimMessage[] {
    return this.sim.dms(this.id);
  }
  home(): SimView | undefined {
    return this.sim.home(this.id);
  }
}
