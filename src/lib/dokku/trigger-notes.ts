import fs from 'node:fs';
import path from 'node:path';
import { acquireFileLock } from './lock.js';
import { processAlive, processStartTime } from './host-files.js';

// A git push fires eight of our triggers, and a start of the binary costs more than the work of
// most of them: they only note a fact about the deploy in progress (it started, its commit, its
// release phase began, it finished with exit 0, its source). Their shims (triggers/note-functions)
// write that trigger, with its arguments, the time and the environment it reads, as one file in
// `data/ownstack/.noted/`, with bash builtins only, and exit 0. Every start of the binary replays
// the notes first, in the order they were written, through the same trigger handlers, with the
// noted environment and clock; so no reader ever sees the history without them. A note is
// deleted after its trigger ran; the noted triggers are idempotent, so a kill between the two
// replays it once more to the same result. A note is complete only with its end marker: one cut
// short (a kill or a full disk while writing) is dropped once its writer is gone, exactly as if
// that trigger had never fired; the shim runs the binary instead whenever the note cannot be
// written. Only the owner of the notes directory writes or replays notes (the shim checks with
// `-O`), so replayed records are written by the user Dokku deploys as.
//
// One note, NUL-terminated fields: MAGIC, trigger, time (bash's EPOCHREALTIME), the writer's
// login uid, the start time of the PID argument (builds-record-start) or "", argc, args…, envc,
// "K=V"…, then END and a newline. Named `<EPOCHREALTIME digits>-<writer pid>-<writer start>`.
// A note with the files its trigger reads (post-release-builder's) is MAGIC_WITH_FILES, and has
// after the environment: filec, then for each file its path, "1" or "0" (there or absent) and its
// whole text; the replay reads those files as they were noted (host-files.ts).

export const NOTE_MAGIC = 'ownstack-note-1';
export const NOTE_MAGIC_WITH_FILES = 'ownstack-note-2';
const NOTE_END = 'ownstack-note-end\n';
const NOTE_NAME = /^([0-9]{10,20})-([1-9][0-9]{0,9})-([0-9]{1,20})$/;
const NOTE_TIME = /^([0-9]{1,12})[.,]([0-9]{6})$/;

export interface TriggerNote {
  name: string;
  at: Date;
  /** The writer's /proc/self/loginuid, for WHO ("" when unknown). */
  loginUid: string;
  /** /proc start time of the pid the trigger names (builds-record-start's PID), when known. */
  pidStart: string | undefined;
  args: string[];
  env: Record<string, string>;
  /** The files the trigger reads, as they were when it fired (null: absent), by normalized path. */
  files?: Map<string, string | null>;
}

export function notesDir(ownstackRoot: string): string {
  return path.join(ownstackRoot, '.noted');
}

