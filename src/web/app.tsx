import { Hono, type Context as HonoContext } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { JSX } from 'hono/jsx/jsx-runtime';
import { streamSSE } from 'hono/streaming';
import type { Context } from '../lib/context.js';
import { anyAsking, appFromUrl, appHistoryPage, pipelinesView, releaseFromUrl, releaseLog } from '../lib/dashboard/app-pages.js';
import { deploymentsPage, parseDeploymentFilters, parsePage, REMOTE_LIMIT, remoteHistoryOf, remoteMembers } from '../lib/dashboard/deployments.js';
import { parseHistoryAnswer } from '../lib/stacks/history.js';
import { consumeLogin, peekLogin } from '../lib/dashboard/logins.js';
import { Refusal } from '../lib/dashboard/refusal.js';
import { readReleases, releaseRow } from '../lib/dashboard/releases.js';
import { createSession, csrfToken, csrfTokenMatches, endSession, SESSION_IDLE_MS, touchSession, type Session } from '../lib/dashboard/sessions.js';
import { UserError } from '../lib/output/errors.js';
import { CONTENT_SECURITY_POLICY } from './assets.js';
import { AppView, DeploymentsView, LoginView, LogView, MessageView, PipelinesView, RemoteLogView, StacksView } from './views/pages.js';
import type { Viewer } from './views/layout.js';
import { appHref, logHref } from './views/format.js';
import { ActionOutcomeView, DeployConfirmView, PromoteView, RollbackConfirmView, type CommitList } from './views/actions.js';
import { sshActionRunner, type ActionRunner } from './ssh-actions.js';
import { promotionPlanView, promotionWatch, requestFromUrl, promotionAsking, rollbackView, withRemoteTargets } from '../lib/dashboard/actions.js';
import { WEB_USER_OPTION, WEB_USER_SUFFIX, webUserOfSession } from '../lib/identity/web-user.js';
import type { DokkuPaths } from '../lib/dokku/env.js';
import type { TargetDiff } from '../lib/pipelines/diff.js';
import { streamReleaseLog, type StreamOptions } from './log-stream.js';
import { AnswerCache } from '../lib/dashboard/answers.js';
import { remoteLogFromUrl, remoteLogView, remoteLogWords } from '../lib/dashboard/remote-log.js';
import { ASK_TIMEOUT_MS, askHost, askHostText, parsePipelineInfo, parseStackCheck, parseVersion, type AskHost } from '../lib/dashboard/remote.js';
import { stacksPage } from '../lib/dashboard/stacks-page.js';
import { DELIVERY_HEADER, EVENT_HEADER, GITHUB_WEB_USER, MAX_WEBHOOK_BODY, SIGNATURE_HEADER } from '../lib/dashboard/github.js';
import { commandOutcome, finishDelivery, readDeliveries, recordDelivery } from '../lib/dashboard/deliveries.js';
import { decideDelivery } from '../lib/dashboard/webhook.js';

// The dashboard's web app: sign-in, sessions, CSRF and the read-only pages. It reads the ownstack
// store through src/lib/ (pure reads only) and writes nothing but its own sessions and sign-in
// links (ctx.paths.dashboardRoot). Actions are Dokku commands run over ssh with the dashboard's own
// key (ssh-actions.ts), each naming the signed-in deployer with --web-user; never writes here.

export const SESSION_COOKIE = 'ownstack_session';
const SIGN_IN_HINT = 'dokku ownstack:dashboard:login';
/** The app page shows the newest webhook deliveries; the CLI lists them all. */
const DELIVERIES_SHOWN = 10;

export interface DashboardOptions {
  ctx: Context;
  now?: () => Date;
  /** Whether the request came over https: the connection's own scheme, or a trusted proxy's X-Forwarded-Proto. */
  isHttps?: (c: HonoContext) => boolean;
  stream?: Partial<StreamOptions>;
  /** One line per request (method, path without query or token, status, time). */
  log?: (line: string) => void;
  /** Runs a Dokku command for an action (default: over ssh with the dashboard's key). */
  runAction?: ActionRunner;
  /** How long a POSTed action is followed for its new release before the app page is shown. */
  followMs?: number;
  /** The answers about other stacks (lib/dashboard/answers.ts): how long one is fresh, how long a page waits for a first one. */
  answers?: { freshMs?: number; waitMs?: number };
}

type Env = { Variables: { session: Session; secret: string } };

