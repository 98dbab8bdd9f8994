#!/usr/bin/env node
// Compares the trigger calls of a real Dokku 0.38 trace (NN-flow.enter.log)
// with the test host's events log for the same flow.
//
//   node compare-events.mjs EXPECTED.enter.log ACTUAL.log [--map ACTUAL=TRACE ...]
//
// --map renames the test's app/image names to the trace's (e.g. --map t1-x9=t1).
// Only triggers a deploy plugin can see are compared (COMPARED). Arguments and
// DOKKU_BUILD_ID/DOKKU_BUILD_SOURCE are normalized: temp dirs, SHAs, container
// ids, build ids, pids and IPs become numbered placeholders in order of first
// appearance, so "the same id in both places" is still checked. Exits 1, with
// both sequences side by side, when they differ.
import { readFileSync } from "node:fs";

const COMPARED = new Set([
  "builds-generate-id", "builds-record-start", "builds-record-finalize", "receive-app",
  "git-from-image", "git-from-directory", "core-post-extract", "post-extract", "pre-receive-app",
  "builder-build", "pre-build", "post-build", "release-and-deploy", "builder-release",
  "pre-release-builder", "post-release-builder", "ps-can-scale", "pre-deploy", "deploy",
  "scheduler-deploy", "check-deploy", "scheduler-register-retired", "core-post-deploy",
  "post-deploy", "domains-urls", "deploy-source-set", "post-create", "git-has-code",
  "post-app-clone-setup", "post-app-clone", "post-app-rename-setup", "post-app-rename",
  "pre-delete", "scheduler-stop", "scheduler-post-delete", "post-delete", "scheduler-retire",
]);

const LINE = /^\d+ (\S+) argv=(\[.*\]) user=\S* DOKKU_PID=\S* DOKKU_BUILD_ID=(\S*) DOKKU_BUILD_SOURCE=(\S*)/;

function parse(text, renames) {
  const calls = [];
  for (let line of text.split("\n")) {
    for (const [from, to] of renames) line = line.split(from).join(to);
    const m = LINE.exec(line);
    if (!m || !COMPARED.has(m[1])) continue;
    calls.push({ trigger: m[1], args: JSON.parse(m[2]), buildId: m[3], source: m[4] });
  }
  return calls;
}

// Placeholders numbered per kind in order of first appearance.
// Build ids are recognised by where they occur (DOKKU_BUILD_ID, the id
// argument of builds-record-*), not by their shape.
function buildIds(calls) {
  const ids = new Set();
  for (const call of calls) {
    if (call.buildId !== "<unset>" && call.buildId !== "") ids.add(call.buildId);
    if (call.trigger.startsWith("builds-record-") && call.args[1]) ids.add(call.args[1]);
  }
  return ids;
}

function normalizer(ids) {
  const seen = new Map();
  const label = (kind, value) => {
    const key = `${kind}:${value}`;
    if (!seen.has(key)) seen.set(key, `<${kind}${[...seen.keys()].filter((k) => k.startsWith(kind + ":")).length + 1}>`);
    return seen.get(key);
  };
  const value = (v) => {
    let m;
    if ((m = /^.*\/dokku-\d+-([A-Za-z_-]+)\.[A-Za-z0-9]{6}$/.exec(v))) return label(`tmp:${m[1]}`, v);
    if (/^[0-9a-f]{40}$/.test(v)) return label("sha", v);
    if (/^[0-9a-f]{64}$/.test(v)) return label("cid", v);
    if (/^\d{1,3}(\.\d{1,3}){3}$/.test(v)) return "<ip>";
    if (ids.has(v)) return label("build", v);
    return v;
  };
  return (call) => {
    const args = call.args.map(value);
    if (call.trigger === "builds-record-start" && args.length > 2) args[2] = "<pid>";
    const buildId = call.buildId === "<unset>" ? "<unset>" : value(call.buildId);
    return `${call.trigger} ${JSON.stringify(args)} build=${buildId} source=${call.source}`;
  };
}

function main(argv) {
  const [expectedPath, actualPath, ...rest] = argv;
  if (!expectedPath || !actualPath) {
    console.error("usage: compare-events.mjs EXPECTED.enter.log ACTUAL.log [--map ACTUAL=TRACE ...]");
    return 2;
  }
  const renames = [];
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === "--map") renames.push(rest[++i].split("="));
  }
  renames.sort((a, b) => b[0].length - a[0].length); // longest names first
  const normalized = (calls) => calls.map(normalizer(buildIds(calls)));
  const expected = normalized(parse(readFileSync(expectedPath, "utf8"), []));
  const actual = normalized(parse(readFileSync(actualPath, "utf8"), renames));
  const length = Math.max(expected.length, actual.length);
  let differs = expected.length !== actual.length;
  const rows = [];
  for (let i = 0; i < length; i++) {
    const same = expected[i] === actual[i];
    differs ||= !same;
    rows.push(`${same ? "  " : "!!"} ${String(i + 1).padStart(3)} trace: ${expected[i] ?? "(none)"}`);
    if (!same) rows.push(`       host:  ${actual[i] ?? "(none)"}`);
  }
  if (differs) {
    console.log(`trigger sequence differs from ${expectedPath}:`);
    console.log(rows.join("\n"));
    return 1;
  }
  console.log(`${expected.length} trigger calls match ${expectedPath}`);
  return 0;
}

process.exit(main(process.argv.slice(2)));
