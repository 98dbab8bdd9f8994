import { AsyncLocalStorage } from 'node:async_hooks';

// A trigger is normally its own process: its environment is process.env and its output is our
// stdout and stderr. Inside ownstack's own deploys a trigger may instead be answered by the
// ownstack process already running (trigger-relay.ts); it then runs in a scope that carries the
// trigger's environment and sends its output back to the trigger's shim. Code a trigger runs
// reads the environment through currentEnv(), and log.ts writes through the scope.

export interface TriggerScope {
  env: NodeJS.ProcessEnv;
  write(stream: 'stdout' | 'stderr', text: string): void;
  /** A noted trigger replayed later (trigger-notes.ts): the time it fired... */
  notedAt?: Date;
  /** ...and the /proc start time of the PID it named, read when it fired... */
  notedPidStart?: string;
  /** ...and the host files it reads, as they were then (null: absent), by normalized path. */
  notedFiles?: Map<string, string | null>;
}

const storage = new AsyncLocalStorage<TriggerScope>();

export function runInTriggerScope<T>(scope: TriggerScope, work: () => Promise<T>): Promise<T> {
  return storage.run(scope, work);
}

export function triggerScope(): TriggerScope | undefined {
  return storage.getStore();
}

/** The environment of the trigger being answered: its own when relayed, otherwise ours. */
export function currentEnv(): NodeJS.ProcessEnv {
  return storage.getStore()?.env ?? process.env;
}

/** Now, for what a trigger records: the time it fired when it is replayed from a note. */
export function triggerNow(): Date {
  return storage.getStore()?.notedAt ?? new Date();
}
