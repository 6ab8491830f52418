/** A small SVG plotter for the benchmark charts: a line chart (log y) and a grouped bar chart. */

export interface LineSeries {
  readonly name: string;
  readonly color: string;
  readonly points: ReadonlyArray<readonly [x: number, y: number]>;
}

export interface BarGroup {
  readonly label: string;
  readonly bars: ReadonlyArray<{ readonly name: string; readonly color: string; readonly value: number }>;
}

const WIDTH = 800;
const HEIGHT = 440;
const PLOT = { left: 78, right: WIDTH - 215, top: 52, bottom: HEIGHT - 58 } as const;
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"';

const escapeXml = (text: string): string => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
const fixed = (value: number): string => value.toFixed(1);

/** Compact tick labels: 1.5k, 120k, 2M. */
export function formatNumber(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${Number((value / 1e6).toPrecision(3))}M`;
  if (abs >= 1e3) return `${Number((value / 1e3).toPrecision(3))}k`;
  return `${Number(value.toPrecision(3))}`;
}

/** About `count` round ticks from 0 to at least `max`. */
export function linearTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((factor) => factor * magnitude >= raw) ?? 10) * magnitude;
  const ticks: number[] = [];
  for (let tick = 0; tick < max + step / 2; tick += step) ticks.push(Number(tick.toPrecision(12)));
  if ((ticks.at(-1) ?? 0) < max) ticks.push(Number(((ticks.at(-1) ?? 0) + step).toPrecision(12)));
  return ticks;
}

/** 1-2-5 ticks covering [min, max] on a log scale. */
export function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let exponent = Math.floor(Math.log10(min)); exponent <= Math.ceil(Math.log10(max)); exponent++) {
    for (const factor of [1, 2, 5]) ticks.push(factor * 10 ** exponent);
  }
  const lower = ticks.filter((tick) => tick <= min).at(-1) ?? ticks[0] ?? min;
  const upper = ticks.find((tick) => tick >= max) ?? max;
  return ticks.filter((tick) => tick >= lower && tick <= upper);
}

function frame(title: string, subtitle: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${escapeXml(title)}">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${PLOT.left}" y="24" ${FONT} font-size="16" font-weight="600" fill="#1d2330">${escapeXml(title)}</text>`,
    `<text x="${PLOT.left}" y="42" ${FONT} font-size="12" fill="#5d6678">${escapeXml(subtitle)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

function legend(entries: ReadonlyArray<{ name: string; color: string }>): string[] {
  return entries.flatMap(({ name, color }, index) => {
    const y = PLOT.top + 10 + index * 22;
    return [
      `<rect x="${PLOT.right + 18}" y="${y - 9}" width="14" height="10" rx="2" fill="${color}"/>`,
      `<text x="${PLOT.right + 38}" y="${y}" ${FONT} font-size="12" fill="#1d2330">${escapeXml(name)}</text>`,
    ];
  });
}

function axisTitles(xLabel: string, yLabel: string): string[] {
  const middleY = (PLOT.top + PLOT.bottom) / 2;
  return [
    `<text x="${(PLOT.left + PLOT.right) / 2}" y="${HEIGHT - 16}" ${FONT} font-size="12" fill="#5d6678" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    `<text x="18" y="${middleY}" ${FONT} font-size="12" fill="#5d6678" text-anchor="middle" transform="rotate(-90 18 ${middleY})">${escapeXml(yLabel)}</text>`,
  ];
}

