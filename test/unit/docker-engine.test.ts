import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { engineSocketFor, refPath, resetEngineChoice } from '../../src/lib/dokku/engine.js';
import { containerImage, containersWithLabels, createHoldingContainer, imageId, removeImage, tagImage, taskContainers } from '../../src/lib/dokku/docker.js';

describe('which docker ownstack talks to', () => {
  const none = () => undefined;
  it('the default socket when the CLI would use it', () => {
    expect(engineSocketFor({}, none)).toBe('/var/run/docker.sock');
    expect(engineSocketFor({ DOCKER_CONTEXT: 'default' }, none)).toBe('/var/run/docker.sock');
    expect(engineSocketFor({ HOME: '/home/dokku' }, () => '{"auths":{}}')).toBe('/var/run/docker.sock');
    expect(engineSocketFor({ HOME: '/home/dokku' }, () => '{"currentContext":"default"}')).toBe('/var/run/docker.sock');
  });
  it('the socket DOCKER_HOST names, when it is a unix socket', () => {
    expect(engineSocketFor({ DOCKER_HOST: 'unix:///run/second/docker.sock' }, none)).toBe('/run/second/docker.sock');
  });
  it('the CLI for every other target, or when it cannot tell', () => {
    expect(engineSocketFor({ DOCKER_HOST: 'tcp://10.0.0.2:2376' }, none)).toBeUndefined();
    expect(engineSocketFor({ DOCKER_HOST: 'ssh://dokku@staging' }, none)).toBeUndefined();
    expect(engineSocketFor({ DOCKER_HOST: 'unix://relative.sock' }, none)).toBeUndefined();
    expect(engineSocketFor({ DOCKER_CONTEXT: 'remote' }, none)).toBeUndefined();
    expect(engineSocketFor({ HOME: '/home/dokku' }, () => '{"currentContext":"remote"}')).toBeUndefined();
    expect(engineSocketFor({ DOCKER_CONFIG: '/etc/docker-cli' }, () => 'not json')).toBeUndefined();
  });
  it('reads the CLI config where the CLI does', () => {
    const read: string[] = [];
    engineSocketFor({ HOME: '/home/dokku' }, (file) => void read.push(file));
    engineSocketFor({ HOME: '/home/dokku', DOCKER_CONFIG: '/etc/cli' }, (file) => void read.push(file));
    expect(read).toEqual(['/home/dokku/.docker/config.json', '/etc/cli/config.json']);
  });
  it('a reference goes into a URL only when it can be nothing else', () => {
    expect(refPath('dokku/web:latest')).toBe('dokku/web:latest');
    expect(refPath('127.0.0.1:5000/team/web@sha256:' + 'a'.repeat(64))).toBe('127.0.0.1:5000/team/web@sha256:' + 'a'.repeat(64));
    for (const hostile of ['../containers/x', 'a?all=1', 'a#b', 'a b', '-x', '', 'a\nb', 'a%2F..']) expect(refPath(hostile)).toBeUndefined();
  });
});

