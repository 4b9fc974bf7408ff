// Apache Kafka in KRaft mode as one combined broker+controller JVM (heap capped at 512 MB), from the
// Maven Central jars that tooling/scripts/install-services.sh puts in the cache. Storage is formatted
// once into a template (like initdb) and copied per start; readiness is an admin client's answer.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ServiceUnavailableError } from '../../errors.ts';
import { kafkaIdentity } from '../probes.ts';
import { findExecutable, missingBinaryHint } from './binaries.ts';
import { copyTree } from './postgres.ts';
import { cacheHome, stagingDir } from './processes.ts';
import { requireIdentity, startLocalServer, type LocalProcessServer } from './start.ts';

const run = promisify(execFile);
/** A KRaft cluster id: 16 random bytes, base64url (22 characters), as kafka-storage random-uuid prints. */
const newClusterId = (): string => randomBytes(16).toString('base64url');

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
async function storageTemplate(java: string, classpath: string): Promise<string> {
  const template = join(kafkaHome(), 'storage-template');
  if (existsSync(join(template, 'meta.properties'))) return template;
  const staging = stagingDir();
  try {
    const data = join(staging, 'data');
    writeFileSync(join(staging, 'server.properties'), properties(data, 9092, 9093));
    writeFileSync(join(staging, 'log4j.properties'), LOG4J);
    const clusterId = newClusterId();
    await run(java, [
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
    ]).catch((e: { stderr?: string; stdout?: string }) => {
      throw new ServiceUnavailableError(`formatting Kafka storage failed:\n${e.stderr || e.stdout}`);
    });
    const partial = `${template}.${process.pid}.partial`;
    await copyTree(data, partial);
    await run('mv', ['-T', partial, template]).catch(() => rmSync(partial, { recursive: true, force: true }));
    return template;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

export async function startLocalKafka(): Promise<LocalProcessServer> {
  const { java, classpath } = javaAndJars();
  const template = await storageTemplate(java, classpath);
  let clusterId = '';
  return startLocalServer({
    service: 'kafka',
    ports: 2,
    timeoutMs: 90_000,
    async prepare(dir, [port, controllerPort]) {
      const data = join(dir.path, 'data');
      await copyTree(template, data);
      // Every copy of the template would share its cluster id; a fresh one per server is its identity.
      clusterId = newClusterId();
      const meta = join(data, 'meta.properties');
      writeFileSync(meta, readFileSync(meta, 'utf8').replace(/^cluster\.id=.*$/m, `cluster.id=${clusterId}`));
      writeFileSync(join(dir.path, 'server.properties'), properties(data, port!, controllerPort!));
      writeFileSync(join(dir.path, 'log4j.properties'), LOG4J);
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
      return { url: `127.0.0.1:${port}`, what: `Kafka on port ${port}`, command: { command: java, args } };
    },
    async probe(brokers) {
      const id = await kafkaIdentity(brokers);
      requireIdentity('cluster id', clusterId, id.clusterId);
      return KAFKA_VERSION;
    },
  });
}
