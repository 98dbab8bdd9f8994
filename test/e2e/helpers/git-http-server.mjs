#!/usr/bin/env node
// A read-only static file server on 127.0.0.1 (a free port, printed as the first line of stdout):
// bare git repositories under ROOT, prepared with `git update-server-info`, are fetched from it
// with git's dumb HTTP protocol, as git:sync fetches a GitHub repository over https.
// Usage: git-http-server.mjs ROOT
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const root = fs.realpathSync(process.argv[2]);

const server = http.createServer((req, res) => {
  const file = path.resolve(root, `.${decodeURIComponent(new URL(req.url, 'http://x').pathname)}`);
  if ((req.method !== 'GET' && req.method !== 'HEAD') || !file.startsWith(`${root}/`) || !fs.statSync(file, { throwIfNoEntry: false })?.isFile()) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
  if (req.method === 'HEAD') res.end();
  else fs.createReadStream(file).pipe(res);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
