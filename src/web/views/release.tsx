import type { RemoteState } from '../../lib/dashboard/app-pages.js';
import { statusText, type ReleaseRow } from '../../lib/dashboard/releases.js';
import { ASKING_SCRIPT } from '../assets.js';
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

/** What this host last said about an app on another stack. */
export function RemoteCurrent(props: { remote: RemoteState; now: Date }) {
  const { remote } = props;
  switch (remote.state) {
    case 'asking':
      return <span class="note">asking…</span>;
    case 'unreachable':
      return <span class="status-unreachable">unreachable: {remote.why}</span>;
    case 'problem':
      return <span class="status-failed">{remote.why}</span>;
    case 'no-release':
      return <span>no release yet</span>;
    case 'release': {
      const release = remote.release;
      return (
        <span>
          v{release.id}
          {release.kind && ` · ${release.kind}`}
          {release.sha && ' · '}
          {release.sha && <code>{release.sha}</code>}
          {release.who && ` · ${release.who}`}
          {release.startedAt && ' · '}
          {release.startedAt && <When iso={release.startedAt} now={props.now} />} · <span class={`status-${release.status}`}>{release.status}</span>
        </span>
      );
    }
  }
}

/** The line a page shows while other stacks have not answered yet, and the script that reloads it. */
export function AskingNotice(props: { href: string }) {
  return (
    <>
      <p id="asking" data-asking="" role="status">
        This host is still asking other stacks (a stack that does not answer takes up to its ssh timeout); this page reloads itself.{' '}
        <a href={props.href}>Refresh</a>
      </p>
      <script dangerouslySetInnerHTML={{ __html: ASKING_SCRIPT }} />
    </>
  );
}
