import { GeneratorPool } from '../gen/pool.js';

/** Runs `body` with `count` generator processes and always stops them. */
export async function withPool<T>(count: number, body: (pool: GeneratorPool) => Promise<T>): Promise<T> {
  const pool = GeneratorPool.start(count);
  try {
    return await body(pool);
  } finally {
    await pool.stop();
  }
}