/** A note from its bytes: a complete one, or 'torn' (no end marker, or not the expected shape). */
export function parseNote(data: Buffer): TriggerNote | 'torn' {
  const text = data.toString('utf8');
  if (!text.endsWith(`\0${NOTE_END}`)) return 'torn';
  const fields = text.slice(0, -NOTE_END.length - 1).split('\0');
  const [magic, name, time, loginUid, pidStart, argcText] = fields;
  if ((magic !== NOTE_MAGIC && magic !== NOTE_MAGIC_WITH_FILES) || !/^[a-z-]{1,40}$/.test(name ?? '') || !/^[0-9]{1,4}$/.test(argcText ?? '')) return 'torn';
  const timeMatch = NOTE_TIME.exec(time ?? '');
  if (!timeMatch) return 'torn';
  const argc = Number(argcText);
  const envcIndex = 6 + argc;
  if (!/^[0-9]{1,4}$/.test(fields[envcIndex] ?? '')) return 'torn';
  const envEnd = envcIndex + 1 + Number(fields[envcIndex]);
  let files: Map<string, string | null> | undefined;
  if (magic === NOTE_MAGIC_WITH_FILES) {
    if (!/^[0-9]{1,2}$/.test(fields[envEnd] ?? '') || fields.length !== envEnd + 1 + 3 * Number(fields[envEnd])) return 'torn';
    files = new Map();
    for (let at = envEnd + 1; at < fields.length; at += 3) {
      const [file, present, text] = fields.slice(at, at + 3);
      if (!path.isAbsolute(file) || (present !== '0' && present !== '1')) return 'torn';
      files.set(path.normalize(file), present === '1' ? text : null);
    }
  } else if (fields.length !== envEnd) {
    return 'torn';
  }
  const env: Record<string, string> = {};
  for (const entry of fields.slice(envcIndex + 1, envEnd)) {
    const eq = entry.indexOf('=');
    if (eq <= 0) return 'torn';
    env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return {
    name,
    at: new Date(Number(timeMatch[1]) * 1000 + Math.floor(Number(timeMatch[2]) / 1000)),
    loginUid: /^[0-9]{1,10}$/.test(loginUid ?? '') ? loginUid : '',
    pidStart: /^[0-9]{1,20}$/.test(pidStart ?? '') ? pidStart : undefined,
    args: fields.slice(6, envcIndex),
    env,
    ...(files ? { files } : {}),
  };
}

/** Runs one noted trigger as it would have run when noted; its exit code does not matter. */
export type NotedTriggerRunner = (note: TriggerNote) => Promise<void>;

/**
 * Replays every complete note, oldest first, then deletes it. Cheap when there is none (one
 * readdir). Skipped when this process is not the owner of the notes (root in plugin:install),
 * unless asRoot says root replays them on purpose.
 * makeDir: a trigger's start makes the directory, so that the next shims can note (a command
 * does not: `ownstack:purge --all` of a host with nothing must find nothing).
 */
export async function replayTriggerNotes(ownstackRoot: string, run: NotedTriggerRunner, options: { makeDir?: boolean; asRoot?: boolean } = {}): Promise<void> {
  const dir = notesDir(ownstackRoot);
  if (pendingNotes(dir).length === 0) {
    if (options.makeDir) ensureNotesDir(ownstackRoot, dir);
    return;
  }
  let owner: number;
  try {
    owner = fs.statSync(dir).uid;
  } catch {
    return;
  }
  // asRoot: plugin:uninstall (as root) replays what the next start of this binary would have,
  // since an older ownstack installed next never reads notes; its caller hands the files back.
  if (process.geteuid?.() !== owner && !(options.asRoot && process.geteuid?.() === 0)) return;
  const lock = await acquireFileLock(path.join(dir, '.lock'), { waitSeconds: 60, what: 'The directory of noted triggers', heldBy: 'another ownstack process' });
  try {
    // listed again under the lock: another process may have replayed them meanwhile
    for (const file of pendingNotes(dir)) {
      const full = path.join(dir, file);
      let data: Buffer;
      try {
        data = fs.readFileSync(full);
      } catch {
        continue; // deleted meanwhile
      }
      const note = parseNote(data);
      if (note === 'torn') {
        // cut short: dropped once its writer is gone (as if the trigger never fired); a writer
        // still alive is writing it now, unless it is us (its shim fell back to the binary)
        const [, , pid, start] = NOTE_NAME.exec(file)!;
        if (Number(pid) !== process.pid && processAlive(Number(pid), start)) continue;
        fs.rmSync(full, { force: true });
        continue;
      }
      await run(note);
      fs.rmSync(full, { force: true });
    }
  } finally {
    lock.release();
  }
}

/** Shims note only into a directory that exists and is theirs: made by its owner's first start. */
function ensureNotesDir(ownstackRoot: string, dir: string): void {
  try {
    if (fs.statSync(ownstackRoot).uid !== process.geteuid?.()) return;
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch {
    // there already, or no data directory yet (the install trigger makes it): the shims start the binary
  }
}

function pendingNotes(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((name) => NOTE_NAME.test(name)).sort(byNoteTime);
}

function byNoteTime(a: string, b: string): number {
  const ta = BigInt(NOTE_NAME.exec(a)![1]);
  const tb = BigInt(NOTE_NAME.exec(b)![1]);
  return ta < tb ? -1 : ta > tb ? 1 : a < b ? -1 : a > b ? 1 : 0;
}

/** For tests: the name the shim gives a note written now by this process. */
export function noteFileName(at: Date, pid = process.pid): string {
  const micros = BigInt(at.getTime()) * 1000n;
  return `${micros}-${pid}-${processStartTime(pid) ?? '0'}`;
}
