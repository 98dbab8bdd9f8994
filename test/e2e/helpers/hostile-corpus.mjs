// The hostile-input corpus (test/fixtures/hostile-inputs.jsonl), read once for both of its runs:
// every argument list in-process through the binary's command path (test/unit/hostile-inputs.test.ts),
// and a sample through the host's `dokku` and the compiled binary, on real state and a real engine
// (run-hostile-inputs.mjs, from test/e2e/hostile-inputs.bats).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CORPUS_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/hostile-inputs.jsonl');

/** The corpus's cases, one JSON object a line. */
export function readCorpus(file = CORPUS_FILE) {
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

// What the way to the binary could do to an argument: Dokku's dispatcher and our shims are bash,
// and a command may reach us over ssh. Each kind is sent through the host for every command.
const MANGLEABLE = {
  newline: (arg) => arg.includes('\n'),
  'double quote': (arg) => arg.includes('"'),
  'single quote': (arg) => arg.includes("'"),
  dollar: (arg) => arg.includes('$'),
  backtick: (arg) => arg.includes('`'),
  backslash: (arg) => arg.includes('\\'),
  space: (arg) => arg.includes(' '),
  semicolon: (arg) => arg.includes(';'),
  glob: (arg) => /[*?[]/.test(arg),
  empty: (arg) => arg === '',
  dash: (arg) => arg.startsWith('-'),
  long: (arg) => arg.length > 1000,
};

/**
 * The cases run through the host: every case with standard input (its command reads it) or a
 * config value (it must be held exactly by Dokku's config), and for each command its first case
 * and its first case of each kind of mangleable argument. The unit run covers every argument list.
 */
export function refusedThroughTheHost(cases) {
  const taken = new Set();
  return cases.filter((testCase) => {
    if (testCase.stdin !== undefined || testCase.config_file !== undefined) return true;
    const [command, ...args] = testCase.args;
    const kinds = ['first', ...Object.keys(MANGLEABLE).filter((kind) => args.some(MANGLEABLE[kind]))];
    const fresh = kinds.filter((kind) => !taken.has(`${command} ${kind}`));
    for (const kind of kinds) taken.add(`${command} ${kind}`);
    return fresh.length > 0;
  });
}
