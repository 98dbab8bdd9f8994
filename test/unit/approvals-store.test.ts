import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addRequest, emptyRequests, updateRequest } from '../../src/lib/approvals/model.js';
import { expireDueRequests, LABEL_REQUEST, pinRequestImage, type PinSeam } from '../../src/lib/approvals/pins.js';
import { readRequests, updateRequests } from '../../src/lib/approvals/store.js';
import { createContext, type Context } from '../../src/lib/context.js';
import { refusal } from './support.js';

// The requests file in a temporary directory, and the pins against a stand-in docker engine
// (containers in memory).

const IMAGE = `sha256:${'cd'.repeat(32)}`;
const T0 = new Date('2025-01-01T00:00:00.000Z');
const HOUR = 3_600_000;

let root: string;
let ctx: Context;
let containers: Map<string, { image: string; labels: Record<string, string> }>;
let seam: PinSeam;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ownstack-requests-'));
  ctx = createContext({ DOKKU_ROOT: path.join(root, 'home'), DOKKU_LIB_ROOT: path.join(root, 'lib'), DOKKU_PID: '1' });
  containers = new Map();
  seam = {
    createHoldingContainer: async (name, image, labels) => {
      if (containers.has(name)) throw new Error(`Conflict. The container name "/${name}" is already in use`);
      containers.set(name, { image, labels });
      return { id: `id-${name}` };
    },
    removeHoldingContainer: async (name) => containers.delete(name),
  };
});

afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const init = { pipeline: 'shop', source: { app: 'shop-staging', release_id: 7, image_id: IMAGE, git_sha: null }, targets: [{ app: 'shop', stage: 'production' as const, stack: null }], requestedBy: 'alice', ttlMs: HOUR };

describe('the requests file', () => {
  it('starts empty, is written owner-only, and a refusal writes nothing', async () => {
    expect(readRequests(ctx.paths)).toEqual(emptyRequests());
    await updateRequests(ctx.paths, (file) => ({ file: addRequest(file, init, T0).file, result: undefined }));
    expect(fs.statSync(ctx.paths.requestsFile).mode & 0o777).toBe(0o600);
    const before = fs.readFileSync(ctx.paths.requestsFile, 'utf8');
    await expect(updateRequests(ctx.paths, () => {
      throw new Error('refused');
    })).rejects.toThrow('refused');
    expect(fs.readFileSync(ctx.paths.requestsFile, 'utf8')).toBe(before);
  });

  it('refuses a corrupt file with one line naming it', () => {
    fs.mkdirSync(path.dirname(ctx.paths.requestsFile), { recursive: true });
    fs.writeFileSync(ctx.paths.requestsFile, '{"version":1,"next_id":1,"requests":[{"id":"x"}]}');
    expect(refusal(() => readRequests(ctx.paths))).toMatch(/^The promotion requests file .* is corrupt \(.*\); fix or remove it$/);
    fs.writeFileSync(ctx.paths.requestsFile, '{');
    expect(refusal(() => readRequests(ctx.paths))).toMatch(/is corrupt \(not JSON/);
  });
});

describe('pins', () => {
  it('hold the image in a container that retention and Dokku do not count as an app container', async () => {
    const { request } = addRequest(emptyRequests(), init, T0);
    const name = await pinRequestImage(request, seam);
    expect(name).toBe('ownstack-request.shop.r1');
    expect(containers.get(name)).toEqual({
      image: IMAGE,
      labels: { [LABEL_REQUEST]: '1', 'com.ownstack.pipeline': 'shop', 'com.dokku.app-name': 'ownstack:retained-image' },
    });
  });

  it('go when their request expires: written down first, then the container removed', async () => {
    await updateRequests(ctx.paths, (file) => {
      const added = addRequest(file, init, T0);
      return { file: updateRequest(added.file, 1, (stored) => (stored.pinned_by = 'ownstack-request.shop.r1')), result: undefined };
    });
    containers.set('ownstack-request.shop.r1', { image: IMAGE, labels: {} });

    await expireDueRequests((change) => updateRequests(ctx.paths, change), readRequests(ctx.paths), new Date(T0.getTime() + HOUR - 1), seam);
    expect(readRequests(ctx.paths).requests[0].status).toBe('pending');
    expect(containers.size).toBe(1);

    await expireDueRequests((change) => updateRequests(ctx.paths, change), readRequests(ctx.paths), new Date(T0.getTime() + HOUR), seam);
    expect(readRequests(ctx.paths).requests[0]).toMatchObject({ status: 'expired', pinned_by: null, decided_at: '2025-01-01T01:00:00.000Z' });
    expect(containers.size).toBe(0);
  });
});