// A stand-in engine on a unix socket: what each function asks, and what it makes of the answers.
describe('the Engine API requests', () => {
  let dir: string;
  let server: http.Server;
  let seen: { method: string; url: string; body: string }[];
  let answer: (method: string, url: string, body: string) => [number, unknown];
  const saved = { DOCKER_HOST: process.env.DOCKER_HOST, PATH: process.env.PATH };

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ownstack-engine-'));
    seen = [];
    server = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        seen.push({ method: request.method ?? '', url: request.url ?? '', body });
        const [status, json] = answer(request.method ?? '', request.url ?? '', body);
        response.writeHead(status, { 'Content-Type': 'application/json' }).end(json === undefined ? '' : JSON.stringify(json));
      });
    });
    await new Promise<void>((resolve) => server.listen(path.join(dir, 'docker.sock'), resolve));
    process.env.DOCKER_HOST = `unix://${path.join(dir, 'docker.sock')}`;
    resetEngineChoice();
  });
  afterEach(async () => {
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    resetEngineChoice();
  });

  it('inspects images and containers; a 404 is "none"', async () => {
    answer = (_m, url) => (url.startsWith('/images/dokku/web:latest/') ? [200, { Id: 'sha256:abc' }] : url.startsWith('/containers/c1/') ? [200, { Image: 'sha256:def' }] : [404, { message: 'No such object' }]);
    expect(await imageId('dokku/web:latest')).toBe('sha256:abc');
    expect(await containerImage('c1')).toBe('sha256:def');
    expect(await imageId('dokku/gone:latest')).toBeUndefined();
    expect(seen.map((request) => `${request.method} ${request.url}`)).toEqual(['GET /images/dokku/web:latest/json', 'GET /containers/c1/json', 'GET /images/dokku/gone:latest/json']);
  });

  it('lists by label as the CLI prints: names without their slash, absent labels empty', async () => {
    answer = () => [200, [{ Id: 'f'.repeat(64), Names: ['/ownstack-web-v3'], Labels: { 'com.ownstack.release': '3' } }]];
    expect(await containersWithLabels('com.ownstack.app=web', ['com.ownstack.release', 'com.ownstack.image'])).toEqual([
      { id: 'f'.repeat(64), name: 'ownstack-web-v3', labels: { 'com.ownstack.release': '3', 'com.ownstack.image': '' } },
    ]);
    expect(decodeURIComponent(seen[0].url)).toBe('/containers/json?all=1&filters={"label":["com.ownstack.app=web"]}');
  });

  it('creates a holding container with the CLI flags as the API has them; a refusal is the daemon\'s line', async () => {
    answer = (_m, url) => (url.includes('name=ownstack-web-v3') ? [201, { Id: 'c0ffee' }] : [409, { message: 'Conflict. The container name is already in use\nmore' }]);
    expect(await createHoldingContainer('ownstack-web-v3', 'sha256:abc', { 'com.ownstack.app': 'web' })).toEqual({ id: 'c0ffee' });
    expect(JSON.parse(seen[0].body)).toEqual({
      Image: 'sha256:abc',
      Entrypoint: ['/ownstack-retained-image'],
      Labels: { 'com.ownstack.app': 'web' },
      HostConfig: { NetworkMode: 'none', RestartPolicy: { Name: 'no' } },
    });
    await expect(createHoldingContainer('ownstack-web-v4', 'sha256:abc', {})).rejects.toThrow(
      'docker container create ownstack-web-v4 failed: Error response from daemon: Conflict. The container name is already in use',
    );
  });

  it('tags with the repository and tag split after the last slash', async () => {
    answer = () => [201, undefined];
    await tagImage('sha256:abc', '127.0.0.1:5000/team/web:v3');
    await tagImage('sha256:abc', 'dokku/web');
    expect(seen.map((request) => decodeURIComponent(request.url))).toEqual([
      '/images/sha256:abc/tag?repo=127.0.0.1:5000/team/web&tag=v3',
      '/images/sha256:abc/tag?repo=dokku/web&tag=latest',
    ]);
    answer = () => [404, { message: 'No such image: sha256:gone' }];
    await expect(tagImage('sha256:gone', 'dokku/web:latest')).rejects.toThrow('docker image tag sha256:gone dokku/web:latest failed: Error response from daemon: No such image: sha256:gone');
  });

  it('task containers: listed by both labels, each inspected; one gone in between is left out', async () => {
    answer = (_m, url) => {
      if (url.startsWith('/containers/json')) return [200, [{ Id: 't1' }, { Id: 't2' }]];
      if (url.startsWith('/containers/t1/')) return [200, { Id: 't1', Created: '2026-12-04T10:00:00.123456789Z', State: { Running: true }, Config: { Labels: { dokku_phase_script: 'release' } } }];
      return [404, { message: 'gone' }];
    };
    expect(await taskContainers('web')).toEqual([{ id: 't1', created: '2026-12-04T10:00:00.123456789Z', running: true, phase: 'release' }]);
    expect(decodeURIComponent(seen[0].url)).toBe('/containers/json?all=1&filters={"label":["com.dokku.app-name=web","dokku_phase_script"]}');
  });

  it('an image still in use is not removed', async () => {
    answer = () => [409, { message: 'conflict: unable to delete (image is being used by stopped container)' }];
    expect(await removeImage('sha256:abc')).toBe(false);
    expect(seen[0]).toMatchObject({ method: 'DELETE', url: '/images/sha256:abc' });
  });

  it('no socket to connect to: the CLI answers instead, for the rest of the process', async () => {
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(path.join(dir, 'docker.sock'), { force: true });
    // a docker on PATH that answers what the real CLI would print
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.writeFileSync(path.join(dir, 'bin', 'docker'), '#!/bin/sh\necho "$*" >>"$(dirname "$0")/calls"\necho sha256:fromcli\n', { mode: 0o755 });
    process.env.PATH = `${path.join(dir, 'bin')}:${process.env.PATH}`;
    expect(await imageId('dokku/web:latest')).toBe('sha256:fromcli');
    expect(await imageId('dokku/web:latest')).toBe('sha256:fromcli');
    expect(fs.readFileSync(path.join(dir, 'bin', 'calls'), 'utf8')).toBe('image inspect --format {{.Id}} dokku/web:latest\n'.repeat(2));
    server = http.createServer(); // closed again by afterEach
    server.listen(path.join(dir, 'unused.sock'));
  });
});
