import { UserError } from '../output/errors.js';
import { keepWorkingWithoutReader } from '../output/log.js';

// The receiving side of a request from another host (`ownstack:deploy-image --abandon-on-hangup`,
// run over ssh): the requesting host keeps our standard input open for as long as it waits for
// the answer. The end of that input, or our output's reader going away, means the requester is
// gone (its ssh was killed, its host went down, the connection dropped), and sshd tells us by
// closing both. There is no pty, so no SIGHUP: this is the only sign we get.

export interface Requester {
  /** The request's first line on standard input (its files), when one was expected. */
  firstLine: Promise<string>;
  /** Aborted once the requester is gone. */
  gone: AbortSignal;
  /** Stops watching (the work is done), so the process can end. */
  release(): void;
}

export function watchRequester(input: NodeJS.ReadStream, options: { firstLineLimit?: number } = {}): Requester {
  const controller = new AbortController();
  const chunks: Buffer[] = [];
  let size = 0;
  let lineSettled = options.firstLineLimit === undefined;
  let settleLine: { resolve(line: string): void; reject(error: Error): void } | undefined;
  const firstLine = lineSettled
    ? Promise.resolve('')
    : new Promise<string>((resolve, reject) => {
        settleLine = { resolve, reject };
      });
  const finishLine = (outcome: string | Error) => {
    if (lineSettled) return;
    lineSettled = true;
    if (typeof outcome === 'string') settleLine?.resolve(outcome);
    else settleLine?.reject(outcome);
  };

  const onData = (chunk: Buffer) => {
    if (lineSettled) return; // after the first line, the input only has to stay open
    const newline = chunk.indexOf(0x0a);
    const part = newline === -1 ? chunk : chunk.subarray(0, newline);
    chunks.push(part);
    size += part.length;
    if (size > (options.firstLineLimit ?? 0)) finishLine(new UserError(`The request on standard input is over ${options.firstLineLimit} bytes`));
    else if (newline !== -1) finishLine(Buffer.concat(chunks).toString('utf8'));
  };
  const onGone = () => {
    finishLine(new UserError('Standard input ended before the request was complete'));
    controller.abort();
  };
  input.on('data', onData);
  input.on('end', onGone);
  input.on('error', onGone);
  const undoKeepWorking = keepWorkingWithoutReader(onGone);

  return {
    firstLine,
    gone: controller.signal,
    release() {
      undoKeepWorking();
      input.off('data', onData);
      input.off('end', onGone);
      input.off('error', onGone);
      input.destroy();
    },
  };
}
