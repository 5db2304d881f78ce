// Apache Kafka, single node KRaft, run straight from Maven Central jars (no distribution tarball needed).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { InfraError, mkdirp, portOpen, ports, run, spawnDetached, stopwatch, which } from './process.mjs';

const KAFKA_VERSION = '4.1.1';
const HERE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'kafka');

export const name = 'kafka';
export const port = () => ports().kafka;
export const markers = (base) => ['kafka.Kafka', path.join(base, 'kafka', 'server.properties')];
export const stopSignal = 'SIGTERM'; // controlled shutdown
export const readyTimeoutMs = 120_000;

function java() {
  const j = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : which('java');
  if (!j || !fs.existsSync(j))
    throw new InfraError('java (17+) not found; run: apt-get install -y openjdk-17-jre-headless');
  return j;
}

/** <base>/kafka-<v>/lib with every runtime jar, fetched by Maven once (atomic rename). */
async function ensureJars(base, log) {
  const lib = path.join(base, `kafka-${KAFKA_VERSION}`, 'lib');
  if (fs.existsSync(path.join(lib, `kafka_2.13-${KAFKA_VERSION}.jar`))) return lib;
  const mvn = which('mvn');
  if (!mvn)
    throw new InfraError('Maven (mvn) is needed once to fetch the Kafka jars; run: apt-get install -y maven');
  const t = stopwatch();
  log(name, `fetching Kafka ${KAFKA_VERSION} jars from Maven Central (first run, ~10 s)…`);
  const tmp = `${lib}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  await run(
    mvn,
    [
      '-q',
      '-B',
      '-f',
      path.join(HERE, 'pom.xml'),
      `-Dkafka.version=${KAFKA_VERSION}`,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${tmp}`,
    ],
    { hint: 'Maven could not fetch the Kafka jars (see above); check access to Maven Central' },
  );
  fs.rmSync(lib, { recursive: true, force: true });
  fs.renameSync(tmp, lib);
  log(name, `jars fetched in ${t()} (${lib})`);
  return lib;
}

/** Kafka's cluster id format: 16 random bytes, base64url, not starting with '-'. */
function clusterId() {
  for (;;) {
    const id = crypto.randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

export async function start(base, log, { pidFile, logFile }) {
  const javaBin = java();
  const lib = await ensureJars(base, log);
  const dir = mkdirp(path.join(base, 'kafka'));
  const data = path.join(dir, 'data');
  const props = path.join(dir, 'server.properties');
  const { kafka, kafkaController } = ports();
  if (await portOpen(kafkaController)) {
    throw new InfraError(
      `controller port ${kafkaController} is in use; free it or set BRAINMESH_KAFKA_CONTROLLER_PORT`,
    );
  }
  const rendered = fs
    .readFileSync(path.join(HERE, 'server.properties'), 'utf8')
    .replaceAll('{{PORT}}', String(kafka))
    .replaceAll('{{CONTROLLER_PORT}}', String(kafkaController))
    .replaceAll('{{DATA_DIR}}', data);
  fs.writeFileSync(props, rendered);
  const cp = `${lib}/*`;
  const jvm = [
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${path.join(HERE, 'log4j2.properties')}`,
  ];

  if (!fs.existsSync(path.join(data, 'meta.properties'))) {
    const t = stopwatch();
    const idFile = path.join(dir, 'cluster.id');
    if (!fs.existsSync(idFile)) fs.writeFileSync(idFile, `${clusterId()}\n`);
    log(name, `formatting KRaft storage ${data}…`);
    await run(javaBin, [
      ...jvm,
      '-cp',
      cp,
      'kafka.tools.StorageTool',
      'format',
      '--ignore-formatted',
      '-t',
      fs.readFileSync(idFile, 'utf8').trim(),
      '-c',
      props,
    ]);
    log(name, `storage formatted in ${t()}`);
  }

  return spawnDetached(
    javaBin,
    [
      '-Xms256m',
      '-Xmx512m',
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      ...jvm,
      '-cp',
      cp,
      'kafka.Kafka',
      props,
    ],
    { logFile, pidFile, cwd: dir },
  );
}

/** Ready = metadata answers; with full, a topic can also be created (leader elected) and deleted. */
export async function probe(_base, { full = false } = {}) {
  const client = new Kafka({
    clientId: 'brainmesh-infra',
    brokers: [`127.0.0.1:${port()}`],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 5000,
    retry: { retries: 0 },
  });
  const admin = client.admin();
  await admin.connect();
  try {
    const cluster = await admin.describeCluster();
    if (!cluster.brokers.length || cluster.controller == null) return false;
    if (full) {
      const topic = `brainmesh-infra-probe-${process.pid}-${Date.now()}`;
      await admin.createTopics({
        topics: [{ topic, numPartitions: 1 }],
        waitForLeaders: true,
        timeout: 10_000,
      });
      await admin.deleteTopics({ topics: [topic], timeout: 10_000 });
    }
    return true;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

export function env() {
  return { KAFKA_BROKERS: `127.0.0.1:${port()}` };
}
