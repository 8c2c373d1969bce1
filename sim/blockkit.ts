/**
 * Block Kit validation with Slack's limits (SLACK.md) and Slack's error wording:
 * `must be less than 51 items [json-pointer:/blocks]`. Deliberately at least as strict as Slack,
 * so a test only passes where real Slack would accept the payload.
 */

export type Surface = 'message' | 'modal' | 'home';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const MAX_BLOCKS: Record<Surface, number> = { message: 50, modal: 100, home: 100 };

const BLOCK_TYPES = new Set([
  'section',
  'header',
  'divider',
  'context',
  'actions',
  'input',
  'image',
  'rich_text',
  'markdown',
  'file',
  'video',
]);

const SELECTS = new Set([
  'static_select',
  'multi_static_select',
  'external_select',
  'multi_external_select',
  'users_select',
  'multi_users_select',
  'conversations_select',
  'multi_conversations_select',
  'channels_select',
  'multi_channels_select',
]);

const INPUT_ELEMENTS = new Set([
  ...SELECTS,
  'plain_text_input',
  'number_input',
  'email_text_input',
  'url_text_input',
  'datepicker',
  'timepicker',
  'datetimepicker',
  'checkboxes',
  'radio_buttons',
  'rich_text_input',
  'file_input',
]);

const INTERACTIVE = new Set([...INPUT_ELEMENTS, 'button', 'overflow', 'workflow_button']);

class Collector {
  errors: string[] = [];
  blockIds = new Set<string>();
  err(message: string, pointer: string): void {
    this.errors.push(`${message} [json-pointer:${pointer}]`);
  }
}

function checkLength(c: Collector, value: unknown, max: number, pointer: string, min = 1): void {
  if (typeof value !== 'string') {
    c.err('must provide a string', pointer);
    return;
  }
  if (value.length > max) c.err(`must be less than ${max + 1} characters`, pointer);
  else if (value.length < min) c.err(`must be more than ${min - 1} characters`, pointer);
}

function checkText(
  c: Collector,
  t: unknown,
  pointer: string,
  max: number,
  kind: 'plain_text' | 'mrkdwn' | 'any' = 'any',
): void {
  if (!isObj(t)) {
    c.err('must provide an object', pointer);
    return;
  }
  if (t.type !== 'plain_text' && t.type !== 'mrkdwn') {
    c.err('must be a valid enum value', `${pointer}/type`);
    return;
  }
  if (kind !== 'any' && t.type !== kind) {
    c.err(`must be a ${kind} text object`, `${pointer}/type`);
    return;
  }
  checkLength(c, t.text, max, `${pointer}/text`);
}

function checkOption(c: Collector, o: unknown, pointer: string, allowMrkdwn: boolean): void {
  if (!isObj(o)) {
    c.err('must provide an object', pointer);
    return;
  }
  checkText(c, o.text, `${pointer}/text`, 75, allowMrkdwn ? 'any' : 'plain_text');
  checkLength(c, o.value, 150, `${pointer}/value`);
  if (o.description !== undefined) checkText(c, o.description, `${pointer}/description`, 75);
}

function checkOptions(c: Collector, el: Obj, pointer: string, max: number, allowMrkdwn: boolean): Obj[] {
  const all: Obj[] = [];
  if (Array.isArray(el.option_groups)) {
    if (el.option_groups.length > 100) c.err('must be less than 101 items', `${pointer}/option_groups`);
    el.option_groups.forEach((g, gi) => {
      if (!isObj(g)) return;
      checkText(c, g.label, `${pointer}/option_groups/${gi}/label`, 75, 'plain_text');
      const opts = Array.isArray(g.options) ? g.options : [];
      if (opts.length > 100) c.err('must be less than 101 items', `${pointer}/option_groups/${gi}/options`);
      opts.forEach((o, oi) => {
        checkOption(c, o, `${pointer}/option_groups/${gi}/options/${oi}`, allowMrkdwn);
        if (isObj(o)) all.push(o);
      });
    });
    return all;
  }
  if (!Array.isArray(el.options)) {
    c.err('must provide an array', `${pointer}/options`);
    return all;
  }
  if (el.options.length > max) c.err(`must be less than ${max + 1} items`, `${pointer}/options`);
  if (el.options.length === 0) c.err('must provide at least 1 item', `${pointer}/options`);
  el.options.forEach((o, oi) => {
    checkOption(c, o, `${pointer}/options/${oi}`, allowMrkdwn);
    if (isObj(o)) all.push(o);
  });
  return all;
}