export function createDashboardApp(options: DashboardOptions) {
  const { ctx } = options;
  const root = ctx.paths.dashboardRoot;
  const now = options.now ?? (() => new Date());
  const isHttps = options.isHttps ?? ((c: HonoContext) => new URL(c.req.url).protocol === 'https:');
  const streamOptions: StreamOptions = { pollMs: 1000, maxMs: 2 * 60 * 60 * 1000, keptLogGraceMs: 15_000, ...options.stream };
  const app = new Hono<Env>();

  // The time the app spent on the request, in the log and as Server-Timing (what the benchmark
  // reports beside its client's wall time).
  const write = options.log;
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    const elapsed = performance.now() - started;
    c.header('Server-Timing', `app;dur=${elapsed.toFixed(1)}`);
    write?.(`${c.req.method} ${loggedPath(c.req.path)} ${c.res.status} ${Math.round(elapsed)}ms`);
  });
  app.use(async (c, next) => {
    await next();
    c.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    c.header('X-Content-Type-Options', 'nosniff');
    // Sign-in links carry their token in the path: no page may hand its URL to another site.
    c.header('Referrer-Policy', 'no-referrer');
    c.header('Cache-Control', 'no-store');
  });

  // ---- GitHub push webhooks: a machine endpoint, signed instead of signed in -----------------
  // No session or CSRF token: GitHub signs each delivery with the app's secret (X-Hub-Signature-256),
  // checked over the raw body before anything is parsed. A push to the app's branch runs
  // git:sync --build over ssh as every action does (WHO `github (dashboard)`); GitHub gets 202 at
  // once and the delivery log gets the outcome when the command ends.
  const runAction = options.runAction ?? sshActionRunner(ctx.paths);
  app.post(
    '/hooks/github/:app',
    bodyLimit({ maxSize: MAX_WEBHOOK_BODY, onError: () => { throw new Refusal(400, 'Refused: the payload is too large'); } }),
    async (c) => {
      const decision = decideDelivery(ctx.paths, {
        app: c.req.param('app'),
        body: new Uint8Array(await c.req.arrayBuffer()),
        signature: c.req.header(SIGNATURE_HEADER),
        event: c.req.header(EVENT_HEADER),
        delivery: c.req.header(DELIVERY_HEADER),
        contentType: c.req.header('Content-Type'),
      }, now());
      const { app: hookApp, record, command } = decision;
      if (record && command) {
        let run;
        try {
          run = runAction([...command, WEB_USER_OPTION, GITHUB_WEB_USER]);
        } catch (error) {
          if (!(error instanceof Refusal)) throw error;
          await recordDelivery(ctx.paths, hookApp, { ...record, outcome: 'failed', reason: error.message, finished_at: now().toISOString() });
          throw error;
        }
        await recordDelivery(ctx.paths, hookApp, record);
        void run.exited
          .then((result) => finishDelivery(ctx.paths, hookApp, record.delivery, commandOutcome(result), now()))
          .catch((error: unknown) => write?.(`webhook ${hookApp} ${record.delivery}: its outcome was not recorded: ${String(error).split('\n')[0]}`));
      } else if (record) {
        await recordDelivery(ctx.paths, hookApp, record);
      }
      return c.text(`${decision.text}\n`, decision.status);
    },
  );

  app.use(bodyLimit({ maxSize: 16 * 1024, onError: () => { throw new Refusal(400, 'Request body too large'); } }));

  // ---- sign-in: the only pages without a session ------------------------------------------
  app.get('/login/:token', (c) => {
    const login = peekLogin(root, c.req.param('token'), now());
    if (!login) return linkRefused(c);
    return page(c, <LoginView name={login.name} role={login.role} action={c.req.path} />);
  });

  app.post('/login/:token', async (c) => {
    // A sign-in must come from this dashboard's own page, not from a form on another site.
    if (c.req.header('Sec-Fetch-Site') === 'cross-site') throw new Refusal(403, 'Sign-in refused: the form was posted from another site');
    const login = consumeLogin(root, c.req.param('token'), now());
    if (!login) return linkRefused(c);
    const { secret } = await createSession(root, login, now());
    setCookie(c, SESSION_COOKIE, secret, {
      httpOnly: true,
      sameSite: 'Strict',
      secure: isHttps(c),
      path: '/',
      maxAge: SESSION_IDLE_MS / 1000,
    });
    return c.redirect('/pipelines', 303);
  });

  // ---- everything else needs a session, and every POST its CSRF token -----------------------
  app.use(async (c, next) => {
    const secret = getCookie(c, SESSION_COOKIE);
    const session = await touchSession(root, secret, now());
    if (!session || !secret) {
      return page(c, <MessageView title="Sign in" message="You are not signed in. Run this on the Dokku host (over ssh) and open the link it prints:" hint={SIGN_IN_HINT} />, 401);
    }
    c.set('session', session);
    c.set('secret', secret);
    if (c.req.method === 'POST') {
      const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      const given = body.csrf;
      if (!csrfTokenMatches(secret, typeof given === 'string' ? given : undefined)) throw new Refusal(403, 'Refused: the form has no valid CSRF token (reload the page and try again)');
    }
    await next();
    return undefined;
  });

  const viewer = (c: HonoContext<Env>): Viewer => ({ name: c.var.session.name, role: c.var.session.role, csrf: csrfToken(c.var.secret) });

  app.post('/logout', (c) => {
    endSession(root, c.var.secret);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return page(c, <MessageView title="Signed out" message="You are signed out. A new sign-in link comes from:" hint={SIGN_IN_HINT} />);
  });

  app.get('/', (c) => c.redirect('/pipelines', 302));

  // ---- other stacks: asked through this host over the actions' ssh path, never waited on ---------
  const askHostRead: AskHost = (words) => runAction(words, { timeoutMs: ASK_TIMEOUT_MS }).exited;
  const answerOptions = { freshMs: 15_000, waitMs: 2_000, ...options.answers, now };
  const pipelineAnswers = new AnswerCache((pipeline) => askHost(askHostRead, ['pipeline:info', pipeline, '--format', 'json'], parsePipelineInfo), answerOptions);
  // stacks:check exits 1 for a stack that did not answer, with its JSON line all the same
  const stackAnswers = new AnswerCache((stack) => askHost(askHostRead, ['stacks:check', stack, '--format', 'json'], parseStackCheck, [0, 1]), answerOptions);
  const hostAnswers = new AnswerCache(() => askHost(askHostRead, ['ownstack:version', '--format', 'json'], parseVersion), answerOptions);
  // The commit list of a promotion names other stacks' releases too: the same bound for its page.
  // Keyed `<app> v<source release>`, so a new source release is a new question.
  const commitAnswers = new AnswerCache((key) => commitList(runAction, key.split(' ')[0]), answerOptions);
  // Keyed `<app>@<stack>`: the newest releases of an app on another stack, for the Deployments page.
  const historyAnswers = new AnswerCache(
    (member) => askHost(askHostRead, ['ownstack:history', member, '--format', 'json', '--limit', String(REMOTE_LIMIT)], parseHistoryAnswer),
    answerOptions,
  );
  // Keyed `<app>@<stack> <id>`: a log of a release on another stack. Logs are large: few are kept.
  const remoteLogAnswers = new AnswerCache((key) => askHostText(askHostRead, ['ownstack:deploy-log', ...key.split(' ')]), { ...answerOptions, maxAnswers: 20 });

  app.get('/pipelines', async (c) => {
    const pipelines = await pipelinesView(ctx, now(), (pipeline) => pipelineAnswers.read(pipeline));
    return page(c, <PipelinesView pipelines={pipelines} asking={anyAsking(pipelines)} viewer={viewer(c)} now={now()} />);
  });

  app.get('/stacks', async (c) => {
    const view = await stacksPage(ctx, (stack) => stackAnswers.read(stack), () => hostAnswers.read('here'));
    return page(c, <StacksView page={view} viewer={viewer(c)} now={now()} />);
  });

  app.get('/deployments', async (c) => {
    const filters = parseDeploymentFilters(singleValues(c.req.queries()));
    // all asked side by side, each bounded by the first wait
    const remote = await Promise.all(remoteMembers(ctx.paths, filters).map(async (member) => remoteHistoryOf(member, await historyAnswers.read(member))));
    return page(c, <DeploymentsView page={deploymentsPage(ctx.paths, filters, remote)} viewer={viewer(c)} now={now()} />);
  });

  app.get('/apps/:app', (c) => {
    const reader = appFromUrl(ctx, c.req.param('app'));
    const pageNumber = parsePage(singleValues(c.req.queries()).page);
    const deliveries = readDeliveries(ctx.paths, reader.app).slice(0, DELIVERIES_SHOWN);
    return page(c, <AppView page={appHistoryPage(ctx, reader, pageNumber)} deliveries={deliveries} viewer={viewer(c)} now={now()} />);
  });

  app.get('/apps/:app/releases/:id/log', (c) => {
    const reader = appFromUrl(ctx, c.req.param('app'));
    const record = releaseFromUrl(reader, c.req.param('id'));
    const log = releaseLog(ctx, reader, record);
    const row = releaseRow(record, reader.currentId());
    const streamHref = `${logHref(row.app, row.id)}/stream?from=${log?.length ?? 0}`;
    return page(c, <LogView row={row} log={log} viewer={viewer(c)} now={now()} streamHref={streamHref} />);
  });

  app.get('/stacks/:stack/apps/:app/releases/:id/log', async (c) => {
    const ref = remoteLogFromUrl(ctx.paths, c.req.param('stack'), c.req.param('app'), c.req.param('id'));
    const reading = await remoteLogAnswers.read(remoteLogWords(ref).slice(1).join(' '));
    return page(c, <RemoteLogView log={remoteLogView(ref, reading)} href={c.req.path} viewer={viewer(c)} now={now()} />);
  });

  // ---- actions: Dokku commands over ssh as the signed-in deployer (--web-user) ---------------
  const followMs = options.followMs ?? 60_000;
  const actor = (c: HonoContext<Env>): string => {
    const session = c.var.session;
    if (session.role !== 'deployer') throw new Refusal(403, 'Refused: this session is read-only (a viewer cannot act)');
    const name = webUserOfSession(session.name);
    if (!name) throw new Refusal(403, `Refused: the name of this session cannot be given to Dokku as a web user; sign in with an ssh key's link`);
    return name;
  };
  /** Runs the command, then shows the first new release of WATCH (its live log), or the outcome. */
  const act = async (c: HonoContext<Env>, app: string, words: string[], watch: string[], title: string) => {
    const name = actor(c);
    const before = new Map(watch.map((member) => [member, readReleases(ctx.paths, member).readState().next_id]));
    const run = runAction([...words, WEB_USER_OPTION, name]);
    const release = await followNewRelease(ctx.paths, before, `${name}${WEB_USER_SUFFIX}`, run.exited, followMs);
    if (release) return c.redirect(logHref(release.app, release.id), 303);
    const result = await Promise.race([run.exited, Promise.resolve(undefined)]);
    if (!result) return c.redirect(appHref(app), 303);
    return page(c, <ActionOutcomeView title={title} app={app} command={words.join(' ')} code={result.code} output={result.output} viewer={viewer(c)} />, result.code === 0 ? 200 : 502);
  };

  app.get('/apps/:app/promote', async (c) => {
    actor(c);
    const reader = appFromUrl(ctx, c.req.param('app'));
    const plan = promotionPlanView(ctx, reader);
    // both bounded by the first wait, side by side
    const [remote, commits] = await Promise.all([
      plan.targets.some((target) => target.stack) ? pipelineAnswers.read(plan.pipeline) : undefined,
      commitAnswers.read(`${reader.app} v${plan.source.id}`),
    ]);
    const shown = withRemoteTargets(plan, remote?.answer?.value);
    return page(
      c,
      <PromoteView
        plan={shown}
        commits={commits.answer?.value}
        commitsAt={commits.answer?.at.toISOString()}
        asking={promotionAsking(shown, commits.answer !== undefined)}
        viewer={viewer(c)}
        now={now()}
        action={c.req.path}
      />,
    );
  });

  app.post('/apps/:app/promote', async (c) => {
    actor(c);
    const reader = appFromUrl(ctx, c.req.param('app'));
    const plan = promotionPlanView(ctx, reader);
    return act(c, reader.app, ['pipeline:promote', reader.app], promotionWatch(plan), `Promote ${reader.app}`);
  });

  app.get('/apps/:app/releases/:id/rollback', (c) => {
    actor(c);
    const reader = appFromUrl(ctx, c.req.param('app'));
    const view = rollbackView(reader, releaseFromUrl(reader, c.req.param('id')));
    return page(c, <RollbackConfirmView app={reader.app} view={view} viewer={viewer(c)} now={now()} action={c.req.path} />);
  });

  app.post('/apps/:app/releases/:id/rollback', async (c) => {
    actor(c);
    const reader = appFromUrl(ctx, c.req.param('app'));
    const view = rollbackView(reader, releaseFromUrl(reader, c.req.param('id')));
    return act(c, reader.app, ['ownstack:rollback', reader.app, String(view.target.id)], [reader.app], `Roll back ${reader.app}`);
  });

  app.get('/apps/:app/deploy', (c) => {
    actor(c);
    const reader = appFromUrl(ctx, c.req.param('app'));
    return page(c, <DeployConfirmView app={reader.app} viewer={viewer(c)} action={c.req.path} />);
  });

  app.post('/apps/:app/deploy', async (c) => {
    actor(c);
    const reader = appFromUrl(ctx, c.req.param('app'));
    return act(c, reader.app, ['ownstack:rebuild', reader.app], [reader.app], `Deploy ${reader.app}`);
  });

  for (const decision of ['approve', 'reject'] as const) {
    app.post(`/pipelines/:pipeline/requests/:id/${decision}`, async (c) => {
      actor(c);
      const request = requestFromUrl(ctx, c.req.param('pipeline'), c.req.param('id'), now());
      // An approval deploys to the request's targets here; a rejection adds no release.
      const watch = decision === 'approve' ? request.targets.filter((target) => !target.includes('@')) : [];
      const title = `${decision === 'approve' ? 'Approve' : 'Reject'} request ${request.label}`;
      return act(c, request.targets[0]?.split('@')[0] ?? request.source, [`pipeline:${decision}`, request.pipeline, request.label], watch, title);
    });
  }

  app.get('/apps/:app/releases/:id/log/stream', (c) => {
    const reader = appFromUrl(ctx, c.req.param('app'));
    const record = releaseFromUrl(reader, c.req.param('id'));
    const rawFrom = singleValues(c.req.queries()).from ?? '0';
    if (!/^[0-9]{1,12}$/.test(rawFrom)) throw new Refusal(400, 'Invalid from: expected a character offset');
    return streamSSE(c, (stream) => streamReleaseLog(stream, ctx, reader, record.id, Number(rawFrom), streamOptions));
  });

  // ---- one answer for every refusal and failure: one line, never a stack -------------------
  app.notFound((c) => c.text('Not found\n', 404));
  app.onError((error, c) => {
    if (error instanceof Refusal) return c.text(`${error.message}\n`, error.status);
    // A store problem the lib names (a corrupt file, an unreadable record): its one line.
    if (error instanceof UserError) return c.text(`${error.message}\n`, 500);
    console.error(`dashboard: ${c.req.method} ${loggedPath(c.req.path)}: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`);
    return c.text('Internal error\n', 500);
  });

  return app;
}

