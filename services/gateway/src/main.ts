import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { GatewayNode } from './node.js';

const EXIT_GRACE_MS = 2000;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel, config.nodeId);
  process.on('unhandledRejection', (reason) => logger.error({ err: reason instanceof Error ? reason.stack : String(reason) }, 'unhandled rejection'));

  const node = await GatewayNode.start(config, logger);
  logger.info({ port: node.port, tcpPort: node.tcpPort, host: config.host, url: `http://localhost:${node.port}/chat` }, 'listening');

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    setTimeout(() => {
      logger.error('drain took too long; exiting');
      process.exit(1);
    }, config.drainTimeoutMs + EXIT_GRACE_MS).unref();
    node.drain().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error instanceof Error ? error.stack : String(error) }, 'drain failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
