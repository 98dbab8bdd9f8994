// Defined by scripts/build.mjs (esbuild --define); a run from source (vitest) has neither.
declare const OWNSTACK_VERSION: string;
declare const OWNSTACK_COMMIT: string;

export const VERSION = typeof OWNSTACK_VERSION === 'string' ? OWNSTACK_VERSION : '0.0.0-dev';
/** The commit the binary was built from (`-dirty`: with uncommitted changes); `unknown` outside git. */
export const COMMIT = typeof OWNSTACK_COMMIT === 'string' ? OWNSTACK_COMMIT : 'unknown';
