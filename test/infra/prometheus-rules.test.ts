import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { startRedisServer, type RedisServer } from '@chat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { startNode, type TestNode } from '../gateway/helpers/gateway-nodes.js';
import { JsonWsClient } from '../gateway/helpers/json-ws-client.js';
import { ALERT_TESTS_FILE, ALERTS_FILE, alertRules, dashboard, dashboardExprs, exportedSeries, metricNames, SYNTHETIC_SERIES } from './prometheus-exprs.js';

/** Runs promtool; a missing promtool fails (CI installs Debian's prometheus package). */
function promtool(args: string[]): { status: number | null; output: string } {
  const result = spawnSync('promtool', args, { encoding: 'utf8' });
  if (result.error) throw new Error(`promtool is not installed: run \`bash scripts/install-system-deps.sh\` (${result.error.message})`);
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('infra/prometheus/alerts.yml', () => {
  it('passes promtool check rules', () => {
    const { status, output } = promtool(['check', 'rules', ALERTS_FILE]);
    expect(output).toMatch(/SUCCESS: \d+ rules found/);
    expect(status).toBe(0);
  });

  it('fires on the situations its unit tests describe and stays quiet on a healthy cluster (promtool test rules)', () => {
    const { status, output } = promtool(['test', 'rules', ALERT_TESTS_FILE]);
    expect(output).toContain('SUCCESS');
    expect(status).toBe(0);
  });

  it('becomes a valid PrometheusRule the way infra/README.md wraps it (header + every line indented)', () => {
    const header = 'apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: chat-gateway\nspec:\n';
    const indented = readFileSync(ALERTS_FILE, 'utf8').split('\n').map((line) => (line === '' ? line : `  ${line}`)).join('\n');
    const rule = new PrometheusRule(parse(`${header}${indented}`) as never);
    expect(() => rule.validate()).not.toThrow();
    expect(rule.spec.groups?.flatMap((group) => group.rules ?? []).length).toBe(alertRules().length);
  });

  it('covers what on-call needs: a node down or not ready, Redis, slow consumers, event-loop lag, delivery p99, send errors, an idle node', () => {
    expect(alertRules().map((rule) => rule.alert)).toEqual(
      expect.arrayContaining(['ChatGatewayDown', 'ChatGatewayNotReady', 'ChatRedisUnavailable', 'ChatSlowConsumers', 'ChatEventLoopLag', 'ChatDeliveryLatencyHigh', 'ChatSendErrors', 'ChatNodeIdleWhileOthersFull']),
    );
  });
});

describe('infra/grafana/chat-cluster.json', () => {
  it('has unique panel ids, a layout inside 24 columns, and every query on the chosen Prometheus', () => {
    const { panels, uid } = dashboard();
    expect(uid).toBe('chat-cluster');
    expect(new Set(panels.map((panel) => panel.id)).size).toBe(panels.length);
    for (const panel of panels) {
      expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24);
      if (panel.type === 'row') continue;
      expect(panel.datasource?.uid, panel.title).toBe('${datasource}');
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
    }
  });

  it('every panel query is valid PromQL (checked by promtool as recording rules)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chat-dashboard-'));
    try {
      const file = join(dir, 'dashboard-queries.yml');
      const rules = dashboardExprs().map(({ expr }, index) => ({ record: `dashboard:query_${index}`, expr }));
      await writeFile(file, stringify({ groups: [{ name: 'dashboard', rules }] }));
      const { status, output } = promtool(['check', 'rules', file]);
      expect(output).toContain(`SUCCESS: ${rules.length} rules found`);
      expect(status).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('every metric the alerts and the dashboard use is exported by a live gateway', () => {
  let redis: RedisServer;
  let node: TestNode;
  let exported: Set<string>;

  beforeAll(async () => {
    redis = await startRedisServer();
    node = await startNode('metrics-node', redis.url);
    // One message through Redis, so the latency and round-trip histograms have seen traffic.
    const client = await JsonWsClient.connect(node.ws, { nick: 'metrics' });
    await client.join('metrics-room');
    await client.say('metrics-room', 'hello');
    await client.waitForMessage('metrics-room', 'hello');
    await client.close();
    exported = exportedSeries(await (await fetch(`${node.http}/metrics`)).text());
  });
  afterAll(async () => {
    await node?.drain();
    await redis?.stop();
  });

  it('finds the metric names in every query (the extraction is not blind)', () => {
    expect(metricNames('histogram_quantile(0.99, sum by (le) (rate(chat_delivery_latency_seconds_bucket{node=~"x"}[5m]))) > 0.5')).toEqual(['chat_delivery_latency_seconds_bucket']);
    expect(metricNames('(sum by (node) (chat_connections) == 0) and on () (max(sum by (node) (chat_connections)) > 1000)')).toEqual(['chat_connections']);
  });

  it.each([
    ['alerts.yml', () => alertRules().map((rule) => ({ where: rule.alert, expr: rule.expr }))],
    ['chat-cluster.json', () => dashboardExprs().map(({ panel, expr }) => ({ where: panel, expr }))],
  ])('%s', (_file, queries) => {
    const missing: string[] = [];
    let checked = 0;
    for (const { where, expr } of queries()) {
      for (const name of metricNames(expr)) {
        checked += 1;
        if (!exported.has(name) && !SYNTHETIC_SERIES.has(name)) missing.push(`${where}: ${name}`);
      }
    }
    expect(checked).toBeGreaterThan(5);
    expect(missing).toEqual([]);
  });

  it('exports the delivery latency and Redis round-trip histograms with observations', async () => {
    const text = await (await fetch(`${node.http}/metrics`)).text();
    const count = (name: string) => Number(new RegExp(`^${name}_count\\{[^}]*\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
    expect(count('chat_delivery_latency_seconds')).toBeGreaterThanOrEqual(1);
    expect(count('chat_broker_round_trip_seconds')).toBeGreaterThanOrEqual(1);
  });
});
