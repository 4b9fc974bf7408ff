// Kafka's own producer perf tool as this package runs it: the summary it prints, and what is missing
// when it cannot run. (It is run against the broker in test/codecs.test.ts and in the bench.)
import { describe, expect, it } from 'vitest';
import { PerformanceToolError, isPerformanceError, kafkaTools, parsePerfSummary } from '../src/index.ts';

// The shape of ProducerPerformance's output: a progress line every 5 s, then the summary.
const OUTPUT = [
  '108421 records sent, 21684.2 records/sec (5.29 MB/sec), 812.4 ms avg latency, 1230.0 ms max latency.',
  '250000 records sent, 41977.837528 records/sec (10.25 MB/sec), 693.12 ms avg latency, 1302.00 ms max latency, 712 ms 50th, 1190 ms 95th, 1268 ms 99th, 1297 ms 99.9th.',
  '',
].join('\n');

describe("Kafka's producer perf tool", () => {
  it('parses the closing summary line, not the progress lines', () => {
    expect(parsePerfSummary(OUTPUT)).toEqual({
      records: 250_000,
      recordsPerSec: 41_977.837528,
      mibPerSec: 10.25,
      avgLatencyMs: 693.12,
      maxLatencyMs: 1302,
      p50Ms: 712,
      p95Ms: 1190,
      p99Ms: 1268,
      p999Ms: 1297,
    });
  });

  it('says when the output has no summary, quoting its last lines', () => {
    const err = (() => {
      try {
        parsePerfSummary('Exception in thread "main" org.apache.kafka.common.errors.TimeoutException\n');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(PerformanceToolError);
    expect(isPerformanceError(err, 'tool')).toBe(true);
    expect((err as Error).message).toBe(
      'no summary line in the perf tool\'s output (last lines: Exception in thread "main" org.apache.kafka.common.errors.TimeoutException)',
    );
  });

  it('names what is missing: java on PATH, or the jars in the harness cache', () => {
    expect(() => kafkaTools({ PATH: '', POC_HARNESS_HOME: '/nonexistent' })).toThrow(
      "Kafka's perf tool needs java on PATH: install both with bash tooling/scripts/install-services.sh",
    );
    const { java } = kafkaTools();
    const dir = java.slice(0, java.lastIndexOf('/'));
    expect(() => kafkaTools({ PATH: dir, POC_HARNESS_HOME: '/nonexistent' })).toThrow(
      "Kafka's perf tool needs /nonexistent/kafka-3.9.1/libs/kafka-tools-3.9.1.jar: install both with bash tooling/scripts/install-services.sh",
    );
  });
});
