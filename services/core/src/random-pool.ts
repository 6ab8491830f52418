import { randomBytes } from 'node:crypto';

const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let used = 0;

/**
 * Cryptographically random bytes, fetched from the OS 4 KB at a time: a `randomBytes` call per
 * send (a syscall each) was 4 % of a gateway's CPU at chat rates. No byte is handed out twice.
 * The result is a view into the pool: copy or encode it at once.
 */
export function pooledRandomBytes(size: number): Buffer {
  if (size > POOL_BYTES) return randomBytes(size);
  if (used + size > pool.length) {
    pool = randomBytes(POOL_BYTES);
    used = 0;
  }
  const bytes = pool.subarray(used, used + size);
  used += size;
  return bytes;
}
