import { randomBytes } from 'node:crypto';

const processPrefix = randomBytes(6).toString('base64url');
let counter = 0;

/** A fresh epoch name, unique across processes and calls; used when a room's data is created. */
export function newEpochCandidate(): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return `${processPrefix}${counter.toString(36)}`;
}
