import { UserError } from './errors.js';
import { printable } from './log.js';

export type Format = 'stdout' | 'json';

/** `--format stdout|json`, as every Dokku listing takes it. */
export function parseFormat(raw: string | undefined): Format {
  if (raw === undefined || raw === 'stdout') return 'stdout';
  if (raw === 'json') return 'json';
  throw new UserError(`Invalid --format "${printable(raw)}": expected stdout or json`);
}

/** Dokku's report shape: a header, then `Label:  value` rows aligned on the longest label. */
export function reportBlock(title: string, rows: [string, string][]): string {
  const width = Math.max(0, ...rows.map(([label]) => label.length)) + 1;
  return [`=====> ${title}`, ...rows.map(([label, value]) => `       ${`${label}:`.padEnd(width + 1)} ${value}`.trimEnd())].join('\n');
}
