import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON lines on stdout, tagged with the node's name. */
export function createLogger(level: string, nodeId: string): Logger {
  return pino({ level, base: { node: nodeId }, timestamp: pino.stdTimeFunctions.isoTime });
}
