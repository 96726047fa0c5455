import { defineConfig } from 'vitest/config';

/**
 * Two projects, laid out like the code (docs/architecture.md, "Tests"):
 *  - unit: test/unit/<src folder>/… — pure logic, fake timers and fake processes, no ffmpeg,
 *    no server; seconds in all. `npm run test:unit` runs it alone.
 *  - integration: test/integration/<src folder>/… — real ffmpeg, the real server, Chromium.
 * `npm test` runs both, unit first.
 */
export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 10_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // Integration tests run real-time encoders at tiny sizes: one file at a time they spend
          // most of their time waiting for the wall clock (about 30 % of two cores in CI), so two
          // files side by side halve the run without starving either (measured: 694 s one at a
          // time, 450 s two at a time, no failure, on the 2-core CI machine). More would test the
          // machine instead of Retrovue.
          fileParallelism: true,
          maxWorkers: 2,
          testTimeout: 60_000,
          hookTimeout: 120_000,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
