import { expect } from 'vitest';
import type { TestNode } from '../../gateway/helpers/gateway-nodes.js';
import { fetchJson } from '../../gateway/helpers/http-client.js';
import { TcpLineClient } from '../../gateway/helpers/line-clients.js';
import { SseClient } from '../../gateway/helpers/sse-client.js';
import { connectJsonWithToken, connectLineWithToken, errorCodeOf, httpRequest, probeWs, wsUrl } from './probes.js';

/**
 * Proves a token opens every transport as its holder: /ws (welcome nick), /ws/line, SSE, poll,
 * POST and the TCP `auth !` line. The node needs a TCP gateway.
 */
export async function expectAcceptedEverywhere(node: TestNode, token: string, nick: string): Promise<void> {
  const json = await connectJsonWithToken(node, token);
  try {
    expect(json.welcome.nick).toBe(nick);
  } finally {
    await json.close();
  }
  const line = await connectLineWithToken(node, token);
  try {
    line.send('hello line');
    await line.waitForLine("status ! received 'hello line'");
  } finally {
    await line.close();
  }
  const sse = await SseClient.open(node.http, `rooms=lobby&token=${encodeURIComponent(token)}`);
  try {
    expect((await sse.next((event) => event.type === 'welcome')).data.nick).toBe(nick);
  } finally {
    sse.close();
  }
  const polled = await fetchJson<{ events: Array<{ type: string }> }>(`${node.http}/poll?rooms=lobby&token=${encodeURIComponent(token)}`);
  expect(polled.status).toBe(200);
  expect(polled.body.events[0]?.type).toBe('joined');
  const post = await httpRequest(node, '/rooms/lobby/messages', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ text: `posted by ${nick}` }),
  });
  expect(post.status, post.body).toBe(201);
  const tcp = await TcpLineClient.connect(node.tcpPort);
  try {
    tcp.send(`auth ! ${token}`);
    tcp.send('hello tcp');
    await tcp.waitForLine("status ! received 'hello tcp'");
  } finally {
    await tcp.close();
  }
}

/**
 * Proves a token opens nothing: /ws and /ws/line close 4001, SSE, poll and POST answer 401
 * `unauthorized`, TCP is told `unauthorized: …` and dropped. The node needs a TCP gateway.
 */
export async function expectRefusedEverywhere(node: TestNode, token: string): Promise<void> {
  for (const path of ['/ws', '/ws/line'] as const) {
    const outcome = await probeWs(wsUrl(node, path, token));
    expect(outcome.close?.code, path).toBe(4001);
    expect(outcome.frames).toEqual([]);
  }
  const query = `token=${encodeURIComponent(token)}`;
  for (const [method, path] of [
    ['GET', `/sse?rooms=lobby&${query}`],
    ['GET', `/poll?rooms=lobby&${query}`],
    ['POST', `/rooms/lobby/messages?${query}`],
  ] as const) {
    const answer = await httpRequest(node, path, { method, headers: { 'content-type': 'application/json' }, ...(method === 'POST' ? { body: '{"text":"let me in"}' } : {}) });
    expect(answer.status, `${method} ${path}`).toBe(401);
    expect(errorCodeOf(answer)).toBe('unauthorized');
  }
  const tcp = await TcpLineClient.connect(node.tcpPort);
  try {
    tcp.send(`auth ! ${token}`);
    await tcp.waitForLine(/^status ! unauthorized: /);
    await tcp.waitForEnd();
  } finally {
    await tcp.close();
  }
}

/** The HTTP status and error code a token gets from POST (a quick single-transport check). */
export async function postWith(node: TestNode, token: string): Promise<{ status: number; code?: string }> {
  const answer = await httpRequest(node, '/rooms/lobby/messages', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: '{"text":"checking a token"}',
  });
  return answer.status < 400 ? { status: answer.status } : { status: answer.status, code: errorCodeOf(answer) };
}
