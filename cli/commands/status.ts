// `fairshrink status`: the local stack's health, or with a campaign id that campaign's summary.
import type { CliIo } from '../io.ts';
import type { CommandContext } from './campaign.ts';

export async function statusCommand(argv: string[], io: CliIo, context: CommandContext): Promise<number> {
  if (argv.some((a) => !a.startsWith('-'))) {
    return (await import('./campaign-status.ts')).campaignStatusCommand(argv, io, context);
  }
  return (await import('./stack.ts')).stackCommand('status', argv, io);
}
