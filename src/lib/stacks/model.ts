import * as z from 'zod/mini';
import { assertDokkuStyleName } from '../dokku/validate.js';
import { UserError } from '../output/errors.js';
import { printable } from '../output/log.js';

// Stacks (DESIGN.md §6): named remote Dokku hosts, reached over ssh as Dokku's own users reach
// them (`ssh dokku@host <command>`, answered by Dokku's forced command). Pure: decisions on plain
// values, refusals as UserError, so nothing is written when a check fails.

export interface StackAddress {
  user: string;
  host: string;
  port: number;
}

const USER = /^[a-z_][a-z0-9_-]{0,31}$/;
// A DNS name or an IPv4 address; never anything ssh could read as an option or a second word.
const HOST_LABEL = '(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]{0,61}[A-Za-z0-9])';
const HOST = new RegExp('^' + HOST_LABEL + '(?:\\.' + HOST_LABEL + ')*$');
const ADDRESS = /^([^@\s]+)@([^:@\s]+)(?::([0-9]{1,5}))?$/;

export const StackSchema = z.object({
  name: z.string(),
  user: z.string().check(z.regex(USER)),
  host: z.string().check(z.regex(HOST), z.maxLength(253)),
  port: z.int().check(z.minimum(1), z.maximum(65535)),
  added_at: z.string(),
});
export type Stack = z.infer<typeof StackSchema>;

export const StacksFileSchema = z.object({ version: z.literal(1), stacks: z.array(StackSchema) }).check(
  z.superRefine((file, issues) => {
    const names = new Set<string>();
    for (const stack of file.stacks) {
      if (names.has(stack.name)) issues.addIssue({ code: 'custom', message: `stack ${stack.name} appears twice` });
      names.add(stack.name);
    }
  }),
);
export type StacksFile = z.infer<typeof StacksFileSchema>;
export const emptyStacks = (): StacksFile => ({ version: 1, stacks: [] });

export function assertStackName(name: string | undefined): string {
  return assertDokkuStyleName('stack', name, 'Please specify a stack name');
}

/** `dokku@host[:port]`, as a user writes a Dokku remote. */
export function parseStackAddress(raw: string | undefined): StackAddress {
  if (!raw) throw new UserError('Please specify the stack\'s address as dokku@host[:port]');
  const match = ADDRESS.exec(raw);
  const port = match?.[3] === undefined ? 22 : Number(match[3]);
  if (!match || !USER.test(match[1]) || !HOST.test(match[2]) || match[2].length > 253 || port < 1 || port > 65535) {
    throw new UserError(`Invalid stack address "${printable(raw)}": expected user@host[:port], for example dokku@prod.example.com or dokku@10.0.0.5:2222`);
  }
  return { user: match[1], host: match[2], port };
}

export const formatAddress = (address: StackAddress) => `${address.user}@${address.host}${address.port === 22 ? '' : `:${address.port}`}`;

export function findStack(file: StacksFile, name: string): Stack | undefined {
  return file.stacks.find((stack) => stack.name === name);
}

export function assertStackExists(file: StacksFile, name: string): Stack {
  const stack = findStack(file, name);
  if (!stack) throw new UserError(`Stack ${name} does not exist (see dokku stacks:list)`);
  return stack;
}

export function addStackTo(file: StacksFile, name: string, address: StackAddress, now: string): StacksFile {
  // `--stack local` names this host wherever a stack is chosen.
  if (name === 'local') throw new UserError('A stack cannot be called local: that name means this host');
  const existing = findStack(file, name);
  if (existing) throw new UserError(`Stack ${name} already exists (${formatAddress(existing)}); remove it first`);
  return { ...file, stacks: [...file.stacks, { name, ...address, added_at: now }] };
}

export function removeStackFrom(file: StacksFile, name: string): StacksFile {
  assertStackExists(file, name);
  return { ...file, stacks: file.stacks.filter((stack) => stack.name !== name) };
}

// ---- `<app>@<stack>`: an app on another host, wherever a target is named ----------------------

export interface AppRef {
  app: string;
  /** undefined: this host. */
  stack?: string;
}

export function parseAppRef(raw: string | undefined, missing = 'Please specify an app'): AppRef {
  if (!raw) throw new UserError(missing);
  const at = raw.indexOf('@');
  if (at === -1) return { app: assertDokkuStyleName('app', raw, missing) };
  return {
    app: assertDokkuStyleName('app', raw.slice(0, at), missing),
    stack: assertStackName(raw.slice(at + 1)),
  };
}

export const formatAppRef = (ref: AppRef) => (ref.stack ? `${ref.app}@${ref.stack}` : ref.app);
