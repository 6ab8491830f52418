import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** infra/nginx in this repository. */
export const nginxInfraDir = fileURLToPath(new URL('../../infra/nginx/', import.meta.url));
export const chatTemplatePath = join(nginxInfraDir, 'templates', 'chat.conf.template');
export const localMainConfPath = join(nginxInfraDir, 'nginx.local.conf');
export const composeMainConfPath = join(nginxInfraDir, 'nginx.conf');

/** One gateway behind nginx. */
export interface UpstreamServer {
  readonly host: string;
  readonly port: number;
}

/** What differs between compose and the local cluster: where nginx listens and the gateways. */
export interface ChatConfValues {
  /** `80`, or `127.0.0.1:<port>`. */
  readonly listen: string;
  /** Either servers (rendered with the default health settings) or literal `server …;` lines. */
  readonly upstreams: readonly UpstreamServer[] | string;
}

/** Passive health: two failed attempts take a node out for 3 s, then nginx tries it again. */
export const upstreamHealth = 'max_fails=2 fail_timeout=3s';

/** `server host:port max_fails=… fail_timeout=…;` lines for the upstream block. */
export function upstreamServerLines(servers: readonly UpstreamServer[]): string {
  if (servers.length === 0) throw new Error('nginx needs at least one upstream gateway');
  return servers.map((server) => `server ${server.host}:${server.port} ${upstreamHealth};`).join('\n    ');
}

/** Fills the template's ${CHAT_*} placeholders, as the nginx image's envsubst does for compose. */
export function renderChatConf(template: string, values: ChatConfValues): string {
  const servers = typeof values.upstreams === 'string' ? values.upstreams : upstreamServerLines(values.upstreams);
  const filled: Record<string, string> = { CHAT_LISTEN: values.listen, CHAT_UPSTREAM_SERVERS: servers };
  return template.replace(/\$\{(CHAT_[A-Z_]+)\}/g, (placeholder: string, name: string) => {
    const value = filled[name];
    if (value === undefined) throw new Error(`nginx template placeholder ${placeholder} has no value`);
    return value;
  });
}

/** The files of an nginx prefix: main config, pid, temp dirs and logs all live under `dir`. */
export interface NginxPrefix {
  readonly dir: string;
  readonly confPath: string;
}

/** Writes an unprivileged nginx prefix: `mainConf` as nginx.conf plus conf.d/chat.conf rendered from the template. */
export async function writeNginxPrefix(dir: string, values: ChatConfValues, mainConf = localMainConfPath): Promise<NginxPrefix> {
  for (const sub of ['conf.d', 'logs', 'tmp/client_body', 'tmp/proxy', 'tmp/fastcgi', 'tmp/uwsgi', 'tmp/scgi']) {
    await mkdir(join(dir, sub), { recursive: true });
  }
  const template = await readFile(chatTemplatePath, 'utf8');
  await writeFile(join(dir, 'conf.d', 'chat.conf'), renderChatConf(template, values));
  const confPath = join(dir, 'nginx.conf');
  await writeFile(confPath, await readFile(mainConf, 'utf8'));
  return { dir, confPath };
}

/** Arguments that run nginx from a prefix in the foreground. */
export function nginxArgs(prefix: NginxPrefix, extra: readonly string[] = []): string[] {
  return ['-p', `${prefix.dir}/`, '-c', prefix.confPath, ...extra];
}