function linkRefused(c: HonoContext) {
  return page(
    c,
    <MessageView title="Sign-in link not valid" message="This sign-in link was already used, has expired (links last 10 minutes) or is unknown. Get a new one with:" hint={SIGN_IN_HINT} />,
    401,
  );
}

async function page(c: HonoContext, element: JSX.Element, status: 200 | 401 | 502 = 200) {
  return c.html(`<!DOCTYPE html>${String(await element)}`, status);
}

/**
 * The first release the action added to one of the watched apps (their next IDs before it ran):
 * a new record whose WHO is this web user's, so a deploy someone else started meanwhile is not
 * taken for it. Undefined once the command has ended without one or FOLLOW_MS have passed. The
 * store is read, never written; a promotion that waits for approval adds none.
 */
async function followNewRelease(
  paths: DokkuPaths,
  before: Map<string, number>,
  who: string,
  exited: Promise<unknown>,
  followMs: number,
): Promise<{ app: string; id: number } | undefined> {
  const deadline = Date.now() + followMs;
  let done = false;
  void exited.then(() => { done = true; });
  for (;;) {
    const finished = done;
    for (const [member, firstNew] of before) {
      const reader = readReleases(paths, member);
      const nextId = reader.readState().next_id;
      for (let id = firstNew; id < nextId; id += 1) if (reader.get(id)?.who === who) return { app: member, id };
    }
    if (finished || Date.now() > deadline) return undefined;
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 200))]);
  }
}

