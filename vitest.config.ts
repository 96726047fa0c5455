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
          // Integration tests run real-time encoders; on a 2-core machine, running files side by
          // side would starve them and test the machine instead of Retrovue.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
