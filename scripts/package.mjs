#!/usr/bin/env node
// Makes dist/ownstack-<version>.tgz: what `dokku plugin:install file:///…/ownstack-<version>.tgz`
// installs on a host with no Node. It carries the built binary, the shims, a link at the plugin
// root for each trigger, and MANIFEST, the list of every path it ships.
import { $, fs, path, chalk } from 'zx';

$.verbose = false;
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
process.chdir(root);
const { version } = await fs.readJson('package.json');

if (!process.argv.includes('--no-build') || !(await fs.pathExists('build/ownstack'))) {
  await $`node scripts/build.mjs`.pipe(process.stdout);
}

await fs.mkdirp('dist');
const stage = await fs.mkdtemp(path.join(root, 'dist', '.stage-'));
const plugin = path.join(stage, 'ownstack');
try {
  await fs.mkdirp(path.join(plugin, 'build'));
  for (const entry of ['plugin.toml', 'commands', 'subcommands', 'triggers', 'relay-functions', 'note-functions', 'README.md', 'package.json', 'docs']) {
    if (await fs.pathExists(entry)) await fs.copy(entry, path.join(plugin, entry), { dereference: false });
  }
  await fs.copy('build/ownstack', path.join(plugin, 'build/ownstack'));
  for (const trigger of await fs.readdir('triggers')) {
    await fs.symlink(`triggers/${trigger}`, path.join(plugin, trigger));
  }
  // Every path the release ships: the install trigger removes what an older version left behind
  // (src/lib/plugin/files.ts).
  const shipped = (await $`find ${plugin} -mindepth 1 -printf ${'%P\n'}`).stdout.split('\n').filter(Boolean);
  await fs.writeFile(path.join(plugin, 'MANIFEST'), `# ownstack release files\n${[...shipped, 'MANIFEST'].sort().join('\n')}\n`);
  const tarball = path.join(root, 'dist', `ownstack-${version}.tgz`);
  // Made beside it, then renamed into place: test files that package side by side never copy a
  // half-written tarball.
  const partial = path.join(stage, 'ownstack.tgz');
  await $`tar --owner=0 --group=0 --numeric-owner -czf ${partial} -C ${stage} ownstack`;
  await fs.rename(partial, tarball);
  console.log(chalk.dim(`-----> ${path.relative(root, tarball)} (${((await fs.stat(tarball)).size / 1048576).toFixed(1)} MiB)`));
} finally {
  await fs.remove(stage);
}
