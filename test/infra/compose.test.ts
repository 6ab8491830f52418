import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chatTemplatePath, composeMainConfPath, localMainConfPath, upstreamHealth } from '../../scripts/cluster/nginx-config.js';
import { readComposeServices, readComposeVolumeNames, type ComposeService } from './compose-file.js';
import { nginxTest } from './nginx-check.js';

const root = join(import.meta.dirname, '..', '..');
const composePath = join(root, 'docker-compose.yml');
const services = readComposeServices(composePath);
const gatewayNames = Object.keys(services).filter((name) => /^gateway-\d+$/.test(name));

function service(name: string): ComposeService {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

/** The host side of a `./host:/container[:ro]` volume, resolved against the repository root. */
function volumeSource(volume: string): string {
  const [source] = volume.split(':');
  return join(root, source ?? '');
}

const composeUpstreams = service('nginx').environment?.CHAT_UPSTREAM_SERVERS ?? '';
const dockerfilePath = join(root, service('gateway-1').build?.context ?? '.', service('gateway-1').build?.dockerfile ?? 'Dockerfile');
const dockerfile = existsSync(dockerfilePath) ? readFileSync(dockerfilePath, 'utf8') : '';

describe('docker-compose.yml', () => {
  it('runs redis with an append-only file fsynced every second on a named volume, health-checked with redis-cli ping', () => {
    const redis = service('redis');
    expect(redis.image).toMatch(/^redis:7/);
    expect(redis.command).toEqual(['redis-server', '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec']);
    expect(redis.volumes).toEqual(['redis-data:/data']);
    expect(readComposeVolumeNames(composePath)).toContain('redis-data');
    expect(redis.healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping']);
  });

  it('runs three gateways from infra/gateway.Dockerfile on the shared Redis, each with its own NODE_ID', () => {
    expect(gatewayNames).toEqual(['gateway-1', 'gateway-2', 'gateway-3']);
    const ids = new Set<string>();
    for (const name of gatewayNames) {
      const gateway = service(name);
      expect(gateway.build?.dockerfile).toBe('infra/gateway.Dockerfile');
      expect(gateway.environment?.REDIS_URL).toBe('redis://redis:6379');
      expect(gateway.environment?.PORT).toBe('8080');
      expect(gateway.depends_on?.redis?.condition).toBe('service_healthy');
      ids.add(gateway.environment?.NODE_ID ?? '');
    }
    expect([...ids].sort()).toEqual(gatewayNames);
  });

  it('publishes nginx on port 8080 after every gateway is healthy', () => {
    const nginx = service('nginx');
    expect(nginx.ports).toContain('8080:80');
    expect(nginx.environment?.CHAT_LISTEN).toBe('80');
    expect(nginx.environment?.NGINX_ENVSUBST_FILTER).toBe('^CHAT_');
    expect(nginx.healthcheck?.test).toBeDefined();
    for (const name of gatewayNames) expect(nginx.depends_on?.[name]?.condition).toBe('service_healthy');
  });

  it("lists every gateway in nginx's upstream servers, with passive health and no stickiness", () => {
    const servers = composeUpstreams.split(';').map((line) => line.trim()).filter(Boolean);
    expect(servers).toEqual(gatewayNames.map((name) => `server ${name}:8080 ${upstreamHealth}`));
  });

  it('names only files that exist', () => {
    expect(existsSync(dockerfilePath), dockerfilePath).toBe(true);
    expect(existsSync(join(root, '.dockerignore'))).toBe(true);
    const volumes = service('nginx').volumes ?? [];
    expect(volumes).toEqual(['./infra/nginx/nginx.conf:/etc/nginx/nginx.conf:ro', './infra/nginx/templates:/etc/nginx/templates:ro']);
    for (const volume of volumes) expect(existsSync(volumeSource(volume)), volume).toBe(true);
    expect(existsSync(chatTemplatePath)).toBe(true);
  });

  // scripts/install-system-deps.sh installs docker-compose: missing, this fails rather than skips.
  it('is valid for docker-compose config', () => {
    const result = spawnSync('docker-compose', ['-f', composePath, 'config', '-q'], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('infra/gateway.Dockerfile', () => {
  it('builds in one node:24-slim stage and runs from another with production dependencies only', () => {
    expect(dockerfile.match(/^FROM node:24-slim AS \w+$/gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^RUN npm ci\b/m);
    expect(dockerfile).toMatch(/^RUN npm run build$/m);
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev --ignore-scripts\b/m);
  });

  it('runs node itself as an unprivileged user, with a /readyz healthcheck', () => {
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK [^\n]*\\\n\s+CMD \["node", "-e", "fetch\([^\n]*\/readyz/m);
    const cmd = dockerfile.match(/^CMD (.+)$/m)?.[1];
    expect(JSON.parse(cmd ?? 'null')).toEqual(['node', 'services/gateway/dist/main.js']);
  });

  it('copies every workspace manifest (npm ci needs them), the sources the build compiles, and the runtime output of what the gateway imports', () => {
    const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[]; scripts: { build: string } };
    for (const workspace of rootManifest.workspaces) {
      expect(dockerfile.match(new RegExp(`^COPY ${workspace}/package\\.json ${workspace}/$`, 'gm')), workspace).toHaveLength(2);
    }
    const compiled = /tsc -b ([^&]+)&&/.exec(rootManifest.scripts.build)?.[1]?.trim().split(/\s+/) ?? [];
    expect(compiled.length).toBeGreaterThan(2);
    for (const workspace of compiled) expect(dockerfile, workspace).toMatch(new RegExp(`^COPY ${workspace} ${workspace}$`, 'm'));
    const gateway = JSON.parse(readFileSync(join(root, 'services/gateway/package.json'), 'utf8')) as { dependencies: Record<string, string> };
    for (const dependency of Object.keys(gateway.dependencies).filter((name) => name.startsWith('@chat/'))) {
      const folder = `services/${dependency.slice('@chat/'.length)}`;
      expect(dockerfile, dependency).toMatch(new RegExp(`^COPY --from=build /app/${folder}/dist ${folder}/dist$`, 'm'));
    }
  });

  it('copies only paths that exist in the repository', () => {
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((match) => (match[1] ?? '').split(/\s+/));
    expect(sources.length).toBeGreaterThan(3);
    for (const source of sources) expect(existsSync(join(root, source)), source).toBe(true);
  });
});

describe('infra/nginx', () => {
  const template = readFileSync(chatTemplatePath, 'utf8');

  it('balances by least connections with no sticky sessions', () => {
    expect(template).toMatch(/^\s*least_conn;/m);
    expect(template).not.toMatch(/^\s*(ip_hash|hash|sticky)\b/m);
  });

  it('upgrades WebSockets, streams SSE and long-poll unbuffered and passes Host with its port', () => {
    expect(template).toMatch(/map \$http_upgrade \$connection_upgrade/);
    expect(template).toMatch(/proxy_http_version 1\.1;/);
    expect(template).toMatch(/proxy_set_header Connection \$connection_upgrade;/);
    expect(template).toMatch(/''\s+\$host;\s+default \$http_host;/);
    expect(template).toMatch(/proxy_set_header Host \$chat_forwarded_host;/);
    expect(template).toMatch(/proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;/);
    expect(template.match(/proxy_buffering off;/g)?.length).toBeGreaterThanOrEqual(3);
    expect(template).toMatch(/proxy_next_upstream error timeout http_503;/);
    expect(template).toMatch(/client_max_body_size 128k;/);
  });

  it('is accepted by nginx -t as compose renders it (gateway hosts as 127.0.0.1)', async () => {
    // nginx resolves upstream names at load; compose's service names only resolve inside Docker.
    const upstreams = composeUpstreams.replace(/gateway-\d+:/g, '127.0.0.1:');
    // nginx -t parses `listen` but binds nothing, so compose's port 80 needs no privilege here.
    const listen = service('nginx').environment?.CHAT_LISTEN ?? '';
    const result = await nginxTest({ listen, upstreams }, composeMainConfPath);
    expect(result.output).not.toMatch(/emerg|error/);
    expect(result.ok).toBe(true);
  });

  it('is accepted by nginx -t as the local cluster renders it', async () => {
    const upstreams = [1, 2, 3].map((index) => ({ host: '127.0.0.1', port: 40_000 + index }));
    const result = await nginxTest({ listen: '127.0.0.1:18080', upstreams }, localMainConfPath);
    expect(result.output).toBe('');
    expect(result.ok).toBe(true);
  });
});
