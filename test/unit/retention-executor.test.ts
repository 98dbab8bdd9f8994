import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createContext, type Context } from '../../src/lib/context.js';
import { FileReleaseStore } from '../../src/lib/releases/store.js';
import { onAppDestroyed, onAppRenamed, onReleaseSucceeded, type RetentionSeam } from '../../src/lib/retention/index.js';
import { writeSetting } from '../../src/lib/settings/settings.js';

// The retention executor against a stand-in docker engine (containers and images in memory) and
// the real release store in a temporary directory.

interface Engine {
  containers: Map<string, { image: string; labels: Record<string, string> }>;
  images: Set<string>;
  latest: string | undefined;
  removedImages: string[];
}

let root: string;
let ctx: Context;
let engine: Engine;
let seam: RetentionSeam;
let stderr: string[];

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'ownstack-retention-'));
  ctx = createContext({ DOKKU_ROOT: path.join(root, 'home'), DOKKU_LIB_ROOT: path.join(root, 'lib'), DOKKU_PID: '1' });
  engine = { containers: new Map(), images: new Set(), latest: undefined, removedImages: [] };
  seam = {
    containerImage: async () => undefined,
    imageId: async (ref) => (ref.startsWith('dokku/') ? engine.latest : engine.images.has(ref) ? ref : undefined),
    createHoldingContainer: async (name, image, labels) => {
      if (engine.containers.has(name)) throw new Error(`Conflict. The container name "/${name}" is already in use`);
      if (!engine.images.has(image)) throw new Error(`No such image: ${image}`);
      engine.containers.set(name, { image, labels });
      return { id: `id-${name}` };
    },
    removeHoldingContainer: async (name) => engine.containers.delete(name),
    removeImage: async (id) => {
      const used = [...engine.containers.values()].some((container) => container.image === id);
      if (used || !engine.images.has(id)) return false;
      engine.images.delete(id);
      engine.removedImages.push(id);
      return true;
    },
    containersWithLabels: async (filter, keys) => {
      const [key, value] = filter.split(/=(.*)/s);
      return [...engine.containers.entries()]
        .filter(([, container]) => container.labels[key] === value)
        .map(([name, container]) => ({ id: `id-${name}`, name, labels: Object.fromEntries(keys.map((k) => [k, container.labels[k] ?? ''])) }));
    },
  };
  stderr = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr.push(String(chunk));
    return true;
  });
});

afterEach(() => {
  vi.restoreAllMocks();
  fs.rmSync(root, { recursive: true, force: true });
});

const openStore = (app: string) => new FileReleaseStore({ dir: ctx.paths.ownstackApp(app), app, who: 'test' });

/** A push that Dokku deployed: its image exists, the record succeeded, and retention ran. */
async function deploy(store: FileReleaseStore, status: 'succeeded' | 'failed' = 'succeeded', latest?: string) {
  const created = await store.create({ kind: 'push', pid: null });
  const image = `sha256:${store.app === 'web' ? '' : store.app}image${created.id}`;
  engine.images.add(image);
  const record = await store.update(created.id, (stored) => {
    stored.status = status;
    stored.image_id = image;
  });
  if (status === 'failed') return record;
  engine.latest = latest ?? image;
  await store.setCurrent(record.id);
  await onReleaseSucceeded(ctx, store, record, seam);
  return store.get(record.id)!;
}

const holders = () => [...engine.containers.keys()].sort();

