#!/usr/bin/env node
// Gives an app a history of N releases by copying one real record of another app (same schema,
// same size), so the history benchmark reads records exactly like the ones deploys write.
// Usage: seed-history.mjs <template-store-dir> <target-store-dir> <count>
import fs from 'node:fs';
import path from 'node:path';

const [templateDir, targetDir, countArg] = process.argv.slice(2);
const count = Number(countArg);
const template = JSON.parse(fs.readFileSync(path.join(templateDir, 'releases', '1.json'), 'utf8'));
const app = path.basename(targetDir);
fs.mkdirSync(path.join(targetDir, 'releases'), { recursive: true, mode: 0o700 });
for (let id = 1; id <= count; id++) {
  const record = { ...template, id, app, description: `Deploy ${String(id).padStart(7, '0')}` };
  fs.writeFileSync(path.join(targetDir, 'releases', `${id}.json`), `${JSON.stringify(record)}\n`, { mode: 0o600 });
}
fs.writeFileSync(path.join(targetDir, 'state.json'), `${JSON.stringify({ next_id: count + 1, current_id: count, running: [] })}\n`, { mode: 0o600 });
