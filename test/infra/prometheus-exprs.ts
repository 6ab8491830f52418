import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const root = join(import.meta.dirname, '..', '..');
export const ALERTS_FILE = join(root, 'infra', 'prometheus', 'alerts.yml');
export const ALERT_TESTS_FILE = join(root, 'infra', 'prometheus', 'alerts.test.yml');
export const DASHBOARD_FILE = join(root, 'infra', 'grafana', 'chat-cluster.json');

/** Series Prometheus makes itself rather than scraping them. */
export const SYNTHETIC_SERIES: ReadonlySet<string> = new Set(['up']);

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/** The metric names a PromQL expression reads (functions, labels, durations and keywords left out). */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*(?=\s*(\()?)/g)) {
    const [name, call] = [match[0], match[1]];
    if (call !== undefined || KEYWORDS.has(name.toLowerCase())) continue;
    if (/^[eE]\d|^\d/.test(name)) continue;
    names.add(name);
  }
  return [...names];
}

interface AlertRule {
  readonly alert: string;
  readonly expr: string;
}

/** Every alerting rule of alerts.yml. */
export function alertRules(): AlertRule[] {
  const file = parse(readFileSync(ALERTS_FILE, 'utf8')) as { groups: Array<{ rules: AlertRule[] }> };
  return file.groups.flatMap((group) => group.rules);
}

interface DashboardPanel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly datasource?: { readonly uid: string };
  readonly gridPos: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  readonly targets?: ReadonlyArray<{ readonly expr: string }>;
}

export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly panels: readonly DashboardPanel[];
}

export function dashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;
}

/** Each panel query with Grafana's variables replaced, so Prometheus could run it as it is. */
export function dashboardExprs(): Array<{ panel: string; expr: string }> {
  return dashboard().panels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({
      panel: panel.title,
      expr: target.expr.replaceAll('$__rate_interval', '1m').replaceAll('$node', '.*'),
    })),
  );
}

/** The metric families a /metrics page declares (`# TYPE name kind`), with histogram and counter series names. */
export function exportedSeries(metricsText: string): Set<string> {
  const series = new Set<string>();
  for (const match of metricsText.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [name, kind] = [match[1] ?? '', match[2]];
    series.add(name);
    if (kind === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) series.add(`${name}${suffix}`);
    if (kind === 'summary') for (const suffix of ['_sum', '_count']) series.add(`${name}${suffix}`);
  }
  return series;
}
