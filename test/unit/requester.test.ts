import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { watchRequester } from '../../src/lib/stacks/requester.js';

// The receiving side of a request over ssh: its first line is the request's files, and the end of
// standard input means the requester is gone.

const input = () => new PassThrough() as unknown as NodeJS.ReadStream & PassThrough;
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('watchRequester', () => {
  it('reads the first line, then stays attached until standard input ends', async () => {
    const stdin = input();
    const requester = watchRequester(stdin, { firstLineLimit: 100 });
    stdin.write('{"procfile":');
    stdin.write('null}\nanything after the line is ignored');
    await expect(requester.firstLine).resolves.toBe('{"procfile":null}');
    await settled();
    expect(requester.gone.aborted).toBe(false);
    stdin.end();
    await settled();
    expect(requester.gone.aborted).toBe(true);
    requester.release();
  });

  it('an end before the first line is complete is a refusal, and the requester is gone', async () => {
    const stdin = input();
    const requester = watchRequester(stdin, { firstLineLimit: 100 });
    stdin.end('{"procfile": "web: x"');
    await expect(requester.firstLine).rejects.toThrow('Standard input ended before the request was complete');
    expect(requester.gone.aborted).toBe(true);
    requester.release();
  });

  it('a first line over the limit is refused', async () => {
    const stdin = input();
    const requester = watchRequester(stdin, { firstLineLimit: 10 });
    stdin.write('x'.repeat(11));
    await expect(requester.firstLine).rejects.toThrow('over 10 bytes');
    requester.release();
  });

  it('without a first line, only the end of standard input matters', async () => {
    const stdin = input();
    const requester = watchRequester(stdin);
    await expect(requester.firstLine).resolves.toBe('');
    stdin.write('noise\n');
    await settled();
    expect(requester.gone.aborted).toBe(false);
    stdin.end();
    await settled();
    expect(requester.gone.aborted).toBe(true);
    requester.release();
  });

  it('released, it no longer reports anything', async () => {
    const stdin = input();
    const requester = watchRequester(stdin);
    requester.release();
    await settled();
    expect(requester.gone.aborted).toBe(false);
  });
});