/** Lines with dots; x linear from 0, y on a log scale. */
export function lineChart(options: { title: string; subtitle: string; xLabel: string; yLabel: string; series: readonly LineSeries[] }): string {
  const points = options.series.flatMap((series) => series.points).filter(([, y]) => y > 0);
  const xTicks = linearTicks(Math.max(1, ...points.map(([x]) => x)));
  const yValues = points.map(([, y]) => y);
  const yTicks = logTicks(Math.min(1, ...yValues), Math.max(10, ...yValues));
  const xMax = xTicks.at(-1) ?? 1;
  const [yMin, yMax] = [yTicks[0] ?? 1, yTicks.at(-1) ?? 10];
  const sx = (x: number) => PLOT.left + (x / xMax) * (PLOT.right - PLOT.left);
  const sy = (y: number) => PLOT.bottom - ((Math.log10(y) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * (PLOT.bottom - PLOT.top);
  const body: string[] = [];
  for (const tick of yTicks) {
    body.push(`<line x1="${PLOT.left}" x2="${PLOT.right}" y1="${fixed(sy(tick))}" y2="${fixed(sy(tick))}" stroke="#e4e7ee"/>`);
    body.push(`<text x="${PLOT.left - 8}" y="${fixed(sy(tick) + 4)}" ${FONT} font-size="11" fill="#5d6678" text-anchor="end">${formatNumber(tick)}</text>`);
  }
  for (const tick of xTicks) {
    body.push(`<line x1="${fixed(sx(tick))}" x2="${fixed(sx(tick))}" y1="${PLOT.bottom}" y2="${PLOT.bottom + 5}" stroke="#9aa3b5"/>`);
    body.push(`<text x="${fixed(sx(tick))}" y="${PLOT.bottom + 19}" ${FONT} font-size="11" fill="#5d6678" text-anchor="middle">${formatNumber(tick)}</text>`);
  }
  body.push(`<line x1="${PLOT.left}" x2="${PLOT.right}" y1="${PLOT.bottom}" y2="${PLOT.bottom}" stroke="#9aa3b5"/>`);
  for (const series of options.series) {
    const visible = series.points.filter(([, y]) => y > 0);
    if (visible.length === 0) continue;
    body.push(`<polyline fill="none" stroke="${series.color}" stroke-width="2" points="${visible.map(([x, y]) => `${fixed(sx(x))},${fixed(sy(y))}`).join(' ')}"/>`);
    for (const [x, y] of visible) body.push(`<circle cx="${fixed(sx(x))}" cy="${fixed(sy(y))}" r="3" fill="${series.color}"/>`);
  }
  return frame(options.title, options.subtitle, [...body, ...axisTitles(options.xLabel, options.yLabel), ...legend(options.series)]);
}

/** Bars grouped by label, one bar per series in each group, with the value above each bar. */
export function barChart(options: { title: string; subtitle: string; yLabel: string; groups: readonly BarGroup[] }): string {
  const values = options.groups.flatMap((group) => group.bars.map((bar) => bar.value));
  const yTicks = linearTicks(Math.max(1, ...values));
  const yMax = yTicks.at(-1) ?? 1;
  const sy = (y: number) => PLOT.bottom - (y / yMax) * (PLOT.bottom - PLOT.top);
  const groupWidth = (PLOT.right - PLOT.left) / Math.max(1, options.groups.length);
  const body: string[] = [];
  for (const tick of yTicks) {
    body.push(`<line x1="${PLOT.left}" x2="${PLOT.right}" y1="${fixed(sy(tick))}" y2="${fixed(sy(tick))}" stroke="#e4e7ee"/>`);
    body.push(`<text x="${PLOT.left - 8}" y="${fixed(sy(tick) + 4)}" ${FONT} font-size="11" fill="#5d6678" text-anchor="end">${formatNumber(tick)}</text>`);
  }
  options.groups.forEach((group, groupIndex) => {
    const barWidth = Math.min(56, (groupWidth * 0.8) / Math.max(1, group.bars.length));
    const start = PLOT.left + groupIndex * groupWidth + (groupWidth - barWidth * group.bars.length) / 2;
    group.bars.forEach((bar, barIndex) => {
      const x = start + barIndex * barWidth;
      body.push(`<rect x="${fixed(x + 2)}" y="${fixed(sy(bar.value))}" width="${fixed(barWidth - 4)}" height="${fixed(PLOT.bottom - sy(bar.value))}" fill="${bar.color}"/>`);
      body.push(`<text x="${fixed(x + barWidth / 2)}" y="${fixed(sy(bar.value) - 5)}" ${FONT} font-size="11" fill="#1d2330" text-anchor="middle">${formatNumber(bar.value)}</text>`);
    });
    body.push(`<text x="${fixed(PLOT.left + groupIndex * groupWidth + groupWidth / 2)}" y="${PLOT.bottom + 19}" ${FONT} font-size="12" fill="#1d2330" text-anchor="middle">${escapeXml(group.label)}</text>`);
  });
  body.push(`<line x1="${PLOT.left}" x2="${PLOT.right}" y1="${PLOT.bottom}" y2="${PLOT.bottom}" stroke="#9aa3b5"/>`);
  const names = new Map<string, string>();
  for (const group of options.groups) for (const bar of group.bars) names.set(bar.name, bar.color);
  return frame(options.title, options.subtitle, [...body, ...axisTitles('', options.yLabel), ...legend([...names].map(([name, color]) => ({ name, color })))]);
}
