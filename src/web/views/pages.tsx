import type { AppHistoryPage, PipelineCard, PipelineView } from '../../lib/dashboard/app-pages.js';
import { REMOTE_LIMIT, rowLabel, THIS_HOST, type DeploymentsPage, type RemoteHistory } from '../../lib/dashboard/deployments.js';
import type { OwnstackVersion, StacksPage } from '../../lib/dashboard/stacks-page.js';
import type { ReleaseRow } from '../../lib/dashboard/releases.js';
import type { Delivery } from '../../lib/dashboard/deliveries.js';
import type { RemoteLogView as RemoteLog } from '../../lib/dashboard/remote-log.js';
import { canRollBackTo } from '../../lib/dashboard/actions.js';
import { RELEASE_STATUSES } from '../../lib/releases/record.js';
import { LOG_SCRIPT } from '../assets.js';
import { Layout, type Viewer } from './layout.js';
import { appHref, deploymentsHref, logHref, remoteLogHref, stageTitle } from './format.js';
import { AskingNotice, RemoteCurrent, Status, When } from './release.js';

// The pages. Every value arrives ready to show; JSX escapes all text and attributes.

/** Deployers get the action buttons; a viewer's session is read-only (its posts are refused too). */
const canAct = (viewer: Viewer) => viewer.role === 'deployer';

