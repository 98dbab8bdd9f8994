import type { ReleaseRow } from '../../lib/dashboard/releases.js';
import { ago } from './format.js';

// Small pieces every release listing shares.

export function Status(props: { row: ReleaseRow }) {
  const { row } = props;
  return (
    <span class={`status-${row.status}`}>
      {row.status}
      {row.failure ? ` (${row.failure})` : row.status === 'running' ? ` (${row.phase})` : ''}
    </span>
  );
}

export function When(props: { iso: string; now: Date }) {
  return (
    <span>
      <time datetime={props.iso}>{props.iso}</time> ({ago(props.iso, props.now)})
    </span>
  );
}