function checkConfirm(c: Collector, v: unknown, pointer: string): void {
  if (v === undefined) return;
  if (!isObj(v)) {
    c.err('must provide an object', pointer);
    return;
  }
  checkText(c, v.title, `${pointer}/title`, 100, 'plain_text');
  checkText(c, v.text, `${pointer}/text`, 300);
  checkText(c, v.confirm, `${pointer}/confirm`, 30, 'plain_text');
  checkText(c, v.deny, `${pointer}/deny`, 30, 'plain_text');
}

function checkElement(c: Collector, el: unknown, pointer: string, actionIds: Set<string>): void {
  if (!isObj(el)) {
    c.err('must provide an object', pointer);
    return;
  }
  const type = el.type;
  if (typeof type !== 'string') {
    c.err('must provide a string', `${pointer}/type`);
    return;
  }
  if (INTERACTIVE.has(type) && el.action_id !== undefined) {
    checkLength(c, el.action_id, 255, `${pointer}/action_id`);
    if (typeof el.action_id === 'string') {
      if (actionIds.has(el.action_id)) c.err(`duplicate action_id: ${el.action_id}`, `${pointer}/action_id`);
      actionIds.add(el.action_id);
    }
  }
  if (el.placeholder !== undefined) checkText(c, el.placeholder, `${pointer}/placeholder`, 150, 'plain_text');
  checkConfirm(c, el.confirm, `${pointer}/confirm`);
  switch (type) {
    case 'button':
      checkText(c, el.text, `${pointer}/text`, 75, 'plain_text');
      if (el.value !== undefined) checkLength(c, el.value, 2000, `${pointer}/value`);
      if (el.url !== undefined) checkLength(c, el.url, 3000, `${pointer}/url`);
      if (el.style !== undefined && el.style !== 'primary' && el.style !== 'danger')
        c.err('must be a valid enum value', `${pointer}/style`);
      return;
    case 'static_select':
    case 'multi_static_select': {
      const opts = checkOptions(c, el, pointer, 100, false);
      const values = new Set(opts.map((o) => o.value));
      const initial = [
        ...(isObj(el.initial_option) ? [el.initial_option] : []),
        ...(Array.isArray(el.initial_options) ? el.initial_options : []),
      ];
      for (const o of initial)
        if (isObj(o) && !values.has(o.value))
          c.err('initial option must be one of the options', `${pointer}/initial_option`);
      return;
    }
    case 'overflow': {
      const n = Array.isArray(el.options) ? el.options.length : 0;
      if (n < 1) c.err('must provide at least 1 item', `${pointer}/options`);
      checkOptions(c, el, pointer, 5, false);
      return;
    }
    case 'checkboxes':
    case 'radio_buttons':
      checkOptions(c, el, pointer, 10, true);
      return;
    case 'plain_text_input': {
      if (el.max_length !== undefined) {
        const m = el.max_length;
        if (typeof m !== 'number' || m < 1 || m > 3000)
          c.err('must be between 1 and 3000', `${pointer}/max_length`);
      }
      if (el.min_length !== undefined) {
        const m = el.min_length;
        if (typeof m !== 'number' || m < 0 || m > 3000)
          c.err('must be between 0 and 3000', `${pointer}/min_length`);
      }
      if (el.initial_value !== undefined) {
        const max = typeof el.max_length === 'number' ? el.max_length : 3000;
        checkLength(c, el.initial_value, max, `${pointer}/initial_value`, 0);
      }
      return;
    }
    case 'image':
      checkLength(c, el.alt_text, 2000, `${pointer}/alt_text`);
      if (el.image_url === undefined && el.slack_file === undefined)
        c.err('must provide image_url or slack_file', pointer);
      return;
    case 'datepicker':
      if (el.initial_date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(String(el.initial_date)))
        c.err('must be a date in the format YYYY-MM-DD', `${pointer}/initial_date`);
      return;
    case 'timepicker':
      if (el.initial_time !== undefined && !/^([01]\d|2[0-3]):[0-5]\d$/.test(String(el.initial_time)))
        c.err('must be a time in the format HH:mm', `${pointer}/initial_time`);
      return;
    case 'datetimepicker':
      if (el.initial_date_time !== undefined && typeof el.initial_date_time !== 'number')
        c.err('must provide a number', `${pointer}/initial_date_time`);
      return;
    default:
      if (!INTERACTIVE.has(type) && type !== 'plain_text' && type !== 'mrkdwn')
        c.err(`unsupported type: ${type}`, `${pointer}/type`);
  }
}