export function DeploymentsView(props: { page: DeploymentsPage; viewer: Viewer; now: Date }) {
  const { page, now } = props;
  const { filters } = page;
  return (
    <Layout title="Deployments" nav="deployments" viewer={props.viewer}>
      <form method="get" action="/deployments" class="filters">
        <label>
          App
          <select name="app">
            <option value="">All apps</option>
            {page.apps.map((app) => (
              <option value={app} selected={app === filters.app}>{app}</option>
            ))}
          </select>
        </label>
        <label>
          Pipeline
          <select name="pipeline">
            <option value="">All pipelines</option>
            {page.pipelines.map((name) => (
              <option value={name} selected={name === filters.pipeline}>{name}</option>
            ))}
          </select>
        </label>
        <label>
          Stack
          <select name="stack">
            <option value="">All stacks</option>
            <option value={THIS_HOST} selected={filters.stack === THIS_HOST}>This host</option>
            {page.stacks.map((name) => (
              <option value={name} selected={name === filters.stack}>{name}</option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select name="status">
            <option value="">Any status</option>
            {RELEASE_STATUSES.map((status) => (
              <option value={status} selected={status === filters.status}>{status}</option>
            ))}
          </select>
        </label>
        <button type="submit">Filter</button>
      </form>
      {page.asking && <AskingNotice href={deploymentsHref(filters, filters.page)} />}
      {page.remote.length > 0 && <RemoteHistories remote={page.remote} now={now} />}
      {page.rows.length === 0 ? (
        <p>No releases match{filters.page > 1 ? ' on this page' : ''}.</p>
      ) : (
        <ReleaseTable rows={page.rows} now={now} showApp />
      )}
      {page.truncated && <p class="note">This filter matched few releases; the search stopped after reading many records, so older matches may exist.</p>}
      {page.unreadable.length > 0 && (
        <p class="note">Unreadable records, not listed: {page.unreadable.map((bad) => `${bad.app} v${bad.id}`).join(', ')}.</p>
      )}
      <Pager page={filters.page} hasNext={page.hasNext} href={(n) => deploymentsHref(filters, n)} />
    </Layout>
  );
}

/** What each app on another stack last answered; its releases are among the rows. */
function RemoteHistories(props: { remote: RemoteHistory[]; now: Date }) {
  return (
    <section aria-label="Apps on other stacks">
      <p class="note">
        Apps on other stacks, as this host last asked them (their newest {REMOTE_LIMIT} releases each; older pages list only this host's releases past those; each log is asked from its stack when opened):
      </p>
      <ul id="remote-histories">
        {props.remote.map((history) => (
          <li>
            {history.member}:{' '}
            {history.state === 'asking' && <span class="note">asking…</span>}
            {history.state === 'unreachable' && <span class="status-unreachable">unreachable: {history.why}</span>}
            {history.state === 'answered' && <>{history.releases!.length} releases, asked <When iso={history.askedAt!} now={props.now} /></>}
            {history.asking && history.askedAt ? ' (asking again)' : ''}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Pager(props: { page: number; hasNext: boolean; href: (page: number) => string }) {
  if (props.page === 1 && !props.hasNext) return null;
  return (
    <nav aria-label="Pages">
      {props.page > 1 && <a href={props.href(props.page - 1)} rel="prev">Newer</a>} <span>Page {props.page}</span>{' '}
      {props.hasNext && <a href={props.href(props.page + 1)} rel="next">Older</a>}
    </nav>
  );
}

function ReleaseTable(props: { rows: ReleaseRow[]; now: Date; showApp?: boolean; rollback?: boolean }) {
  return (
    <table>
      <thead>
        <tr>
          {props.showApp && <th scope="col">App</th>}
          <th scope="col">ID</th>
          <th scope="col">Status</th>
          <th scope="col">SHA</th>
          <th scope="col">Kind</th>
          <th scope="col">Description</th>
          <th scope="col">Who</th>
          <th scope="col">When</th>
          <th scope="col">Duration</th>
          <th scope="col">Log</th>
          {props.rollback && <th scope="col">Action</th>}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((row) => (
          <tr>
            {props.showApp && <td>{row.stack ? rowLabel(row) : <a href={appHref(row.app)}>{row.app}</a>}</td>}
            <td>
              v{row.id}
              {row.current ? ' (current)' : ''}
            </td>
            <td>
              <Status row={row} />
            </td>
            <td>{row.sha ? <code>{row.sha}</code> : ''}</td>
            <td>{row.kind}</td>
            <td>{row.description}</td>
            <td>{row.who}</td>
            <td>
              <When iso={row.startedAt} now={props.now} />
            </td>
            <td>{row.duration ?? ''}</td>
            <td>
              <a href={row.stack ? remoteLogHref(row.stack, row.app, row.id) : logHref(row.app, row.id)} aria-label={`Log of ${rowLabel(row)} v${row.id}`}>
                log
              </a>
            </td>
            {props.rollback && (
              <td>
                {canRollBackTo(row) && (
                  <a class="button" href={`${logHref(row.app, row.id).slice(0, -'/log'.length)}/rollback`} aria-label={`Roll back ${row.app} to v${row.id}`}>
                    Roll back
                  </a>
                )}
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function AppView(props: { page: AppHistoryPage; deliveries: Delivery[]; viewer: Viewer; now: Date }) {
  const { page } = props;
  return (
    <Layout title={`${page.app} releases`} viewer={props.viewer}>
      <p>
        Current: {page.currentId === undefined ? 'none' : `v${page.currentId}`}
        {page.place && ` · pipeline ${page.place.pipeline}, stage ${page.place.stage}`} ·{' '}
        <a href={deploymentsHref({ app: page.app }, 1)}>in Deployments</a>
      </p>
      {canAct(props.viewer) && (
        <p>
          <a class="button" href={`${appHref(page.app)}/deploy`}>Deploy now</a>
        </p>
      )}
      {page.rows.length === 0 ? (
        <p>{page.app} has no releases {page.page > 1 ? 'on this page' : 'yet'}.</p>
      ) : (
        <ReleaseTable rows={page.rows} now={props.now} rollback={canAct(props.viewer)} />
      )}
      {page.unreadable.length > 0 && <p class="note">Unreadable records, not listed: {page.unreadable.map((id) => `v${id}`).join(', ')}.</p>}
      <Pager page={page.page} hasNext={page.hasNext} href={(n) => (n > 1 ? `${appHref(page.app)}?page=${n}` : appHref(page.app))} />
      {props.deliveries.length > 0 && <DeliveriesTable app={page.app} deliveries={props.deliveries} now={props.now} />}
    </Layout>
  );
}

/** The app's newest GitHub webhook deliveries (`ownstack:dashboard:deliveries` lists them all). */
function DeliveriesTable(props: { app: string; deliveries: Delivery[]; now: Date }) {
  return (
    <section aria-labelledby="deliveries">
      <h2 id="deliveries">GitHub webhook deliveries</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Delivery</th>
            <th scope="col">Event</th>
            <th scope="col">Ref</th>
            <th scope="col">SHA</th>
            <th scope="col">Outcome</th>
          </tr>
        </thead>
        <tbody>
          {props.deliveries.map((delivery) => (
            <tr>
              <td><When iso={delivery.received_at} now={props.now} /></td>
              <td><code>{delivery.delivery}</code></td>
              <td>{delivery.event}</td>
              <td>{delivery.ref ?? ''}</td>
              <td>{delivery.sha ? <code>{delivery.sha.slice(0, 7)}</code> : ''}</td>
              <td class={`delivery-${delivery.outcome}`}>{delivery.outcome}: {delivery.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="note">All of them: <code>dokku ownstack:dashboard:deliveries {props.app}</code></p>
    </section>
  );
}

export function LogView(props: { row: ReleaseRow; log: string | undefined; viewer: Viewer; now: Date; streamHref: string }) {
  const { row } = props;
  const running = row.status === 'running';
  return (
    <Layout title={`${row.app} v${row.id} log`} viewer={props.viewer}>
      <p>
        <a href={appHref(row.app)}>{row.app}</a> v{row.id} · {row.kind} · <Status row={row} id="release-status" /> · {row.who} · <When iso={row.startedAt} now={props.now} />
      </p>
      {running && (
        <p id="log-status" role="status">
          This release is still running. <a href={logHref(row.app, row.id)}>Refresh</a> to see more of its log.
        </p>
      )}
      {props.log === undefined && !running ? (
        <p>No deploy log is kept for v{row.id} (logs are kept for the releases within the retention setting).</p>
      ) : (
        <pre class="log" id="log" role="region" data-stream={running ? props.streamHref : undefined} tabindex={0} aria-label="Deploy log">
          {props.log ?? ''}
        </pre>
      )}
      {running && <script dangerouslySetInnerHTML={{ __html: LOG_SCRIPT }} />}
    </Layout>
  );
}

/** A log of a release on another stack, as this host last asked it: whole, no live view. */
export function RemoteLogView(props: { log: RemoteLog; href: string; viewer: Viewer; now: Date }) {
  const { log } = props;
  const label = `${log.ref.member} v${log.ref.id}`;
  return (
    <Layout title={`${label} log`} viewer={props.viewer}>
      <p>
        {label}: the deploy log as stack {log.ref.stack} keeps it, asked through this host{log.askedAt ? <> <When iso={log.askedAt} now={props.now} /></> : ''} (control characters shown
        escaped; the end of a very long log only; no live view for a release on another stack: <a href={props.href}>reload</a> for more of a running one).
      </p>
      {log.state === 'asking' && <AskingNotice href={props.href} />}
      {log.state === 'unreachable' && (
        <p id="log-status" role="status" class="status-unreachable">
          No log: {log.why}
        </p>
      )}
      {log.state === 'answered' && (
        <pre class="log" id="log" role="region" tabindex={0} aria-label="Deploy log">
          {log.text}
        </pre>
      )}
    </Layout>
  );
}

export function PipelinesView(props: { pipelines: PipelineView[]; asking: boolean; viewer: Viewer; now: Date }) {
  return (
    <Layout title="Pipelines" nav="pipelines" viewer={props.viewer}>
      {props.asking && <AskingNotice href="/pipelines" />}
      {props.pipelines.length === 0 && (
        <p>
          No pipelines on this host yet (<code>dokku pipeline:create &lt;production-app&gt;</code>).
        </p>
      )}
      {props.pipelines.map((pipeline) => (
        <section aria-labelledby={`pipeline-${pipeline.name}`}>
          <h2 id={`pipeline-${pipeline.name}`}>{pipeline.name}</h2>
          {pipeline.remote && <RemoteAsOf remote={pipeline.remote} now={props.now} />}
          <div class="stages">
            {pipeline.stages.map(({ stage, cards, mixed }) => (
              <section aria-label={`${pipeline.name} ${stage}`}>
                <h3>{stageTitle(stage)}</h3>
                {mixed && <p class="status-mixed">{mixed}</p>}
                {cards.length === 0 ? (
                  <p class="note">No apps</p>
                ) : (
                  <ul>
                    {cards.map((card) => (
                      <li class="card">
                        <Card card={card} now={props.now} promote={canAct(props.viewer) && stage !== 'production' && stage !== 'review'} />
                      </li>
                    ))}
                  </ul>
                )}
              </section>
            ))}
          </div>
          {pipeline.requests.length > 0 && <PendingRequests pipeline={pipeline} viewer={props.viewer} now={props.now} />}
        </section>
      ))}
    </Layout>
  );
}

/** When this host last answered for the pipeline's apps on other stacks. */
function RemoteAsOf(props: { remote: { askedAt: string | undefined; asking: boolean }; now: Date }) {
  const { remote } = props;
  return (
    <p class="note">
      Apps on other stacks: {remote.askedAt ? <>as this host last saw them, <When iso={remote.askedAt} now={props.now} /></> : 'not answered yet'}
      {remote.asking && remote.askedAt ? ' (asking again)' : ''}.
    </p>
  );
}

export function StacksView(props: { page: StacksPage; viewer: Viewer; now: Date }) {
  const { page } = props;
  return (
    <Layout title="Stacks" nav="stacks" viewer={props.viewer}>
      {page.asking && <AskingNotice href="/stacks" />}
      <p>
        This host: {page.host.ownstack ? <OwnstackLine ownstack={page.host.ownstack} /> : page.host.why ? <span class="status-failed">{page.host.why}</span> : 'asking…'}
      </p>
      <p class="note">
        This dashboard: ownstack {page.dashboard.version} ({page.dashboard.commit})
      </p>
      {page.warnings.length > 0 && (
        <ul aria-label="Version warnings">
          {page.warnings.map((warning) => (
            <li class="status-running">{warning}</li>
          ))}
        </ul>
      )}
      {page.stacks.length === 0 ? (
        <p>
          No other stacks are known to this host (<code>dokku stacks:add &lt;name&gt; dokku@host[:port]</code>).
        </p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Stack</th>
              <th scope="col">Address</th>
              <th scope="col">Reachability</th>
              <th scope="col">ownstack</th>
              <th scope="col">Schema versions</th>
              <th scope="col">Asked</th>
            </tr>
          </thead>
          <tbody>
            {page.stacks.map((stack) => (
              <tr>
                <td>{stack.name}</td>
                <td>
                  <code>{stack.address}</code>
                </td>
                <td>
                  <span class={stack.ok ? 'status-succeeded' : stack.reachability === 'asking' ? 'note' : 'status-unreachable'}>{stack.reachability}</span>
                  {stack.message && <p class="note">{stack.message}</p>}
                </td>
                <td>{stack.ownstack ? `${stack.ownstack.version}${stack.ownstack.commit ? ` (${stack.ownstack.commit})` : ''}` : ''}</td>
                <td>{stack.ownstack?.schemas ?? ''}</td>
                <td>
                  {stack.askedAt ? <When iso={stack.askedAt} now={props.now} /> : ''}
                  {stack.asking && stack.askedAt ? ' (asking again)' : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}

function OwnstackLine(props: { ownstack: OwnstackVersion }) {
  const { ownstack } = props;
  return (
    <>
      ownstack {ownstack.version}
      {ownstack.commit ? ` (${ownstack.commit})` : ''}, schema versions {ownstack.schemas}
    </>
  );
}

function PendingRequests(props: { pipeline: PipelineView; viewer: Viewer; now: Date }) {
  const { pipeline } = props;
  return (
    <section aria-label={`${pipeline.name} requests waiting for approval`}>
      <h3>Waiting for approval</h3>
      <ul>
        {pipeline.requests.map((request) => (
          <li class="card">
            Request {request.label}: {request.source} v{request.releaseId} to {request.targets.join(', ')}, by {request.requestedBy} · expires{' '}
            <When iso={request.expiresAt} now={props.now} />
            {canAct(props.viewer) &&
              (['approve', 'reject'] as const).map((decision) => (
                <form method="post" action={`/pipelines/${encodeURIComponent(pipeline.name)}/requests/${request.id}/${decision}`} class="inline">
                  <input type="hidden" name="csrf" value={props.viewer.csrf} />
                  <button type="submit">{`${decision === 'approve' ? 'Approve' : 'Reject'} ${request.label}`}</button>
                </form>
              ))}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Card(props: { card: PipelineCard; now: Date; promote: boolean }) {
  const { card } = props;
  if (card.kind === 'remote') {
    return (
      <div>
        <strong>
          {card.app}@{card.stack}
        </strong>
        <p>
          Current: <RemoteCurrent remote={card.remote} now={props.now} />
        </p>
      </div>
    );
  }
  return (
    <div>
      <strong>
        <a href={appHref(card.app)}>{card.app}</a>
      </strong>
      {card.problem && <p class="status-failed">{card.problem}</p>}
      {!card.problem && !card.current && <p>No release serves yet.</p>}
      {card.current && <CardRelease label="Current" row={card.current} now={props.now} />}
      {card.latest && <CardRelease label="Latest attempt" row={card.latest} now={props.now} />}
      {props.promote && card.current && (
        <p>
          <a class="button" href={`${appHref(card.app)}/promote`}>Promote {card.app}…</a>
        </p>
      )}
    </div>
  );
}

function CardRelease(props: { label: string; row: ReleaseRow; now: Date }) {
  const { row } = props;
  return (
    <p>
      {props.label}: <a href={logHref(row.app, row.id)}>v{row.id}</a> · {row.kind}
      {row.sha ? ' · ' : ''}
      {row.sha && <code>{row.sha}</code>} · {row.who} · <When iso={row.startedAt} now={props.now} /> · <Status row={row} />
    </p>
  );
}

export function LoginView(props: { name: string; role: string; action: string }) {
  return (
    <Layout title="Sign in">
      <form method="post" action={props.action}>
        <p>This link signs you in once{props.role === 'viewer' ? ', read-only' : ''}.</p>
        <button type="submit">Sign in as {props.name}</button>
      </form>
    </Layout>
  );
}

export function MessageView(props: { title: string; message: string; hint?: string }) {
  return (
    <Layout title={props.title}>
      <p>{props.message}</p>
      {props.hint && (
        <p>
          <code>{props.hint}</code>
        </p>
      )}
    </Layout>
  );
}
