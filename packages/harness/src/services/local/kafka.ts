// Apache Kafka in KRaft mode as one combined broker+controller JVM (heap capped at 512 MB), from the
// Maven Central jars that tooling/scripts/install-services.sh puts in the cache. Storage is formatted
// once into a template (like initdb) and copied per start; readiness is an admin client's answer.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import getPort from 'get-port';
import { ServiceUnavailableError } from '../../errors.ts';
import { probeKafka } from '../probes.ts';
import { findExecutable, missingBinaryHint } from './binaries.ts';
import { cacheHome, ServerDir, waitUntilReady } from './processes.ts';
import type { LocalProcessServer } from './redis.ts';

export const KAFKA_VERSION = '3.9.1';
const HEAP = '512m';

const kafkaHome = (): string => join(cacheHome(), `kafka-${KAFKA_VERSION}`);

function properties(dataDir: string, port: number, controllerPort: number): string {
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${dataDir}`,
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=4',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=4',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    'delete.topic.enable=true',
    '',
  ].join('\n');
}

const LOG4J = [
  'log4j.rootLogger=WARN, stdout',
  'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
  'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
  'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
  '',
].join('\n');

function javaAndJars(): { java: string; classpath: string } {
  const java = findExecutable('java');
  const libs = join(kafkaHome(), 'libs');
  if (!java || !existsSync(join(libs, `kafka_2.13-${KAFKA_VERSION}.jar`))) {
    throw new ServiceUnavailableError(
      missingBinaryHint(
        'Kafka',
        'POC_KAFKA_BROKERS',
        `openjdk-17-jre-headless + maven; Kafka ${KAFKA_VERSION} jars into ${libs}`,
      ),
    );
  }
  return { java, classpath: `${libs}/*` };
}

/** A formatted KRaft metadata directory, made once per version (formatting costs a JVM start). */
function storageTemplate(java: string, classpath: string): string {
  const template = join(kafkaHome(), 'storage-template');
  if (existsSync(join(template, 'meta.properties'))) return template;
  const staging = mkdtempSync(join(tmpdir(), 'poc-harness-kafka-format-'));
  try {
    const data = join(staging, 'data');
    writeFileSync(join(staging, 'server.properties'), properties(data, 9092, 9093));
    writeFileSync(join(staging, 'log4j.properties'), LOG4J);
    const clusterId = randomBytes(16).toString('base64url');
    const r = spawnSync(
      java,
      [
        '-Xmx256m',
        '-cp',
        classpath,
        `-Dlog4j.configuration=file:${join(staging, 'log4j.properties')}`,
        'kafka.tools.StorageTool',
        'format',
        '-t',
        clusterId,
        '-c',
        join(staging, 'server.properties'),
      ],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) throw new ServiceUnavailableError(`formatting Kafka storage failed:\n${r.stderr || r.stdout}`);
    const partial = `${template}.${process.pid}.partial`;
    spawnSync('cp', ['-a', data, partial]);
    if (spawnSync('mv', ['-T', partial, template]).status !== 0) rmSync(partial, { recursive: true, force: true });
    return template;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

export async function startLocalKafka(): Promise<LocalProcessServer> {
  const { java, classpath } = javaAndJars();
  const template = storageTemplate(java, classpath);
  const [port, controllerPort] = [await getPort({ host: '127.0.0.1' }), await getPort({ host: '127.0.0.1' })];
  const dir = new ServerDir('kafka');
  const data = join(dir.path, 'data');
  mkdirSync(dir.path, { recursive: true });
  spawnSync('cp', ['-a', template, data]);
  writeFileSync(join(dir.path, 'server.properties'), properties(data, port, controllerPort));
  writeFileSync(join(dir.path, 'log4j.properties'), LOG4J);
  const brokers = `127.0.0.1:${port}`;
  const args = [
    `-Xmx${HEAP}`,
    '-Xms128m',
    '-XX:+UseG1GC',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${join(dir.path, 'log4j.properties')}`,
    '-cp',
    classpath,
    'kafka.Kafka',
    join(dir.path, 'server.properties'),
  ];
  const launch = async (): Promise<void> => {
    dir.spawn(java, args);
    await waitUntilReady(dir, `Kafka on port ${port}`, () => probeKafka(brokers).then(() => undefined), 90_000);
  };
  try {
    await launch();
  } catch (e) {
    await dir.dispose();
    throw e;
  }
  return { url: brokers, version: KAFKA_VERSION, port, dir, launch };
}
