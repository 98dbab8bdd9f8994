import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The dashboard's views are Hono JSX, compiled as tsconfig.json and scripts/build.mjs do.
  esbuild: { jsx: 'automatic', jsxImportSource: 'hono/jsx' },
  test: {
    include: ['test/unit/**/*.test.ts', 'test/unit/**/*.test.tsx'],
    pool: 'forks',
    // One worker per core. vitest's default leaves one core out (availableParallelism - 1), which
    // on CI's two cores runs the files one at a time: 32 s against 21 s for the same 700 tests.
    maxWorkers: '100%',
    // CI must pass on a busy machine too: vitest's defaults (5 s a test, 10 s a hook) would turn a
    // slow turn of the CPU into a failure, which is a timing assertion (the corpus's test takes
    // ~2.5 s on an idle machine). A minute still ends a test that hangs.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
