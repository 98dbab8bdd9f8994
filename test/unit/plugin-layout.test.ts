import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/program.js';
import { implementedTriggers, notedTriggers, relayedTriggers } from '../../src/triggers/index.js';

// What Dokku sees (files at the plugin root, triggers/, subcommands/) must match what the binary
// implements, or a trigger silently never fires or a command dispatches into nothing.
const root = path.resolve(__dirname, '../..');

describe('plugin layout', () => {
  it('every implemented trigger has a shim and a root link, and nothing else does', () => {
    const shims = fs.readdirSync(path.join(root, 'triggers')).sort();
    expect(shims).toEqual(implementedTriggers());
    for (const trigger of shims) {
      const link = path.join(root, trigger);
      expect(fs.lstatSync(link).isSymbolicLink(), `${trigger} at the plugin root`).toBe(true);
      expect(fs.readlinkSync(link)).toBe(`triggers/${trigger}`);
      const shim = fs.readFileSync(path.join(root, 'triggers', trigger), 'utf8');
      expect(shim).toMatch(/^exec .*\/build\/ownstack" trigger "(\$\(basename "\$0"\)|\$\{0##\*\/\})" "\$@"$/m);
      expect(fs.statSync(path.join(root, 'triggers', trigger)).mode & 0o111).not.toBe(0);
    }
  });

  it('the triggers answered over the relay have shims that offer them to it, and the tarball carries relay-functions', () => {
    for (const trigger of relayedTriggers()) {
      expect(implementedTriggers()).toContain(trigger);
      const shim = fs.readFileSync(path.join(root, 'triggers', trigger), 'utf8');
      expect(shim, trigger).toContain('|| source "$plugin_root/relay-functions" "${0##*/}" "$@"');
    }
    expect(fs.readFileSync(path.join(root, 'scripts/package.mjs'), 'utf8')).toMatch(/'triggers', 'relay-functions', 'note-functions'/);
  });

  it('the triggers a shim may only note have shims that note them, before the binary, and no others do', () => {
    for (const trigger of implementedTriggers()) {
      const shim = fs.readFileSync(path.join(root, 'triggers', trigger), 'utf8');
      const notes = shim.includes('source "$plugin_root/note-functions" "${0##*/}" "$@"\nexec ');
      expect(notes, trigger).toBe(notedTriggers().includes(trigger));
    }
    const functions = fs.readFileSync(path.join(root, 'note-functions'), 'utf8');
    for (const trigger of notedTriggers()) expect(functions, trigger).toContain(`    ${trigger})`);
  });

  it('never implements the deprecated pre-deploy trigger (Dokku warns on every release)', () => {
    expect(implementedTriggers()).not.toContain('pre-deploy');
    expect(fs.existsSync(path.join(root, 'pre-deploy'))).toBe(false);
  });

  it('every subcommands/ shim dispatches to a registered ownstack command', async () => {
    const registered = new Set((await buildProgram()).commands.map((command) => command.name()));
    for (const verb of fs.readdirSync(path.join(root, 'subcommands'))) {
      const command = verb === 'default' ? 'ownstack' : `ownstack:${verb}`;
      expect(registered.has(command), command).toBe(true);
      expect(fs.readFileSync(path.join(root, 'subcommands', verb), 'utf8')).toMatch(/^exec .*\/build\/ownstack" "\$@"$/m);
    }
  });

  it('every registered ownstack:<verb> has a subcommands/ shim, so Dokku can reach it', async () => {
    for (const command of (await buildProgram()).commands) {
      const name = command.name();
      if (!name.startsWith('ownstack:')) continue;
      expect(fs.existsSync(path.join(root, 'subcommands', name.slice('ownstack:'.length))), name).toBe(true);
    }
  });
});

describe('source hygiene', () => {
  const sources = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const full = path.join(dir, entry.name);
      return entry.isDirectory() ? sources(full) : /\.tsx?$/.test(entry.name) ? [full] : [];
    });
  const files = sources(path.join(root, 'src')).map((file) => ({ file, text: fs.readFileSync(file, 'utf8') }));

  it('never builds a shell command string from input', () => {
    const offenders = files.filter(({ text }) =>
      /shell:\s*true|execaCommand|execSync\(|(?<!\.)\bexec\(|from 'zx'|child_process'\)\.exec\b|\$`/.test(text),
    );
    expect(offenders.map(({ file }) => path.relative(root, file))).toEqual([]);
  });

  it('writes state owner-only', () => {
    const writers = files.filter(({ text }) => /writeFileAtomic\(|writeFileSync\(/.test(text));
    for (const { file, text } of writers) {
      for (const call of text.match(/(writeFileAtomic|writeFileSync)\([^;]*;/gs) ?? []) {
        // a write to a kernel file under /proc (a process's scheduling knobs, its name) creates no file
        if (/^writeFileSync\(['`]\/proc\//.test(call)) continue;
        expect(call, path.relative(root, file)).toMatch(/mode:\s*0o600/);
      }
    }
  });
});
