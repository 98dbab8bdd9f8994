import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createContext, type Context } from '../../src/lib/context.js';
import { runSender } from '../../src/lib/notifications/deliver.js';
import { outboxDir, outboxFile, queuedEventIds } from '../../src/lib/notifications/outbox.js';
import { openStore } from '../../src/lib/releases/store.js';

// The background sender against a temporary Dokku layout, with real files and real flock(1);
// only the HTTP delivery is replaced, by one that notes the event and takes it off the outbox as
// the real one does.

const APP = 'myapp';
let root: string;
let ctx: Context;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ownstack-sender-'));
  ctx = createContext({ DOKKU_ROOT: path.join(root, 'home'), DOKKU_LIB_ROOT: path.join(root, 'lib'), SSH_NAME: 'alice', SSH_USER: 'dokku' });
  fs.mkdirSync(path.join(root, 'home', APP), { recursive: true });
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

function queue(): string {
  const id = randomUUID();
  fs.mkdirSync(outboxDir(ctx, APP), { recursive: true });
  fs.writeFileSync(outboxFile(ctx, APP, id), '{}\n');
  return id;
}

/** A delivery that records what it sent; `gate` lets a test hold one open. */
function recordingDelivery(gate?: Promise<void>) {
  const sent: string[] = [];
  let firstSent: () => void = () => undefined;
  const first = new Promise<void>((resolve) => (firstSent = resolve));
  const deliver = async (_ctx: Context, app: string, id: string) => {
    sent.push(id);
    firstSent();
    if (gate) await gate;
    fs.rmSync(outboxFile(ctx, app, id));
  };
  return { sent, first, deliver };
}

describe('the notification sender', () => {
  it('sends every queued event once and stops when no release is running', async () => {
    const ids = [queue(), queue(), queue()];
    const { sent, deliver } = recordingDelivery();
    await runSender(ctx, APP, { deliver });
    expect([...sent].sort()).toEqual([...ids].sort());
    expect(queuedEventIds(ctx, APP)).toEqual([]);
  });

  it('stays while a release runs: its end event goes to the same sender, and a second one sends nothing', async () => {
    const store = openStore(ctx, APP);
    const release = await store.create({ kind: 'push', build_id: 'b1', pid: null, phase: 'build' });
    const start = queue();
    let open: () => void = () => undefined;
    const { sent, first, deliver } = recordingDelivery(new Promise((resolve) => (open = resolve)));
    const sender = runSender(ctx, APP, { deliver });
    await first; // the start event is being sent, and held open

    const other = recordingDelivery();
    await runSender(ctx, APP, { deliver: other.deliver });
    expect(other.sent).toEqual([]); // the outbox is taken: it left at once

    await store.update(release.id, (draft) => void (draft.status = 'succeeded'));
    const end = queue(); // written after the release ended, as the store does
    open();
    await sender;
    expect(sent).toEqual([start, end]);
    expect(queuedEventIds(ctx, APP)).toEqual([]);
  });

  it('waits for a running release no longer than its linger time', async () => {
    await openStore(ctx, APP).create({ kind: 'push', build_id: 'b1', pid: null, phase: 'build' });
    const id = queue();
    const { sent, deliver } = recordingDelivery();
    await runSender(ctx, APP, { deliver, lingerMs: 0 });
    expect(sent).toEqual([id]);
  });

  it('has nothing to do for an app without an outbox', async () => {
    const { sent, deliver } = recordingDelivery();
    await runSender(ctx, APP, { deliver });
    expect(sent).toEqual([]);
  });
});
