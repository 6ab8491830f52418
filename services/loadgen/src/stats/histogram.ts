import hdr, { type Histogram } from 'hdr-histogram-js';

/** Latency figures in milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

/** Decodes and adds up the generators' histograms (values in microseconds). */
export function mergeHistograms(encoded: readonly string[]): Histogram {
  const merged = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
  for (const one of encoded) {
    const histogram = hdr.decodeFromCompressedBase64(one);
    merged.add(histogram);
    histogram.destroy();
  }
  return merged;
}

const ms = (micros: number): number => Math.round(micros) / 1000;

/** Percentiles of a microsecond histogram, in milliseconds. */
export function summarize(histogram: Histogram): LatencySummary {
  if (histogram.totalCount === 0) return { count: 0, p50: Number.NaN, p90: Number.NaN, p99: Number.NaN, p999: Number.NaN, max: Number.NaN };
  return {
    count: histogram.totalCount,
    p50: ms(histogram.getValueAtPercentile(50)),
    p90: ms(histogram.getValueAtPercentile(90)),
    p99: ms(histogram.getValueAtPercentile(99)),
    p999: ms(histogram.getValueAtPercentile(99.9)),
    max: ms(histogram.maxValue),
  };
}
