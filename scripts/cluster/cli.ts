import { parseArgs } from 'node:util';
import { startLocalCluster, type LocalCluster } from './local-cluster.js';
import { freePort, portIsFree } from '@chat/testkit';

const usage = 'usage: npm run cluster -- [--gateways N] [--port P]';

/** `npm run cluster`: redis + N gateways + nginx as local processes until Ctrl-C. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      gateways: { type: 'string', default: '3' },
      port: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    return;
  }
  const gateways = Number(values.gateways);
  if (!Number.isInteger(gateways) || gateways < 1 || gateways > 32) throw new Error(`--gateways must be 1..32\n${usage}`);
  let port: number;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`--port must be 1..65535\n${usage}`);
  } else {
    port = (await portIsFree(8080)) ? 8080 : await freePort();
  }

  console.log(`starting redis-server (AOF), ${gateways} gateway(s) and nginx…`);
  const cluster: LocalCluster = await startLocalCluster({ gateways, nginxPort: port, redisAof: true });
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the cluster…`);
    cluster.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  console.log(`\nchat:  ${cluster.url}/chat`);
  for (const node of cluster.nodes) console.log(`  ${node.id}: ${node.url} (pid ${node.pid ?? '?'})`);
  if (cluster.redis) console.log(`  redis:     ${cluster.redis.url}`);
  console.log('Ctrl-C stops everything.');

  // A gateway that dies on its own is reported with its last output; the rest keep running.
  let reported = 0;
  const watch = setInterval(() => {
    for (const { name, exit } of cluster.unexpectedExits().slice(reported)) {
      console.error(`${name} exited unexpectedly (code ${exit.code}, signal ${exit.signal})`);
      console.error(cluster.logs());
      reported++;
    }
  }, 1_000);
  watch.unref();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