function checkBlock(c: Collector, b: unknown, pointer: string, surface: Surface): void {
  if (!isObj(b)) {
    c.err('must provide an object', pointer);
    return;
  }
  const type = b.type;
  if (typeof type !== 'string' || !BLOCK_TYPES.has(type)) {
    c.err(`unsupported type: ${String(type)}`, `${pointer}/type`);
    return;
  }
  if (b.block_id !== undefined) {
    checkLength(c, b.block_id, 255, `${pointer}/block_id`);
    if (typeof b.block_id === 'string') {
      if (c.blockIds.has(b.block_id)) c.err(`duplicate block_id: ${b.block_id}`, `${pointer}/block_id`);
      c.blockIds.add(b.block_id);
    }
  }
  const actionIds = new Set<string>();
  switch (type) {
    case 'section': {
      if (b.text === undefined && b.fields === undefined)
        c.err('must provide either text or fields', pointer);
      if (b.text !== undefined) checkText(c, b.text, `${pointer}/text`, 3000);
      if (b.fields !== undefined) {
        if (!Array.isArray(b.fields)) c.err('must provide an array', `${pointer}/fields`);
        else {
          if (b.fields.length > 10) c.err('must be less than 11 items', `${pointer}/fields`);
          b.fields.forEach((f, i) => {
            checkText(c, f, `${pointer}/fields/${i}`, 2000);
          });
        }
      }
      if (b.accessory !== undefined) checkElement(c, b.accessory, `${pointer}/accessory`, actionIds);
      return;
    }
    case 'header':
      checkText(c, b.text, `${pointer}/text`, 150, 'plain_text');
      return;
    case 'divider':
      return;
    case 'context': {
      if (!Array.isArray(b.elements) || b.elements.length === 0) {
        c.err('must provide at least 1 item', `${pointer}/elements`);
        return;
      }
      if (b.elements.length > 10) c.err('must be less than 11 items', `${pointer}/elements`);
      b.elements.forEach((e, i) => {
        const p = `${pointer}/elements/${i}`;
        if (isObj(e) && e.type === 'image') checkElement(c, e, p, actionIds);
        else checkText(c, e, p, 3000);
      });
      return;
    }
    case 'actions': {
      if (!Array.isArray(b.elements) || b.elements.length === 0) {
        c.err('must provide at least 1 item', `${pointer}/elements`);
        return;
      }
      if (b.elements.length > 25) c.err('must be less than 26 items', `${pointer}/elements`);
      b.elements.forEach((e, i) => {
        checkElement(c, e, `${pointer}/elements/${i}`, actionIds);
      });
      return;
    }
    case 'input': {
      checkText(c, b.label, `${pointer}/label`, 2000, 'plain_text');
      if (b.hint !== undefined) checkText(c, b.hint, `${pointer}/hint`, 2000, 'plain_text');
      if (!isObj(b.element)) c.err('must provide an object', `${pointer}/element`);
      else if (!INPUT_ELEMENTS.has(String(b.element.type)))
        c.err(`unsupported type: ${String(b.element.type)}`, `${pointer}/element/type`);
      else checkElement(c, b.element, `${pointer}/element`, actionIds);
      if (surface === 'message' && b.dispatch_action !== true) {
        // Slack accepts input blocks in messages, but nothing would ever submit them.
      }
      return;
    }
    case 'image':
      checkLength(c, b.alt_text, 2000, `${pointer}/alt_text`);
      if (b.image_url === undefined && b.slack_file === undefined)
        c.err('must provide image_url or slack_file', pointer);
      if (b.title !== undefined) checkText(c, b.title, `${pointer}/title`, 2000, 'plain_text');
      return;
    case 'markdown':
      checkLength(c, b.text, 12000, `${pointer}/text`);
      return;
    case 'rich_text':
      if (!Array.isArray(b.elements)) c.err('must provide an array', `${pointer}/elements`);
      return;
    default:
      return;
  }
}

