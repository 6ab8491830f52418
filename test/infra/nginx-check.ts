import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nginxArgs, writeNginxPrefix, type ChatConfValues } from '../../scripts/cluster/nginx-config.js';

/** Runs `nginx -t` on the chat template rendered with `values` under `mainConf`, in a temp prefix. */
export async function nginxTest(values: ChatConfValues, mainConf?: string): Promise<{ ok: boolean; output: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'chat-nginx-t-'));
  try {
    const prefix = await writeNginxPrefix(dir, values, mainConf);
    // stdout to /dev/null: compose's access_log /dev/stdout cannot be opened on a socket pair.
    const result = spawnSync('nginx', nginxArgs(prefix, ['-t', '-q']), { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (result.error) throw result.error;
    return { ok: result.status === 0, output: result.stderr };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