describe('onReleaseSucceeded', () => {
  it('holds each succeeded release, with labels that hide the holder from Dokku', async () => {
    const store = openStore('web');
    const record = await deploy(store);
    expect(record.retained_by).toBe('ownstack-retain.web.v1');
    expect(record.image_tag).toBe('ownstack/web:v1');
    expect(engine.containers.get('ownstack-retain.web.v1')).toEqual({
      image: 'sha256:image1',
      labels: {
        'com.ownstack.app': 'web',
        'com.ownstack.release': '1',
        'com.ownstack.image': 'sha256:image1',
        'com.dokku.app-name': 'ownstack:retained-image',
      },
    });
  });

  it('keeps the last N succeeded releases and removes the images beyond', async () => {
    const store = openStore('web');
    await writeSetting(ctx.paths, 'web', 'retention', '2');
    for (let i = 0; i < 5; i++) await deploy(store);
    expect(holders()).toEqual(['ownstack-retain.web.v4', 'ownstack-retain.web.v5']);
    expect(engine.removedImages).toEqual(['sha256:image1', 'sha256:image2', 'sha256:image3']);
    expect(store.get(1)?.retained_by).toBeNull();
    expect(store.get(3)?.retained_by).toBeNull();
    expect(store.get(4)?.retained_by).toBe('ownstack-retain.web.v4');
  });

  it('a failed deploy in between does not push a succeeded release out', async () => {
    const store = openStore('web');
    await writeSetting(ctx.paths, 'web', 'retention', '2');
    await deploy(store);
    await deploy(store);
    await deploy(store, 'failed');
    expect(holders()).toEqual(['ownstack-retain.web.v1', 'ownstack-retain.web.v2']);
  });

  it('never deletes the image dokku/<app>:latest names, even unheld', async () => {
    const store = openStore('web');
    await writeSetting(ctx.paths, 'web', 'retention', '1');
    await deploy(store);
    // e.g. a deploy without our triggers left latest on the older image
    await deploy(store, 'succeeded', 'sha256:image1');
    expect(holders()).toEqual(['ownstack-retain.web.v2']);
    expect(engine.images.has('sha256:image1')).toBe(true);
  });

  it('is idempotent (post-deploy and releaseImage may both run it)', async () => {
    const store = openStore('web');
    const record = await deploy(store);
    await onReleaseSucceeded(ctx, store, record, seam);
    expect(holders()).toEqual(['ownstack-retain.web.v1']);
  });

  it('finds the image of a release whose image was not recorded', async () => {
    const store = openStore('web');
    const created = await store.create({ kind: 'deploy', pid: null });
    engine.images.add('sha256:serving');
    engine.latest = 'sha256:serving';
    const record = await store.update(created.id, (stored) => {
      stored.status = 'succeeded';
    });
    await onReleaseSucceeded(ctx, store, record, seam);
    expect(store.get(1)).toMatchObject({ image_id: 'sha256:serving', retained_by: 'ownstack-retain.web.v1' });
  });

  it('warns instead of failing the deploy when docker cannot hold the image', async () => {
    const store = openStore('web');
    seam.createHoldingContainer = async () => {
      throw new Error('Cannot connect to the Docker daemon');
    };
    const record = await deploy(store);
    expect(record.retained_by).toBeNull();
    expect(stderr.join('')).toContain('Could not keep the image of web v1 for rollback');
  });

  it('removes the holder that leaves the window while it makes the new one (the engine does both at once)', async () => {
    const store = openStore('web');
    await writeSetting(ctx.paths, 'web', 'retention', '1');
    await deploy(store);
    // the removal waits until the new holder is being made: done one after the other, this never settles
    let creating!: () => void;
    const createStarted = new Promise<void>((resolve) => (creating = resolve));
    const create = seam.createHoldingContainer;
    seam.createHoldingContainer = async (name, image, labels) => {
      creating();
      return create(name, image, labels);
    };
    const remove = seam.removeHoldingContainer;
    seam.removeHoldingContainer = async (name) => {
      await createStarted;
      return remove(name);
    };
    await deploy(store);
    expect(holders()).toEqual(['ownstack-retain.web.v2']);
    expect(engine.removedImages).toEqual(['sha256:image1']);
  });

  it('replaces a stale holder of a kept release only after the stale one is gone (same name)', async () => {
    const store = openStore('web');
    await deploy(store);
    // the holder of v1 holds another image than the record names: it is made again for the record's
    engine.images.add('sha256:other');
    engine.containers.set('ownstack-retain.web.v1', { image: 'sha256:other', labels: { ...engine.containers.get('ownstack-retain.web.v1')!.labels, 'com.ownstack.image': 'sha256:other' } });
    await onReleaseSucceeded(ctx, store, store.get(1)!, seam);
    expect(engine.containers.get('ownstack-retain.web.v1')?.image).toBe('sha256:image1');
    expect(store.get(1)?.retained_by).toBe('ownstack-retain.web.v1');
    expect(stderr.join('')).not.toContain('Could not keep');
  });

  it('a failed removal is reported only after the new holder is made and recorded', async () => {
    const store = openStore('web');
    await writeSetting(ctx.paths, 'web', 'retention', '1');
    await deploy(store);
    seam.removeHoldingContainer = async () => {
      throw new Error('Cannot connect to the Docker daemon');
    };
    const created = await store.create({ kind: 'push', pid: null });
    engine.images.add('sha256:image2');
    const record = await store.update(created.id, (stored) => {
      stored.status = 'succeeded';
      stored.image_id = 'sha256:image2';
    });
    await store.setCurrent(record.id);
    await expect(onReleaseSucceeded(ctx, store, record, seam)).rejects.toThrow('Cannot connect to the Docker daemon');
    expect(engine.containers.has('ownstack-retain.web.v2')).toBe(true);
    expect(store.get(2)?.retained_by).toBe('ownstack-retain.web.v2');
  });
});

describe('app lifecycle', () => {
  it('destroy removes the holders and the images they held', async () => {
    const store = openStore('web');
    await deploy(store);
    await deploy(store);
    const other = openStore('other');
    await deploy(other);
    await onAppDestroyed(ctx, 'web', seam);
    expect(holders()).toEqual(['ownstack-retain.other.v1']);
    expect(engine.removedImages).toEqual(['sha256:image1', 'sha256:image2']);
  });

  it('rename moves the holders to the new name without ever unholding the image', async () => {
    const store = openStore('old');
    await deploy(store);
    store.moveTo(ctx.paths.ownstackApp('new'));
    const removals: string[] = [];
    const remove = seam.removeHoldingContainer;
    seam.removeHoldingContainer = async (name) => {
      removals.push(`${name} (new holder exists: ${engine.containers.has('ownstack-retain.new.v1')})`);
      return remove(name);
    };
    await onAppRenamed(ctx, 'old', 'new', seam, openStore);
    expect(holders()).toEqual(['ownstack-retain.new.v1']);
    expect(removals).toEqual(['ownstack-retain.old.v1 (new holder exists: true)']);
    expect(engine.containers.get('ownstack-retain.new.v1')?.labels['com.ownstack.app']).toBe('new');
    expect(openStore('new').get(1)?.retained_by).toBe('ownstack-retain.new.v1');
  });
});
