import { startCeiling } from './ceiling.js';
import { startOurs } from './ours.js';
import { startSocketIo } from './socketio.js';
import type { ServerKind, ServerUnderTest, StartOptions } from './types.js';

/** Starts a fresh server of the given kind. */
export function startServer(kind: ServerKind, options: StartOptions): Promise<ServerUnderTest> {
  switch (kind) {
    case 'ours':
      return startOurs(options);
    case 'baseline':
      return startOurs(options, 'baseline');
    case 'socketio':
      return startSocketIo(options);
    case 'ceiling':
      return startCeiling(options);
  }
}
