import type { PromotionPlanView, RollbackView } from '../../lib/dashboard/actions.js';
import type { ReleaseRow } from '../../lib/dashboard/releases.js';
import type { TargetDiff } from '../../lib/pipelines/diff.js';
import { Layout, type Viewer } from './layout.js';
import { appHref, logHref, stageTitle } from './format.js';
import { AskingNotice, RemoteCurrent, Status, When } from './release.js';

// The confirmation pages of the actions and the page for an action that deployed nothing. Each
// confirmation says what will happen and the Dokku command that does it; only its form's POST acts.

function ActionForm(props: { action: string; csrf: string; label: string }) {
  return (
    <form method="post" action={props.action}>
      <input type="hidden" name="csrf" value={props.csrf} />
      <button type="submit">{props.label}</button>
    </form>
  );
}

function ReleaseLine(props: { row: ReleaseRow; now: Date }) {
  const { row } = props;
  return (
    <>
      <a href={logHref(row.app, row.id)}>v{row.id}</a> · {row.kind}
      {row.sha ? ' · ' : ''}
      {row.sha && <code>{row.sha}</code>} · {row.who} · <When iso={row.startedAt} now={props.now} /> · <Status row={row} />
    </>
  );
}

export type CommitList = { ok: true; diffs: TargetDiff[] } | { ok: false; why: string };

export function PromoteView(props: {
  plan: PromotionPlanView;
  commits: CommitList | undefined;
  commitsAt: string | undefined;
  asking: boolean;
  viewer: Viewer;
  now: Date;
  action: string;
}) {
  const { plan, commits, asking } = props;
  const source = plan.source;
  return (
    <Layout title={`Promote ${source.app}`} nav="pipelines" viewer={props.viewer}>
      {asking && <AskingNotice href={props.action} />}
      <p>
        Pipeline {plan.pipeline}: <strong>{source.app}</strong> <ReleaseLine row={source} now={props.now} />
      </p>
      <p>
        Image: <code>{plan.image}</code> (deployed as is, without a rebuild)
      </p>
      <h2>Goes to</h2>
      <ul id="promote-targets">
        {plan.targets.map((target) => (
          <li>
            <strong>{target.stack ? `${target.app}@${target.stack}` : target.app}</strong> ({stageTitle(target.stage)}), now{' '}
            {target.remote ? <RemoteCurrent remote={target.remote} now={props.now} /> : target.current ? <ReleaseLine row={target.current} now={props.now} /> : 'no release'}
          </li>
        ))}
      </ul>
      <h2>Guards</h2>
      {plan.guards.length === 0 ? <p>No promotion guard is set on pipeline {plan.pipeline}.</p> : <ul>{plan.guards.map((guard) => <li>{guard}</li>)}</ul>}
      <h2>Commits</h2>
      {!commits ? (
        <p class="note">The commit list is still being read (it asks other stacks for their releases).</p>
      ) : commits.ok ? (
        <CommitsView diffs={commits.diffs} />
      ) : (
        <p class="note">The commit list could not be read: {commits.why}</p>
      )}
      {props.commitsAt && (
        <p class="note">
          Read <When iso={props.commitsAt} now={props.now} />.
        </p>
      )}
      <p>
        This runs <code>dokku pipeline:promote {source.app}</code> as you.
      </p>
      <ActionForm action={props.action} csrf={props.viewer.csrf} label={`Promote v${source.id} to ${plan.targets.map((t) => (t.stack ? `${t.app}@${t.stack}` : t.app)).join(', ')}`} />
    </Layout>
  );
}

function CommitsView(props: { diffs: TargetDiff[] }) {
  return (
    <>
      {props.diffs.map((diff) => (
        <section aria-label={`Commits for ${diff.target}`}>
          <h3>
            {diff.target}: {diff.state}
          </h3>
          {diff.reason && <p class="note">{diff.reason}</p>}
          {diff.commits.length > 0 && (
            <ul class="commits">
              {diff.commits.map((commit) => (
                <li>
                  <code>{commit.sha.slice(0, 7)}</code> {commit.subject} ({commit.author})
                </li>
              ))}
            </ul>
          )}
          {diff.more > 0 && <p class="note">and {diff.more} more</p>}
        </section>
      ))}
    </>
  );
}

export function RollbackConfirmView(props: { app: string; view: RollbackView; viewer: Viewer; now: Date; action: string }) {
  const { view, app } = props;
  return (
    <Layout title={`Roll back ${app} to v${view.target.id}`} viewer={props.viewer}>
      <p>
        {app} now runs v{view.currentId}. Rolling back deploys <ReleaseLine row={view.target} now={props.now} /> again, from its kept image, without a
        rebuild, as a new release.
      </p>
      {view.warning && (
        <p class="status-failed" role="alert">
          {view.warning}
        </p>
      )}
      <p>
        This runs <code>dokku ownstack:rollback {app} {view.target.id}</code> as you. To undo it: roll back to v{view.currentId} (
        <code>dokku ownstack:rollback {app} {view.currentId}</code>).
      </p>
      <ActionForm action={props.action} csrf={props.viewer.csrf} label={`Roll back ${app} to v${view.target.id}`} />
    </Layout>
  );
}

export function DeployConfirmView(props: { app: string; viewer: Viewer; action: string }) {
  return (
    <Layout title={`Deploy ${props.app} now`} viewer={props.viewer}>
      <p>
        Rebuilds {props.app} from its source and deploys it as a new release (Dokku's <code>ps:rebuild</code>; this runs{' '}
        <code>dokku ownstack:rebuild {props.app}</code> as you).
      </p>
      <ActionForm action={props.action} csrf={props.viewer.csrf} label={`Deploy ${props.app} now`} />
    </Layout>
  );
}

export function ActionOutcomeView(props: { title: string; app: string; command: string; code: number; output: string; viewer: Viewer }) {
  return (
    <Layout title={props.title} viewer={props.viewer}>
      <p role="status">
        <code>dokku {props.command}</code> {props.code === 0 ? 'finished' : `failed (exit ${props.code})`} without a new release.{' '}
        <a href={appHref(props.app)}>Back to {props.app}</a>
      </p>
      <pre class="log" role="region" tabindex={0} aria-label="Command output">
        {props.output}
      </pre>
    </Layout>
  );
}
