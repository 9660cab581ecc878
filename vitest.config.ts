import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Unit tests sit beside their files in src/; black-box tests spawn the built server; browser tests drive
    // Debian's Chromium (playwright-core) against the built server.
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/browser/**'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          environment: 'node',
          // A browser scenario walks several pages against a spawned gateway: generous, and each step inside has
          // its own bound (browser-support.ts `stepTimeoutMs`).
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
