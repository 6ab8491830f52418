import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../services/gateway/src/config.js';

const GATEWAY_MAIN = fileURLToPath(new URL('../../services/gateway/dist/main.js', import.meta.url));

describe('configuration (DESIGN 2.1): the defaults', () => {
  it('every variable of the table has its documented default', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8080);
    expect(config.host).toBe('0.0.0.0');
    expect(config.redis).toBeUndefined();
    expect(config.nodeId).toBe(`${hostname()}-${process.pid}`);
    expect(config.tcpPort).toBeUndefined();
    expect(config.historySize).toBe(1000);
    expect(config.idleTickMs).toBe(10_000);
    expect(config.logLevel).toBe('info');
    expect(config.auth.secret).toBeUndefined();
    expect(config.auth.requireExp).toBe(true);
    expect(config.allowedOrigins).toEqual([]);
    expect([config.rateSendsPerSec, config.rateSendsBurst]).toEqual([20, 40]);
    expect(config.presenceEventsMax).toBe(200);
    expect(config.writeBatchMs).toBe(0);
    expect(config.roomTtlMs).toBe(30 * 24 * 3_600_000);
    expect(config.redisKeyPrefix).toBe('chat:');
    expect(config.metricsToken).toBeUndefined();
    expect(config.pusher.apps).toEqual([]);
  });

  it('an empty value counts as unset', () => {
    expect(loadConfig({ PORT: '', HISTORY_SIZE: '', ALLOWED_ORIGINS: '' }).port).toBe(8080);
  });
});

describe('configuration: a bad value names its variable', () => {
  const bad: Array<[string, string]> = [
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['TCP_PORT', '-1'],
    ['HISTORY_SIZE', '0'],
    ['IDLE_TICK_MS', '1.5'],
    ['LOG_LEVEL', 'loud'],
    ['REDIS_URL', 'http://localhost:6379'],
    ['NODE_ID', 'has space'],
    ['REDIS_CLUSTER_NODES', 'nohostport'],
    ['AUTH_SECRET', 'short'],
    ['ALLOWED_ORIGINS', 'not-an-origin'],
    ['ALLOWED_ORIGINS', 'https://chat.example.com/app'],
    ['ALLOWED_ORIGINS', 'https://ok.example.com,ftp://files.example.com'],
    ['RATE_SENDS_PER_SEC', 'fast'],
    ['PRESENCE_EVENTS_MAX', '-3'],
    ['WRITE_BATCH_MS', '5000'],
    ['ROOM_TTL_MS', '1e9'],
    ['AUTH_REQUIRE_EXP', 'yes'],
    ['REDIS_KEY_PREFIX', 'has space'],
    ['METRICS_TOKEN', 'short'],
  ];
  for (const [variable, value] of bad) {
    it(`${variable}=${value}`, () => {
      expect(() => loadConfig({ [variable]: value })).toThrow(ConfigError);
      expect(() => loadConfig({ [variable]: value })).toThrow(new RegExp(`invalid configuration: .*${variable}`));
    });
  }

  it('ALLOWED_ORIGINS are kept as browsers send Origin (lower case, no default port, no trailing slash)', () => {
    expect(loadConfig({ ALLOWED_ORIGINS: 'HTTPS://Chat.Example.com:443/, http://localhost:8080,*' }).allowedOrigins).toEqual([
      'https://chat.example.com',
      'http://localhost:8080',
      '*',
    ]);
  });
});

interface Exit {
  readonly code: number | null;
  readonly stderr: string;
}

/** Runs the built gateway with `env` and waits for it to exit by itself (a bad start must not hang). */
function runGateway(env: Record<string, string>): Promise<Exit> {
  return new Promise((resolve) => {
    execFile(process.execPath, [GATEWAY_MAIN], { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...env }, timeout: 15_000 }, (error, _stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stderr });
    });
  });
}

describe('the gateway process: bad configuration exits at start with status 1 and names the variable', () => {
  let taken: Server;
  let takenPort: number;

  beforeAll(async () => {
    expect(existsSync(GATEWAY_MAIN), `${GATEWAY_MAIN} is missing: npm run build`).toBe(true);
    taken = createServer();
    takenPort = await new Promise<number>((resolve) => {
      taken.listen(0, '127.0.0.1', () => {
        const address = taken.address();
        resolve(typeof address === 'object' && address ? address.port : 0);
      });
    });
  });
  afterAll(() => new Promise<void>((resolve) => taken.close(() => resolve())));

  it('a malformed value (PORT=abc)', async () => {
    const exit = await runGateway({ PORT: 'abc' });
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(/PORT: must be a whole number/);
  });

  it('a value checked when the node starts (TRUSTED_PROXIES=not-a-cidr)', async () => {
    const exit = await runGateway({ PORT: '0', HOST: '127.0.0.1', TRUSTED_PROXIES: 'not-a-cidr' });
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(/TRUSTED_PROXIES: 'not-a-cidr' is not an address or CIDR/);
  });

  it('a HOST this machine has no address for', async () => {
    const exit = await runGateway({ PORT: '0', HOST: '192.0.2.1' });
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(/HOST=192\.0\.2\.1: listen EADDRNOTAVAIL/);
  });

  it('a PORT already in use', async () => {
    const exit = await runGateway({ PORT: String(takenPort), HOST: '127.0.0.1' });
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(new RegExp(`PORT=${takenPort} HOST=127\\.0\\.0\\.1: listen EADDRINUSE`));
  });

  it('a TCP_PORT already in use', async () => {
    const exit = await runGateway({ PORT: '0', TCP_PORT: String(takenPort), HOST: '127.0.0.1' });
    expect(exit.code).toBe(1);
    expect(exit.stderr).toMatch(new RegExp(`TCP_PORT=${takenPort} HOST=127\\.0\\.0\\.1: listen EADDRINUSE`));
  });
});
