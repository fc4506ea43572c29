// The command table names each command's module and function as strings (cli/main.ts): this is the type check
// that the strings stand for, so a renamed export or module fails here rather than when a user runs the command.
import { describe, expect, it } from 'vitest';
import { COMMANDS, commandFunction, main } from '../../../cli/main.ts';

describe('command table', () => {
  it.each(Object.keys(COMMANDS))(
    '%s names an exported function',
    async (name) => {
      const [, module, fn] = COMMANDS[name]!;
      const exports = (await import(`../../../cli/commands/${module}.ts`)) as Record<string, unknown>;
      expect(typeof exports[fn], `cli/commands/${module}.ts exports ${fn}`).toBe('function');
      expect(typeof (await commandFunction(name))).toBe('function');
    },
    60_000,
  );

  it('lists every command in --help and refuses an unknown one with exit 2', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: (s: string) => out.push(s), stderr: (s: string) => err.push(s) };
    expect(await main(['--help'], io)).toBe(0);
    for (const name of Object.keys(COMMANDS)) expect(out.join('\n')).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    expect(await main(['constructor'], io)).toBe(2);
    expect(err.join('\n')).toContain('unknown command "constructor"');
  });

  it('passes the leading arguments before argv (pause is controlCommand("pause", ...))', async () => {
    const err: string[] = [];
    const io = { stdout: () => {}, stderr: (s: string) => err.push(s) };
    // No campaign id: the control command's usage error names the action it was given.
    expect(await main(['pause'], io)).toBe(2);
    expect(err.join('\n')).toMatch(/pause/);
  });
});
