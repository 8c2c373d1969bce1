import { DomainError } from '../../incidents/errors.js';
import type { Deps } from '../../runtime/deps.js';
import type { Subcommand } from '../../slack/command/router.js';
import { buildDigest } from '../build.js';
import { previousWeek, weekContaining } from '../week.js';
import { renderEphemeral } from './render.js';

/** `/incident digest [last]`: the digest on demand, shown only to the person who asked. */
export function digestSubcommands(_deps: Deps): Subcommand[] {
  return [
    {
      name: 'digest',
      usage: 'digest [last]',
      description: 'this week’s incident digest so far, only to you; `last` for the previous full week',
      group: 'Reports',
      run: async (call) => {
        const arg = call.rest.trim().toLowerCase();
        if (arg !== '' && arg !== 'last') {
          throw new DomainError(
            'invalid_input',
            '`/incident digest` shows this week so far; `/incident digest last` the previous week.',
          );
        }
        const { db, clock, config } = call.deps;
        const now = clock.now();
        const week =
          arg === 'last' ? previousWeek(now, config.DIGEST_TZ) : weekContaining(now, config.DIGEST_TZ);
        await call.reply({ response_type: 'ephemeral', ...renderEphemeral(buildDigest(db, { week, now })) });
      },
    },
  ];
}
