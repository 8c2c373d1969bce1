import { COMMAND } from '../ids.js';
import type { Subcommand } from './router.js';

/** The help text, generated from the registered subcommands so that it never drifts. */
export function helpText(list: readonly Subcommand[], unknown?: string): string {
  const groups = new Map<string, Subcommand[]>();
  for (const s of list) groups.set(s.group, [...(groups.get(s.group) ?? []), s]);
  const lines: string[] = [];
  if (unknown !== undefined) {
    lines.push(
      `I don’t know \`${unknown.replace(/[`<>&]/g, '').slice(0, 40)}\`. Here is what ${COMMAND} can do:`,
      '',
    );
  } else {
    lines.push(`*${COMMAND}* — declare and run incidents from Slack.`, '');
  }
  for (const [group, subs] of groups) {
    lines.push(`*${group}*`);
    for (const s of subs) lines.push(`• \`${COMMAND} ${s.usage}\` — ${s.description}`);
    lines.push('');
  }
  lines.push(
    'In an incident channel the incident is implied; elsewhere put `INC-<n>` first, e.g. `/incident INC-4 status identified`.',
  );
  return lines.join('\n');
}