/** `pipeline:diff <app> --format json`, asked the way every action is (a read, through Dokku). */
async function commitList(runAction: ActionRunner, app: string): Promise<CommitList> {
  let result;
  try {
    result = await runAction(['pipeline:diff', app, '--format', 'json'], { timeoutMs: ASK_TIMEOUT_MS }).exited;
  } catch (error) {
    return { ok: false, why: error instanceof Error ? error.message : String(error) };
  }
  const lines = result.stdout.trim().split('\n');
  if (result.code !== 0) return { ok: false, why: result.output.trim().split('\n').pop()?.replace(/^\s*!\s*/, '') ?? `exit ${result.code}` };
  try {
    return { ok: true, diffs: JSON.parse(lines.pop() ?? '[]') as TargetDiff[] };
  } catch {
    return { ok: false, why: 'pipeline:diff gave no JSON' };
  }
}

/** Query parameters given once; a repeated one is refused rather than silently picking one. */
function singleValues(queries: Record<string, string[]>): Record<string, string | undefined> {
  const values: Record<string, string | undefined> = {};
  for (const [key, list] of Object.entries(queries)) {
    if (list.length > 1) throw new Refusal(400, `Invalid query: ${key.slice(0, 40).replace(/[^\x20-\x7e]/g, '?')} is given more than once`);
    values[key] = list[0];
  }
  return values;
}

/** The path as logged: a sign-in link's token never reaches a log. */
export function loggedPath(path: string): string {
  return path.startsWith('/login/') ? '/login/…' : path.slice(0, 200);
}
