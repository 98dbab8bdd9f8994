import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/commands/index.js';
import { buildProgram } from '../../src/program.js';
import { createContext } from '../../src/lib/context.js';
import { DELIVER_COMMAND } from '../../src/lib/notifications/outbox.js';

// A start of the binary loads only the module of the command it runs, found by the names listed
// in src/commands/index.ts: those lists must be exactly what each module registers.
describe('the command index', () => {
  it("lists, for each module, exactly the commands it registers", async () => {
    for (const entry of COMMANDS) {
      const program = new Command();
      (await entry.load()).default(program, () => createContext());
      expect(program.commands.map((command) => command.name()).sort(), entry.names.join(' ')).toEqual([...entry.names].sort());
    }
  });

  it('names each command once', () => {
    const names = COMMANDS.flatMap((entry) => entry.names);
    expect(new Set(names).size).toBe(names.length);
  });

  it('a program built for one command has only that command besides the hidden ones', async () => {
    const hidden = ['help', 'trigger', DELIVER_COMMAND];
    const names = (program: Command) => program.commands.map((command) => command.name()).filter((name) => !hidden.includes(name));
    expect(names(await buildProgram('ownstack:history'))).toEqual(['ownstack:history']);
    expect(names(await buildProgram('stacks'))).toEqual(['ownstack', 'ownstack:help', 'pipeline:help', 'stacks', 'stacks:help']);
    expect(names(await buildProgram('no-such:command'))).toEqual([]);
    expect(names(await buildProgram()).length).toBe(COMMANDS.flatMap((entry) => entry.names).length);
  });
});
