import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The dashboard's views are Hono JSX, compiled as tsconfig.json and scripts/build.mjs do.
  esbuild: { jsx: 'automatic', jsxImportSource: 'hono/jsx' },
  test: {
    include: ['test/unit/**/*.test.ts', 'test/unit/**/*.test.tsx'],
    pool: 'forks',
  },
});
