import type { Child } from 'hono/jsx';
import { CSS } from '../assets.js';

// The one layout: nav (Pipelines, Deployments, Stacks), who is signed in, and the sign-out form.

export interface Viewer {
  name: string;
  role: string;
  csrf: string;
}

export function Layout(props: { title: string; nav?: 'pipelines' | 'deployments' | 'stacks'; viewer?: Viewer; children?: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · ownstack`}</title>
        <style dangerouslySetInnerHTML={{ __html: CSS }} />
      </head>
      <body>
        <header>
          <strong>ownstack</strong>
          {props.viewer && (
            <nav aria-label="Main">
              <a href="/pipelines" aria-current={props.nav === 'pipelines' ? 'page' : undefined}>Pipelines</a>
              <a href="/deployments" aria-current={props.nav === 'deployments' ? 'page' : undefined}>Deployments</a>
              <a href="/stacks" aria-current={props.nav === 'stacks' ? 'page' : undefined}>Stacks</a>
            </nav>
          )}
          {props.viewer && (
            <span class="who">
              Signed in as {props.viewer.name} ({props.viewer.role}){' '}
              <form method="post" action="/logout">
                <input type="hidden" name="csrf" value={props.viewer.csrf} />
                <button type="submit">Sign out</button>
              </form>
            </span>
          )}
        </header>
        <main>
          <h1>{props.title}</h1>
          {props.children}
        </main>
      </body>
    </html>
  );
}
