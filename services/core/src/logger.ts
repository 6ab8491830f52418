/** The part of a pino logger the engine uses; a silent one by default. */
export interface EngineLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export const silentLogger: EngineLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
