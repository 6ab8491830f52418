import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@chat/testkit';
import { startNode, type TestNode } from '../gateway/helpers/gateway-nodes.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

/** The README's code block that starts with `// <name>`. */
async function readmeExample(name: string): Promise<string> {
  const readme = await readFile(join(repoRoot, 'services/client/README.md'), 'utf8');
  const block = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((match) => match[1] ?? '').find((code) => code.startsWith(`// ${name}`));
  if (!block) throw new Error(`services/client/README.md has no js block starting with // ${name}`);
  return block;
}

async function node(cwd: string, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, args, { cwd, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

// The SDK as a new user gets it: `npm pack` as the README says, installed into an empty project
// outside this repository (offline: `ws` packed from this repository's node_modules), the README's
// examples run unchanged against a real node.
describe('the packed @chat/client in an empty project', { timeout: 120_000 }, () => {
  let work: string;
  let project: string;
  let server: TestNode;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'chat-sdk-pack-'));
    project = join(work, 'project');
    await run('npm', ['pack', '-w', 'services/client', '--pack-destination', work], { cwd: repoRoot, timeout: 90_000 });
    await run('npm', ['pack', '--pack-destination', work], { cwd: join(repoRoot, 'node_modules/ws'), timeout: 30_000 });
    const tarballs = (await readdir(work)).filter((file) => file.endsWith('.tgz'));
    expect(tarballs.sort()).toEqual(['chat-client-0.1.0.tgz', expect.stringMatching(/^ws-.*\.tgz$/)]);
    await run('mkdir', [project]);
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'empty-project', version: '1.0.0', private: true }));
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', ...tarballs.map((file) => join(work, file))], { cwd: project, timeout: 60_000 });
    server = await startNode('sdk-pack-node', undefined, { RATE_SENDS_PER_SEC: '20' });
  }, 180_000);

  afterAll(async () => {
    await server?.drain();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('carries its protocol inside: no dependencies, no import of @chat/protocol', async () => {
    const installed = join(project, 'node_modules/@chat/client');
    const manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.private).toBeUndefined();
    for (const file of ['dist/index.js', 'dist/index.cjs', 'dist/types/index.d.ts', 'dist/types-cjs/index.d.cts']) {
      expect(await readFile(join(installed, file), 'utf8')).not.toContain('@chat/protocol');
    }
  });

  for (const name of ['example.mjs', 'example.cjs']) {
    it(`runs the README's ${name} against a real node: connects, sends, stops, exits 0`, async () => {
      await writeFile(join(project, name), await readmeExample(name));
      const outcome = await node(project, [name, server.http]);
      expect(outcome.stderr).toBe('');
      expect(outcome.code).toBe(0);
      expect(outcome.stdout).toMatch(/^status: connected websocket sdk-pack-node/m);
      expect(outcome.stdout).toMatch(/^stored at offset \d+$/m);
      expect(outcome.stdout).toMatch(/^status: stopped/m);
    });
  }

  it('says so and exits 1 when nothing answers (not silent, not hanging)', async () => {
    const outcome = await node(project, ['example.mjs', `http://127.0.0.1:${await freePort()}`]);
    expect(outcome.code).toBe(1);
    expect(outcome.stdout).toMatch(/^status: reconnecting .*websocket: /m);
    expect(outcome.stderr).toMatch(/no answer from http:\/\/127.0.0.1:\d+ within 10 s/);
  });

  it('type-checks from ESM (.mts) and CommonJS (.cts) with its own declarations', async () => {
    const consumer = [
      "import { ChatClient, SendError, type ConnectionStatus, type SendAck, type ChatMessage } from '@chat/client';",
      "const client = new ChatClient({ url: 'http://localhost:8080', rooms: ['lobby'], getToken: async () => 'a.b.c' });",
      "client.on('status', (status: ConnectionStatus) => status.state === 'unauthorized');",
      "client.on('delete', (entry: ChatMessage & { target: number }) => entry.target);",
      "const ack: Promise<SendAck> = client.send('lobby', 'hi');",
      'void ack.catch((error: unknown) => error instanceof SendError);',
      '// @ts-expect-error the rooms are required',
      "new ChatClient({ url: 'http://localhost:8080' });",
    ].join('\n');
    await writeFile(join(project, 'consumer.mts'), consumer);
    await writeFile(join(project, 'consumer.cts'), consumer);
    const compilerOptions = { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: false, lib: ['es2022', 'dom'], types: [] };
    await writeFile(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['consumer.mts', 'consumer.cts'] }));
    const outcome = await node(project, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json']);
    expect(outcome.stdout).toBe('');
    expect(outcome.code).toBe(0);
  });
});
