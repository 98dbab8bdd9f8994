import { parse } from 'dotenv';
import { UserError } from '../output/errors.js';
import { printable } from '../output/log.js';
import { dokkuWouldChange } from './stored-value.js';

// The dotenv file a config push reads (from a file or standard input, never argv). Values come
// from the maintained `dotenv` parser, so quotes, `export` prefixes, comments and multi-line
// quoted values mean what dotenv users expect. Before that, a line scan refuses what dotenv would
// silently skip or Dokku would refuse, so a typo never becomes a quietly missing variable.
// Error messages name lines and keys, never values.

/** Dokku's config key rule (its config plugin and the test host): a letter or _, then letters, digits, _. */
export const CONFIG_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
/**
 * Each value travels base64-encoded as one argument of `config:set --encoded`; Linux caps one
 * argument at 128 KiB (MAX_ARG_STRLEN), and base64 grows it by a third.
 */
const KEY_RULE = 'it must begin with a letter or _ and contain only letters, digits and _';
export const MAX_VALUE_BYTES = 64 * 1024;
/** The whole file: all values share one argument list (ARG_MAX), with room to spare. */
export const MAX_FILE_BYTES = 512 * 1024;
export const MAX_KEYS = 500;

export function assertConfigKey(key: string, where: string): string {
  if (!CONFIG_KEY.test(key)) throw new UserError(`${where}: invalid key name "${printable(key, 40)}": ${KEY_RULE}`);
  return key;
}

/** KEY=VALUE pairs in file order. */
export function parseConfigFile(text: string, source: string): Map<string, string> {
  if (Buffer.byteLength(text, 'utf8') > MAX_FILE_BYTES) throw new UserError(`${source} is larger than ${MAX_FILE_BYTES / 1024} KiB`);
  const nul = text.indexOf('\0');
  if (nul >= 0) throw new UserError(`${source}, line ${lineOf(text, nul)}: contains a NUL byte`);
  const scanned = scanKeys(text, source);
  if (scanned.length === 0) throw new UserError(`${source} sets no variables: expected lines of KEY=VALUE`);
  if (scanned.length > MAX_KEYS) throw new UserError(`${source} sets ${scanned.length} variables; at most ${MAX_KEYS} at a time`);

  const parsed = parse(text);
  const entries = new Map<string, string>();
  for (const { key, line } of scanned) {
    if (!Object.hasOwn(parsed, key)) throw new UserError(`${source}, line ${line}: cannot read the value of ${key}`);
    const value = parsed[key];
    if (Buffer.byteLength(value, 'utf8') > MAX_VALUE_BYTES) {
      throw new UserError(`${source}, line ${line}: the value of ${key} is larger than ${MAX_VALUE_BYTES / 1024} KiB`);
    }
    const changed = dokkuWouldChange(value);
    if (changed) throw new UserError(`${source}, line ${line}: the value of ${key} ${changed}`);
    entries.set(key, value);
  }
  // dotenv also reads `KEY: value`; our scan allows only KEY=VALUE, so anything else it found is
  // a line we refused already. This catches a disagreement between the two, never silently.
  for (const key of Object.keys(parsed)) {
    if (!entries.has(key)) throw new UserError(`${source}: cannot tell where the variable ${printable(key, 40)} is defined`);
  }
  return entries;
}

interface ScannedKey {
  key: string;
  line: number;
}

/**
 * Which line defines which key. Only the line structure is checked here (blank, comment,
 * `[export ]KEY=…`, and the continuation lines of a quoted multi-line value); values are dotenv's.
 */
function scanKeys(text: string, source: string): ScannedKey[] {
  const keys: ScannedKey[] = [];
  const seen = new Map<string, number>();
  let openQuote: string | undefined;
  const lines = text.split(/\r\n|\r|\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    const number = index + 1;
    if (openQuote) {
      if (closesQuote(line, openQuote)) openQuote = undefined;
      continue;
    }
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const match = /^\s*(?:export\s+)?([^\s=]+)\s*=(.*)$/s.exec(line); // s: a value may hold U+2028
    if (!match) {
      if (/^\s*(?:export\s+)?[^\s=]+\s*$/.test(line)) throw new UserError(`${source}, line ${number}: no "=" (expected KEY=VALUE)`);
      throw new UserError(`${source}, line ${number}: expected KEY=VALUE`);
    }
    const key = assertConfigKey(match[1], `${source}, line ${number}`);
    const earlier = seen.get(key);
    if (earlier !== undefined) throw new UserError(`${source}, line ${number}: ${key} is already set on line ${earlier}`);
    seen.set(key, number);
    keys.push({ key, line: number });
    const rest = match[2].trimStart();
    const quote = rest[0];
    if ((quote === '"' || quote === "'" || quote === '`') && !closesQuote(rest.slice(1), quote)) openQuote = quote;
  }
  if (openQuote) throw new UserError(`${source}: a quoted value is never closed (missing ${openQuote})`);
  return keys;
}

/** The quote closes on this line (dotenv's rule: a quote preceded by a backslash does not). */
function closesQuote(text: string, quote: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') {
      i++;
      continue;
    }
    if (text[i] === quote) return true;
  }
  return false;
}

function lineOf(text: string, offset: number): number {
  return text.slice(0, offset).split(/\r\n|\r|\n/).length;
}
