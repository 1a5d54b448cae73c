import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources; the packages' own builds are checked separately.
    alias: [
      { find: /^tscron\/testing$/, replacement: source('./packages/tscron/src/testing/index.ts') },
      { find: /^tscron\/backend$/, replacement: source('./packages/tscron/src/backend/index.ts') },
      { find: /^tscron$/, replacement: source('./packages/tscron/src/index.ts') },
      { find: /^@tscron\/nats$/, replacement: source('./packages/nats/src/index.ts') },
      { find: /^@tscron\/dashboard$/, replacement: source('./packages/dashboard/src/index.ts') },
      { find: /^@tscron\/otel$/, replacement: source('./packages/otel/src/index.ts') },
      { find: /^@tscron\/prometheus$/, replacement: source('./packages/prometheus/src/index.ts') },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    // Most suites wait on real servers and timers (fleets run for a minute, contracts for seconds)
    // and use little CPU, but a fleet file runs three replica processes through a burst of 1,000
    // jobs: two files at a time keep two fleets at most on the 2 cores.
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 30_000,
    reporters: ['default'],
  },
});
