import crypto from 'node:crypto';

// The only CSS and script the pages carry: constants, inline, allowed by their hashes in the
// Content-Security-Policy (no other script or style can run, whatever a page happens to contain).

export const CSS = `
:root{color-scheme:light;font-family:system-ui,sans-serif;color:#1a1a1a;background:#fff}
body{margin:0}
header{display:flex;flex-wrap:wrap;gap:1rem;align-items:center;padding:.5rem 1rem;background:#1d2b3a;color:#fff}
header a{color:#fff}
header nav a{margin-right:1rem;font-weight:600}
header nav a[aria-current=page]{text-decoration:underline 3px}
header .who{margin-left:auto}
header form{display:inline}
main{padding:1rem;max-width:80rem}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #ccc;vertical-align:top}
code,pre{font-family:ui-monospace,monospace}
pre.log{background:#f4f4f4;color:#1a1a1a;padding:.75rem;overflow-x:auto;white-space:pre-wrap;border:1px solid #ccc}
.status-failed{color:#a4000f;font-weight:600}
.status-running{color:#7a4d00;font-weight:600}
.status-succeeded{color:#1b5e20}
.status-expired{color:#555}
.status-mixed,.status-unreachable{color:#a4000f;font-weight:600}
.stages{display:grid;grid-template-columns:repeat(4,minmax(12rem,1fr));gap:1rem}
.stages ul{list-style:none;padding:0;margin:0}
.card{border:1px solid #999;border-radius:4px;padding:.5rem;margin-bottom:.5rem}
.filters{display:flex;flex-wrap:wrap;gap:1rem;align-items:end;margin-bottom:1rem}
.filters label{display:flex;flex-direction:column}
.note{color:#444}
a{color:#0645ad}
form.inline{display:inline;margin-left:.5rem}
a.button{display:inline-block;padding:.2rem .6rem;border:1px solid #0645ad;border-radius:4px;text-decoration:none}
`;

/** Streams a running release's log (Server-Sent Events) into the page; inert text only. */
export const LOG_SCRIPT = `
(function(){
  var log=document.getElementById('log');var status=document.getElementById('log-status');
  if(!log||!status||!window.EventSource)return;
  var source=new EventSource(log.getAttribute('data-stream'));
  source.addEventListener('line',function(e){log.appendChild(document.createTextNode(e.data+'\\n'));});
  source.addEventListener('status',function(e){
    var header=document.getElementById('release-status');var space=e.data.indexOf(' ');
    if(!header||space<1)return;
    header.className='status-'+e.data.slice(0,space);header.textContent=e.data.slice(space+1);
  });
  source.addEventListener('end',function(e){source.close();status.textContent=e.data;});
  source.onerror=function(){source.close();};
  status.textContent='This release is running; new lines appear below as they come.';
})();
`;

/** Reloads a page that waits for a first answer from other stacks (it says so; without JavaScript, a Refresh link). */
export const ASKING_SCRIPT = `
(function(){
  if(!document.querySelector('[data-asking]'))return;
  setTimeout(function(){window.location.reload();},3000);
})();
`;

const hash = (text: string) => `'sha256-${crypto.createHash('sha256').update(text).digest('base64')}'`;

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `style-src ${hash(CSS)}`,
  `script-src ${hash(LOG_SCRIPT)} ${hash(ASKING_SCRIPT)}`,
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');
