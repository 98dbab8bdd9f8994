#!/usr/bin/env node
// A webhook receiver for test/e2e/notify.bats, on 127.0.0.1 (a random free port, written to
// DIR/port). Every request is appended to DIR/requests.jsonl (method, url, headers, the body in
// base64 so its exact bytes can be signed again). How it answers is read from DIR/mode at each
// request:
//   ok     200
//   fail   500
//   slack  Slack's incoming-webhook rule: a JSON object with a non-empty string `text` gets 200
//          "ok", anything else 400 "invalid_payload"; the verdict is recorded as slack_ok
//   hang   no answer: the connection is held; DIR/open counts held connections still open
// SIGUSR1 answers every held request according to the mode in force then.
// Usage: webhook-listener.mjs DIR
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const dir = process.argv[2];
const held = new Set();
const mode = () => fs.readFileSync(path.join(dir, 'mode'), 'utf8').trim();
const writeOpen = () => fs.writeFileSync(path.join(dir, 'open'), `${held.size}\n`);

function slackVerdict(req, body) {
  if (!/^application\/json/.test(req.headers['content-type'] ?? '')) return false;
  try {
    const parsed = JSON.parse(body.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && typeof parsed.text === 'string' && parsed.text.length > 0;
  } catch {
    return false;
  }
}

function answer(req, res, body, current) {
  if (current === 'slack') {
    const ok = slackVerdict(req, body);
    res.writeHead(ok ? 200 : 400, { 'Content-Type': 'text/plain' }).end(ok ? 'ok' : 'invalid_payload');
    return ok;
  }
  res.writeHead(current === 'fail' ? 500 : 200, { 'Content-Type': 'text/plain' }).end(current === 'fail' ? 'server error' : 'ok');
  return undefined;
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const current = mode();
    const entry = { method: req.method, url: req.url, headers: req.headers, body_b64: body.toString('base64'), mode: current };
    if (current === 'hang') {
      const item = { req, res, body };
      held.add(item);
      res.on('close', () => {
        held.delete(item);
        writeOpen();
      });
      writeOpen();
    } else {
      const verdict = answer(req, res, body, current);
      if (verdict !== undefined) entry.slack_ok = verdict;
    }
    fs.appendFileSync(path.join(dir, 'requests.jsonl'), `${JSON.stringify(entry)}\n`);
  });
});

process.on('SIGUSR1', () => {
  const current = mode();
  for (const item of [...held]) answer(item.req, item.res, item.body, current);
});
process.on('SIGTERM', () => process.exit(0));

server.listen(0, '127.0.0.1', () => {
  writeOpen();
  fs.writeFileSync(path.join(dir, 'port.tmp'), `${server.address().port}\n`);
  fs.renameSync(path.join(dir, 'port.tmp'), path.join(dir, 'port'));
});