/** Validates a blocks array for a surface; returns Slack's error strings (empty when valid). */
export function validateBlocks(blocks: unknown, surface: Surface, pointer = '/blocks'): string[] {
  const c = new Collector();
  if (!Array.isArray(blocks)) {
    c.err('must provide an array', pointer);
    return c.errors;
  }
  const max = MAX_BLOCKS[surface];
  if (blocks.length > max) {
    c.err(`must be less than ${max + 1} items`, pointer);
    return c.errors;
  }
  blocks.forEach((b, i) => {
    checkBlock(c, b, `${pointer}/${i}`, surface);
  });
  return c.errors;
}

/** Sum of every text a person would read in the blocks (Slack's msg_blocks_too_long budget). */
export function blockTextLength(blocks: unknown): number {
  let n = 0;
  const walk = (v: unknown, key?: string): void => {
    if (typeof v === 'string') {
      if (key === 'text') n += v.length;
      return;
    }
    if (Array.isArray(v)) {
      for (const x of v) walk(x);
      return;
    }
    if (isObj(v)) for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(blocks);
  return n;
}

/** Validates a modal or home view object; errors carry `/view/...` pointers. */
export function validateView(view: unknown): string[] {
  const c = new Collector();
  if (!isObj(view)) {
    c.err('must provide an object', '/view');
    return c.errors;
  }
  const type = view.type;
  if (type !== 'modal' && type !== 'home') {
    c.err('must be a valid enum value', '/view/type');
    return c.errors;
  }
  if (type === 'modal') {
    checkText(c, view.title, '/view/title', 24, 'plain_text');
    if (view.submit !== undefined) checkText(c, view.submit, '/view/submit', 24, 'plain_text');
    if (view.close !== undefined) checkText(c, view.close, '/view/close', 24, 'plain_text');
    const hasInputs = Array.isArray(view.blocks) && view.blocks.some((b) => isObj(b) && b.type === 'input');
    if (hasInputs && view.submit === undefined)
      c.err('must provide submit when the view has input blocks', '/view/submit');
  }
  if (view.private_metadata !== undefined)
    checkLength(c, view.private_metadata, 3000, '/view/private_metadata', 0);
  if (view.callback_id !== undefined) checkLength(c, view.callback_id, 255, '/view/callback_id', 0);
  if (view.external_id !== undefined) checkLength(c, view.external_id, 255, '/view/external_id', 0);
  const blockErrors = validateBlocks(view.blocks, type, '/view/blocks');
  return [...c.errors, ...blockErrors];
}
