import fs from 'node:fs';
import path from 'node:path';

// A release tarball lists every path it ships in MANIFEST at the plugin root (scripts/package.mjs).
// Files the running version does not ship (left by an older version unpacked over it, or plugn's
// unflattened `ownstack/` folder of an install over an enabled plugin) must not stay: a trigger
// shim an older ownstack had would otherwise keep firing. The install trigger removes them.

export const MANIFEST = 'MANIFEST';
export const MANIFEST_HEADER = '# ownstack release files';

/** The paths a manifest lists, or undefined when `text` is not one (a git checkout has none). */
export function parseManifest(text: string): Set<string> | undefined {
  const lines = text.split('\n');
  if (lines[0] !== MANIFEST_HEADER) return undefined;
  return new Set(lines.slice(1).filter((line) => line !== ''));
}

/** Paths under `root` (relative, `/`-separated) that the manifest does not list, shallowest first. */
export function strayPaths(root: string, shipped: Set<string>, under = ''): string[] {
  const stray: string[] = [];
  for (const entry of fs.readdirSync(path.join(root, under), { withFileTypes: true })) {
    const relative = under === '' ? entry.name : `${under}/${entry.name}`;
    if (!shipped.has(relative)) stray.push(relative);
    else if (entry.isDirectory()) stray.push(...strayPaths(root, shipped, relative));
  }
  return stray.sort();
}

/**
 * Removes what the release installed at `root` does not ship. Without a MANIFEST (a git install)
 * nothing is touched. Returns the paths removed.
 */
export function removeStrayPluginFiles(root: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(path.join(root, MANIFEST), 'utf8');
  } catch {
    return [];
  }
  const shipped = parseManifest(text);
  if (!shipped) return [];
  const stray = strayPaths(root, shipped);
  for (const relative of stray) fs.rmSync(path.join(root, relative), { recursive: true, force: true });
  return stray;
}
