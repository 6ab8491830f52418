import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: {
      '@chat/protocol': fileURLToPath(new URL('./services/protocol/src/index.ts', import.meta.url)),
      '@chat/client': fileURLToPath(new URL('./services/client/src/index.ts', import.meta.url)),
      '@chat/core/redis-topology': fileURLToPath(new URL('./services/core/src/redis/redis-topology.ts', import.meta.url)),
      '@chat/core': fileURLToPath(new URL('./services/core/src/index.ts', import.meta.url)),
      '@chat/testkit': fileURLToPath(new URL('./services/testkit/src/index.ts', import.meta.url)),
    },
  },
  test: {
    include: ['test/**/*.test.ts', 'services/*/src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
