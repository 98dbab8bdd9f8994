import { statusText, type ReleaseRow } from '../../lib/dashboard/releases.js';
import { ago } from './format.js';

// Small pieces every release listing shares.

export function Status(props: { row: ReleaseRow; id?: string }) {
  const { row } = props;
  return (
    <span class={`status-${row.status}`} id={props.id}>
      {statusText(row)}
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
