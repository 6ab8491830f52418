import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, type TestNode } from '../gateway/helpers/gateway-nodes.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const SECRET = 'token-command-secret-0123456789';
const run = promisify(execFile);

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `npm run --silent token -- <args>` as an operator types it, with this environment. */
async function tokenCommand(args: readonly string[], env: Record<string, string | undefined>): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run('npm', ['run', '--silent', 'token', '--', ...args], { cwd: repoRoot, env: { ...process.env, ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('npm run --silent token: exactly a token on stdout, for T=$(…)', { timeout: 90_000 }, () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startNode('token-node', undefined, { AUTH_SECRET: SECRET });
  });
  afterAll(() => node?.drain());

  it('prints one JWT and nothing else; the server takes it, with its nick and rooms', async () => {
    const outcome = await tokenCommand(['--sub', 'alice', '--nick', 'Alice', '--rooms', 'lobby,team-*'], { AUTH_SECRET: SECRET });
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const token = outcome.stdout.trim();
    const allowed = await fetch(`${node.http}/rooms/team-a/presence`, { headers: { Authorization: `Bearer ${token}` } });
    expect(allowed.status).toBe(200);
    const outside = await fetch(`${node.http}/rooms/elsewhere/presence`, { headers: { Authorization: `Bearer ${token}` } });
    expect(outside.status).toBe(403);
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ sub: 'alice', nick: 'Alice', rooms: ['lobby', 'team-*'] });
  });

  it('--help prints the usage and exits 0', async () => {
    const outcome = await tokenCommand(['--help'], { AUTH_SECRET: undefined });
    expect(outcome.code).toBe(0);
    expect(outcome.stdout).toContain('usage: AUTH_SECRET=<secret> npm run --silent token -- --sub <user>');
    expect(outcome.stdout).toContain('--rooms <list>');
  });

  it('an unknown option, a missing --sub or a missing secret: a clear message and the usage on stderr, no stack trace', async () => {
    const cases: Array<[readonly string[], Record<string, string | undefined>, string]> = [
      [['--sub', 'alice', '--bogus'], { AUTH_SECRET: SECRET }, "Unknown option '--bogus'"],
      [['--nick', 'Alice'], { AUTH_SECRET: SECRET }, '--sub is required'],
      [['--sub', 'alice'], { AUTH_SECRET: undefined }, 'AUTH_SECRET must be set'],
    ];
    for (const [args, env, message] of cases) {
      const outcome = await tokenCommand(args, env);
      expect(outcome.code).toBe(2);
      expect(outcome.stdout).toBe('');
      expect(outcome.stderr).toContain(message);
      expect(outcome.stderr).toContain('usage:');
      expect(outcome.stderr).not.toMatch(/^\s+at /m);
    }
  });
});
