import fc from 'fast-check';
import { existsSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { MAX_STREAM_CURSOR_LENGTH } from '@chat/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLIC_DIR } from '../../services/gateway/src/http/app.js';
import { startNode, type TestNode } from '../gateway/helpers/gateway-nodes.js';
import { poll, rawHttp } from '../gateway/helpers/http-client.js';
import { JsonWsClient } from '../gateway/helpers/json-ws-client.js';
import { Resources } from '../gateway/helpers/resources.js';
import { HonestPair } from '../security/helpers/honest.js';
import { invalidUtf8, lineInput, wsJsonInput } from './helpers/arbitraries.js';
import { FuzzFigures, inputsFor, type FuzzTarget } from './helpers/budget.js';
import { FuzzHttp, FuzzSocket, FuzzTcp, pooled, type FuzzRequest } from './helpers/drivers.js';
import { historyRequest, pollRequest, postRequest, sseRequest, staticPath } from './helpers/http-inputs.js';
import { checkHttpReply, checkLine, checkWsFrame, FUZZ_CLOSE_CODES } from './helpers/invariants.js';

const BATCH = 50;
/** Per target: the CI sample takes seconds, `FUZZ_RUNS=full` minutes. */
const TARGET_TIMEOUT_MS = 15 * 60_000;
const HTTP_CONCURRENCY = 8;
const SEED = Number(process.env.FUZZ_SEED ?? 20261123);
const resources = new Resources();
const figures = new FuzzFigures();
const rejections: unknown[] = [];
const onRejection = (reason: unknown): void => void rejections.push(reason);
let node: TestNode;
/** A second node with every budget at its default (RATE_FRAMES_*, RATE_READS_*): the limits target. */
let limited: TestNode;
let http: FuzzHttp;
let honest: HonestPair;

beforeAll(async () => {
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onRejection);
  node = await startNode('fuzz', undefined, { TCP_PORT: '0', DRAIN_TIMEOUT_MS: '500' });
  resources.track({ close: () => node.drain() });
  http = new FuzzHttp(node.port);
  resources.track(http);
  limited = await startNode('fuzz-limited', undefined, { RATE_FRAMES_PER_SEC: '10', RATE_FRAMES_BURST: '20', RATE_READS_PER_SEC: '20', RATE_READS_BURST: '60', DRAIN_TIMEOUT_MS: '500' });
  resources.track({ close: () => limited.drain() });
  const sender = resources.track(await JsonWsClient.connect(node.ws, { nick: 'honest-a' }));
  const receiver = resources.track(await JsonWsClient.connect(node.ws, { nick: 'honest-b' }));
  honest = await HonestPair.join(sender, receiver, 'honest-room');
});

afterAll(async () => {
  await resources.closeAll();
  process.off('unhandledRejection', onRejection);
  process.off('uncaughtException', onRejection);
  console.log(figures.toJson(rejections.length));
});

/** After every batch: the process answers /healthz and the honest clients still chat. */
async function stillServing(): Promise<void> {
  const health = await http.send({ path: '/healthz' }).catch(() => undefined);
  if (health?.status !== 200) figures.crashes += 1;
  expect(health?.status, 'node answers /healthz').toBe(200);
  await honest.check('honest');
  expect(rejections, 'unhandled rejections').toEqual([]);
}

/** Invariant violations per target: the run goes on so every input is tried; each target asserts none at its end. */
const violations = new Map<FuzzTarget, string[]>();

/**
 * Runs the target's share of inputs of `arbitrary` through `runBatch`, `batchSize` at a time, as
 * one fast-check property (seeded, reproducible). A violation is recorded with the batch that
 * caused it and the run continues, so the figures count every input and every distinct problem.
 */
async function fuzz<T>(target: FuzzTarget, arbitrary: fc.Arbitrary<T>, batchSize: number, runBatch: (batch: T[], index: number) => Promise<void>): Promise<void> {
  const numInputs = inputsFor(target);
  const found: string[] = [];
  violations.set(target, found);
  let index = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(arbitrary, { minLength: batchSize, maxLength: batchSize }), async (batch) => {
      index += 1;
      try {
        await runBatch(batch, index);
      } catch (error) {
        const message = (error as Error).message.slice(0, 400);
        if (found.length < 20 && !found.some((known) => known.slice(0, 60) === message.slice(0, 60))) found.push(`${message} (batch ${index}, seed ${SEED})`);
      }
      figures.count(target, batch.length);
      await stillServing();
    }),
    { numRuns: Math.ceil(numInputs / batchSize), seed: SEED, endOnFailure: true },
  );
  expect(found, `${target}: invariant violations`).toEqual([]);
}

