import { describe, expect, it } from 'vitest';
import { validateBlocks, validateView } from '../../../sim/blockkit.js';
import { signRequest } from '../../../sim/sender.js';

describe('signer', () => {
  it("reproduces Slack's published test vector", () => {
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(signRequest('8f742231b10e8888abcd99yyyzzz85a5', 1531420618, body)).toBe(
      'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    );
  });
});

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
const button = (text: string, action_id = 'a') => ({
  type: 'button',
  text: { type: 'plain_text', text },
  action_id,
});

describe('Block Kit validator', () => {
  it('accepts 50 blocks in a message and refuses 51 with Slack’s pointer', () => {
    expect(
      validateBlocks(
        Array.from({ length: 50 }, () => section('x')),
        'message',
      ),
    ).toEqual([]);
    expect(
      validateBlocks(
        Array.from({ length: 51 }, () => section('x')),
        'message',
      ),
    ).toEqual(['must be less than 51 items [json-pointer:/blocks]']);
    expect(
      validateBlocks(
        Array.from({ length: 100 }, () => section('x')),
        'modal',
      ),
    ).toEqual([]);
    expect(
      validateBlocks(
        Array.from({ length: 101 }, () => section('x')),
        'home',
      ),
    ).toHaveLength(1);
  });

  it('enforces text limits with the element’s pointer', () => {
    expect(validateBlocks([section('x'.repeat(3000))], 'message')).toEqual([]);
    expect(validateBlocks([section('x'.repeat(3001))], 'message')).toEqual([
      'must be less than 3001 characters [json-pointer:/blocks/0/text/text]',
    ]);
    expect(
      validateBlocks([{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }], 'message'),
    ).toEqual(['must be less than 151 characters [json-pointer:/blocks/0/text/text]']);
    expect(validateBlocks([{ type: 'actions', elements: [button('b'.repeat(76))] }], 'message')).toEqual([
      'must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]',
    ]);
    expect(validateBlocks([{ type: 'header', text: { type: 'mrkdwn', text: 'h' } }], 'message')[0]).toContain(
      '/blocks/0/text/type',
    );
  });

  it('refuses duplicate block_ids, long ids, too many options and fields', () => {
    const dup = [
      { ...section('a'), block_id: 'same' },
      { ...section('b'), block_id: 'same' },
    ];
    expect(validateBlocks(dup, 'message')[0]).toMatch(/duplicate block_id.*\/blocks\/1\/block_id/);
    expect(validateBlocks([{ ...section('a'), block_id: 'x'.repeat(256) }], 'message')[0]).toContain('256');
    const options = Array.from({ length: 101 }, (_, i) => ({
      text: { type: 'plain_text', text: `o${i}` },
      value: `${i}`,
    }));
    const select = { type: 'static_select', action_id: 's', options };
    expect(validateBlocks([{ type: 'actions', elements: [select] }], 'message')).toEqual([
      'must be less than 101 items [json-pointer:/blocks/0/elements/0/options]',
    ]);
    const fields = Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' }));
    expect(validateBlocks([{ type: 'section', fields }], 'message')).toEqual([
      'must be less than 11 items [json-pointer:/blocks/0/fields]',
    ]);
    const input = {
      type: 'input',
      label: { type: 'plain_text', text: 'L' },
      element: { type: 'plain_text_input', action_id: 'i', max_length: 3001 },
    };
    expect(validateBlocks([input], 'modal')[0]).toContain('/blocks/0/element/max_length');
  });

  it('checks modal title, submit, private_metadata and that inputs need submit', () => {
    const base = { type: 'modal', title: { type: 'plain_text', text: 'Declare incident' }, blocks: [] };
    expect(validateView(base)).toEqual([]);
    expect(validateView({ ...base, title: { type: 'plain_text', text: 't'.repeat(25) } })).toEqual([
      'must be less than 25 characters [json-pointer:/view/title/text]',
    ]);
    expect(validateView({ ...base, private_metadata: 'x'.repeat(3001) })[0]).toContain(
      '/view/private_metadata',
    );
    const input = {
      type: 'input',
      label: { type: 'plain_text', text: 'L' },
      element: { type: 'plain_text_input', action_id: 'i' },
    };
    expect(validateView({ ...base, blocks: [input] })[0]).toContain('/view/submit');
  });
});
