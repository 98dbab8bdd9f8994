import { relativeTime } from '../../lib/releases/format.js';

// Presentation helpers the views share (how a value reads, never what a page contains).

export const stageTitle = (stage: string) => stage.charAt(0).toUpperCase() + stage.slice(1);

export function ago(iso: string, now: Date): string {
  return relativeTime(iso, now);
}

export const logHref = (app: string, id: number) => `/apps/${encodeURIComponent(app)}/releases/${id}/log`;
/** The log page of a release of APP on another stack. */
export const remoteLogHref = (stack: string, app: string, id: number) => `/stacks/${encodeURIComponent(stack)}/apps/${encodeURIComponent(app)}/releases/${id}/log`;
export const appHref = (app: string) => `/apps/${encodeURIComponent(app)}`;

/** A link to /deployments keeping the filters, for another page. */
export function deploymentsHref(filters: { app?: string; pipeline?: string; status?: string; stack?: string }, page: number): string {
  const query = new URLSearchParams();
  if (filters.app) query.set('app', filters.app);
  if (filters.pipeline) query.set('pipeline', filters.pipeline);
  if (filters.status) query.set('status', filters.status);
  if (filters.stack) query.set('stack', filters.stack);
  if (page > 1) query.set('page', String(page));
  const text = query.toString();
  return text ? `/deployments?${text}` : '/deployments';
}
