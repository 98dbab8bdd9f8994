import path from 'node:path';
import * as z from 'zod/mini';
import type { DokkuPaths } from '../dokku/env.js';
import { printable } from '../output/log.js';
import { readSecretJson, writeSecretJson } from './secret-files.js';

// The GitHub webhook deliveries of each app and what came of them, in the dashboard's own
// directory (deliveries/<app>.json, owner-only, rewritten atomically). Only what GitHub's headers
// and the push name is kept (delivery ID, event, ref, SHA), never the secret or the body. Each
// app keeps its newest MAX_DELIVERIES: a flood of forged deliveries cannot grow the file.

export const MAX_DELIVERIES = 100;
export const OUTCOMES = ['ignored', 'refused', 'started', 'succeeded', 'failed'] as const;
export type DeliveryOutcome = (typeof OUTCOMES)[number];

const Delivery = z.object({
  delivery: z.string(),
  event: z.string(),
  ref: z.optional(z.string()),
  sha: z.optional(z.string()),
  received_at: z.string(),
  finished_at: z.optional(z.string()),
  outcome: z.enum(OUTCOMES),
  reason: z.string(),
});
export type Delivery = z.infer<typeof Delivery>;
const Deliveries = z.array(Delivery);

const deliveriesFile = (paths: Pick<DokkuPaths, 'dashboardRoot'>, app: string) => path.join(paths.dashboardRoot, 'deliveries', `${app}.json`);

/** The app's deliveries, newest first ([] when none, or when the file is damaged). */
export function readDeliveries(paths: Pick<DokkuPaths, 'dashboardRoot'>, app: string): Delivery[] {
  return [...(readSecretJson(deliveriesFile(paths, app), Deliveries) ?? [])].reverse();
}

// One web process writes these files; its writes to one file are queued so that a delivery's
// outcome, recorded when its command ends, never overwrites another delivery recorded meanwhile.
const queues = new Map<string, Promise<unknown>>();

function updateDeliveries(paths: Pick<DokkuPaths, 'dashboardRoot'>, app: string, change: (list: Delivery[]) => Delivery[]): Promise<void> {
  const file = deliveriesFile(paths, app);
  const next = (queues.get(file) ?? Promise.resolve()).then(async () => {
    const list = change(readSecretJson(file, Deliveries) ?? []);
    await writeSecretJson(file, list.slice(-MAX_DELIVERIES));
  });
  const settled = next.catch(() => undefined);
  queues.set(file, settled);
  void settled.then(() => {
    if (queues.get(file) === settled) queues.delete(file);
  });
  return next;
}

export function recordDelivery(paths: Pick<DokkuPaths, 'dashboardRoot'>, app: string, delivery: Delivery): Promise<void> {
  return updateDeliveries(paths, app, (list) => [...list, { ...delivery, reason: oneLine(delivery.reason) }]);
}

/** A started delivery's outcome, once its command has ended. */
export function finishDelivery(
  paths: Pick<DokkuPaths, 'dashboardRoot'>,
  app: string,
  id: string,
  ended: { outcome: Extract<DeliveryOutcome, 'succeeded' | 'failed'>; reason: string },
  at: Date,
): Promise<void> {
  return updateDeliveries(paths, app, (list) =>
    list.map((entry) => (entry.delivery === id && entry.outcome === 'started' ? { ...entry, ...ended, reason: oneLine(ended.reason), finished_at: at.toISOString() } : entry)),
  );
}

/** What a delivery's command came to: its exit code and, when it failed, its last line. */
export function commandOutcome(result: { code: number; output: string }): { outcome: 'succeeded' | 'failed'; reason: string } {
  return result.code === 0 ? { outcome: 'succeeded', reason: 'deployed' } : { outcome: 'failed', reason: `exit ${result.code}: ${lastLine(result.output)}` };
}

/** Whether GitHub already delivered this ID and it started a deploy (a replay runs nothing). */
export function alreadyDeployed(paths: Pick<DokkuPaths, 'dashboardRoot'>, app: string, id: string): boolean {
  return readDeliveries(paths, app).some((entry) => entry.delivery === id && (entry.outcome === 'started' || entry.outcome === 'succeeded'));
}

/** GitHub's delivery ID (a GUID) as kept; anything else is kept as `-`, never repeated. */
export function deliveryIdOf(header: string | undefined): string {
  return header !== undefined && /^[A-Za-z0-9-]{1,64}$/.test(header) ? header : '-';
}

/** The event name as kept (GitHub's are lower-case words), else `?`. */
export function eventNameOf(header: string | undefined): string {
  return header !== undefined && /^[a-z_]{1,40}$/.test(header) ? header : '?';
}

/** The last line that says something, without colours or Dokku's `!` mark: a failed command's reason. */
function lastLine(output: string): string {
  const line = output.split('\n').map((entry) => entry.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').trim()).filter(Boolean).pop() ?? '';
  return line.replace(/^!\s*/, '');
}

function oneLine(text: string): string {
  return printable(text.replace(/\s+/g, ' ').trim(), 200);
}