describe('fuzzing one node: no crash, documented replies only, honest clients unaffected', () => {
  it('TCP line protocol: random lines, CR/LF/NUL, long lines', async () => {
    let tcp = await FuzzTcp.open(node.tcpPort);
    let sentinel = 0;
    await fuzz('tcp', lineInput, BATCH, async (batch) => {
      sentinel += 1;
      const lines = await tcp.batch(batch.join('\n'), `fuzz-sentinel-${sentinel}`);
      for (const line of lines) figures.reply('tcp', checkLine(line));
    });
    await tcp.close();
    tcp = await FuzzTcp.open(node.tcpPort);
    await tcp.batch('msg ! after fuzzing', 'last');
    await tcp.close();
  }, TARGET_TIMEOUT_MS);

  it('WebSocket line protocol (/ws/line): random frames with CR/LF/NUL and long lines', async () => {
    let socket = await FuzzSocket.open(`${node.ws}/ws/line`);
    let sentinel = 0;
    await fuzz('wsLine', lineInput, BATCH, async (batch) => {
      if (!socket.open) socket = await FuzzSocket.open(`${node.ws}/ws/line`);
      sentinel += 1;
      const echo = `status ! received 'fuzz-sentinel-${sentinel}'`;
      const frames = await socket.batch(batch, `fuzz-sentinel-${sentinel}`, (frame) => frame === echo);
      for (const frame of frames) figures.reply('wsLine', checkLine(frame));
      if (!socket.open) {
        const { code } = await socket.closed;
        figures.reply('wsLine', `close:${code}`);
        expect(FUZZ_CLOSE_CODES.has(code), `close code ${code}`).toBe(true);
      }
    });
    await socket.close();
  }, TARGET_TIMEOUT_MS);

  it('WebSocket JSON protocol: random JSON, mutated frames, random strings, binary frames', async () => {
    let socket = await FuzzSocket.open(`${node.ws}/ws`);
    await fuzz('wsJson', wsJsonInput, BATCH, async (batch, index) => {
      // A fresh connection now and then, so joined rooms (and their presence traffic) do not pile up.
      if (index % 20 === 0) await socket.close();
      if (!socket.open) socket = await FuzzSocket.open(`${node.ws}/ws`);
      const frames = await socket.batch(batch, '{"type":"ping"}', (frame) => frame === '{"type":"pong"}');
      for (const frame of frames) figures.reply('wsJson', checkWsFrame(frame));
      if (!socket.open) {
        const { code } = await socket.closed;
        figures.reply('wsJson', `close:${code}`);
        expect(FUZZ_CLOSE_CODES.has(code), `close code ${code}`).toBe(true);
      }
    });
    await socket.close();
  }, TARGET_TIMEOUT_MS);

  it('WebSocket text frames that are not UTF-8 close with 1007 and nothing else', async () => {
    await fuzz('wsInvalidUtf8', invalidUtf8, 10, async (batch) => {
      for (const bytes of batch) {
        const socket = await FuzzSocket.open(`${node.ws}/ws`);
        socket.sendTextBytes(bytes);
        const { code } = await socket.closed;
        figures.reply('wsInvalidUtf8', `close:${code}`);
        expect(code).toBe(1007);
        for (const frame of socket.take()) checkWsFrame(frame);
      }
    });
  }, TARGET_TIMEOUT_MS);

  /** Sends HTTP requests and checks each answer. */
  async function httpBatch(target: FuzzTarget, batch: readonly FuzzRequest[], check: (request: FuzzRequest, reply: Awaited<ReturnType<FuzzHttp['send']>>) => void = () => undefined): Promise<void> {
    await pooled(batch, HTTP_CONCURRENCY, async (request) => {
      const reply = await http.send(request);
      let kind: string;
      try {
        // Any unmatched GET falls through to the static files (`no file: …`); the URL/header limits are Node's parser.
        kind = checkHttpReply(reply, { staticPath: true });
        check(request, reply);
      } catch (error) {
        throw new Error(`${request.method ?? 'GET'} ${request.path.slice(0, 300)}: ${(error as Error).message}`, { cause: error });
      }
      figures.reply(target, kind);
    });
  }

  it('SSE: query strings and Last-Event-ID headers', async () => {
    await fuzz('sse', sseRequest, 25, (batch) =>
      httpBatch('sse', batch, (_request, reply) => {
        if (reply.status !== 200) return;
        for (const line of reply.body.split('\n')) expect(line).toMatch(/^(event: [a-z]+|id: (2\.[A-Za-z0-9_-]+\.)?[A-Za-z0-9_-]*|data: [^\r\n]*|retry: \d+|: ?[^\r\n]*|)$/);
        for (const data of reply.body.match(/^data: .*$/gm) ?? []) checkWsFrame(data.slice('data: '.length));
      }),
    );
  }, TARGET_TIMEOUT_MS);

  it('long-poll: rooms, cursors (random, mutated, valid) and timeouts', async () => {
    const valid = await poll(node.http, 'fz-a,fz-b');
    const withValid = pollRequest.chain((request) =>
      fc.constantFrom(request, { path: `/poll?rooms=fz-a,fz-b&timeout=0&cursor=${valid.cursor}` }, { path: `/poll?rooms=fz-a&timeout=0&cursor=${valid.cursor.slice(0, -2)}` }),
    );
    await fuzz('poll', withValid, 40, (batch) =>
      httpBatch('poll', batch, (_request, reply) => {
        if (reply.status !== 200) return;
        const body = JSON.parse(reply.body) as { cursor: unknown; events: unknown };
        expect(body.cursor).toMatch(/^(2\.[A-Za-z0-9_-]+\.)?[A-Za-z0-9_-]*$/);
        expect((body.cursor as string).length).toBeLessThanOrEqual(MAX_STREAM_CURSOR_LENGTH);
        expect(Array.isArray(body.events)).toBe(true);
        for (const event of body.events as unknown[]) checkWsFrame(JSON.stringify(event));
      }),
    );
  }, TARGET_TIMEOUT_MS);

  it('POST /rooms/:room/messages: bodies, content types, methods', async () => {
    await fuzz('post', postRequest, 40, (batch) => httpBatch('post', batch));
  }, TARGET_TIMEOUT_MS);

  it('GET /rooms/:room/messages and presence: query strings', async () => {
    await fuzz('history', historyRequest, 40, (batch) => httpBatch('history', batch));
  }, TARGET_TIMEOUT_MS);

  it('static paths: `..` in every spelling over keep-alive and raw sockets; nothing outside public/ is served', async () => {
    const root = resolve(PUBLIC_DIR);
    const servedFrom = (path: string): string | undefined => {
      let decoded: string;
      try {
        decoded = decodeURIComponent(path.split('?')[0]!);
      } catch {
        return undefined;
      }
      return resolve(root, `.${decoded}`);
    };
    let raw = 0;
    await fuzz('staticPaths', staticPath, 40, (batch) =>
      pooled(batch, HTTP_CONCURRENCY, async (path) => {
        raw += 1;
        const viaRaw = raw % 4 === 0;
        const reply = viaRaw ? await rawHttp(node.port, path) : await http.send({ path });
        let kind: string;
        try {
          kind = reply.status === 302 && path === '/' ? '302' : checkHttpReply(reply, { staticPath: true });
          if (reply.status === 200 && !['/chat', '/healthz', '/readyz', '/metrics'].includes(path)) {
            const file = servedFrom(path);
            expect(file !== undefined && (file === root || file.startsWith(root + sep)), `200 for a path outside public/: ${path}`).toBe(true);
            expect(existsSync(file!) && statSync(file!).isFile()).toBe(true);
          }
          expect(reply.body).not.toMatch(/root:x:0:0|"name": "chat-cluster"|GatewayNode/);
        } catch (error) {
          throw new Error(`GET ${path.slice(0, 300)} (${viaRaw ? 'raw' : 'keep-alive'}): ${(error as Error).message}`, { cause: error });
        }
        figures.reply('staticPaths', kind);
      }),
    );
  }, TARGET_TIMEOUT_MS);

  it('limits: floods of cheap frames and reads against the default budgets get rate_limited, 429 with Retry-After or close 4029, never anything else', async () => {
    const limitedHttp = new FuzzHttp(limited.port);
    resources.track(limitedHttp);
    let socket = await FuzzSocket.open(`${limited.ws}/ws`);
    const reads = fc.oneof(historyRequest, pollRequest);
    await fuzz('limits', fc.tuple(wsJsonInput, reads), BATCH, async (batch) => {
      if (!socket.open) socket = await FuzzSocket.open(`${limited.ws}/ws`);
      const frames = await socket.batch(batch.map(([frame]) => frame), '{"type":"ping"}', (frame) => frame === '{"type":"pong"}');
      for (const frame of frames) figures.reply('limits', checkWsFrame(frame));
      if (!socket.open) {
        const { code } = await socket.closed;
        figures.reply('limits', `close:${code}`);
        expect(FUZZ_CLOSE_CODES.has(code) || code === 4029, `close code ${code}`).toBe(true);
      }
      await pooled(batch.map(([, request]) => request), HTTP_CONCURRENCY, async (request) => {
        const reply = await limitedHttp.send(request);
        const kind = checkHttpReply(reply, { staticPath: true });
        if (reply.status === 429) expect(Number(reply.headers['retry-after']), `Retry-After of ${request.path.slice(0, 100)}`).toBeGreaterThanOrEqual(1);
        figures.reply('limits', kind);
      });
    });
    await socket.close();
    // Past the floods, a new client of the limited node is served.
    const fresh = resources.track(await JsonWsClient.connect(limited.ws, { nick: 'after-limits' }));
    await fresh.join('after-limits');
  }, TARGET_TIMEOUT_MS);

  it('at the end: the node still serves, nothing leaked into unhandled rejections', async () => {
    await stillServing();
    expect(figures.crashes).toBe(0);
    expect(rejections).toEqual([]);
  }, TARGET_TIMEOUT_MS);
});
