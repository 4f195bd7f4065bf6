import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { StackError } from '../../src/errors/stack';
import type { KafkaVersion } from './kafkaVersions';
import { findExecutable, runCommand } from './processes';

/** The oldest Java the launcher accepts (Kafka 4 brokers need 17; 3.9 runs on it too). */
export const MIN_JAVA_VERSION = 17;

/** A usable Java, found on JAVA_HOME or PATH. */
export interface JavaRuntime {
  readonly executable: string;
  readonly majorVersion: number;
}

/**
 * The folder holding docker/kafka/pom.xml and the logging files. Found by walking up from this file,
 * so it works from the TypeScript sources (jest) and from the compiled dist/docker/launcher alike.
 */
export function kafkaAssetsDir(from: string = __dirname): string {
  let dir = from;
  for (;;) {
    const candidate = path.join(dir, 'docker', 'kafka');
    if (existsSync(path.join(candidate, 'pom.xml'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new StackError('BAD_CONFIG', `docker/kafka/pom.xml not found above ${from}`);
    dir = parent;
  }
}

/** Finds Java (JAVA_HOME first) and checks it is at least {@link MIN_JAVA_VERSION}. */
export async function findJava(env: NodeJS.ProcessEnv = process.env): Promise<JavaRuntime> {
  const javaHome = env['JAVA_HOME'];
  const fromHome = javaHome === undefined ? undefined : path.join(javaHome, 'bin', 'java');
  const executable = fromHome !== undefined && existsSync(fromHome) ? fromHome : findExecutable('java');
  if (executable === undefined) {
    throw new StackError(
      'JAVA_MISSING',
      `Java ${MIN_JAVA_VERSION} or newer is needed to run Kafka, and none was found on JAVA_HOME or PATH ` +
        `(on Debian/Ubuntu: apt-get install openjdk-17-jre-headless). ` +
        `Or point SPACELOG_KAFKA_BROKERS at a running Kafka.`,
    );
  }
  const result = await runCommand(executable, ['-version'], { timeoutMs: 30_000 });
  const majorVersion = parseJavaMajorVersion(result.stderr + result.stdout);
  if (majorVersion === undefined || majorVersion < MIN_JAVA_VERSION) {
    throw new StackError(
      'JAVA_MISSING',
      `Java ${MIN_JAVA_VERSION} or newer is needed to run Kafka; ${executable} is ` +
        `${majorVersion === undefined ? 'of an unknown version' : `Java ${majorVersion}`}. Set JAVA_HOME to a Java ${MIN_JAVA_VERSION}+.`,
      { logTail: (result.stderr + result.stdout).trim().split('\n') },
    );
  }
  return { executable, majorVersion };
}

/** Reads the major version out of `java -version` output ("1.8.0_392" → 8, "17.0.15" → 17). */
export function parseJavaMajorVersion(output: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(output);
  if (match === null) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] !== undefined ? Number(match[2]) : first;
}

/** The logging configuration of a broker or tool of `version`: log4j2 for Kafka 4, log4j 1 for 3. */
export function kafkaLogConfig(version: Pick<KafkaVersion, 'log4j2'>): {
  readonly log4jConfig: string;
  readonly log4j2: boolean;
} {
  const file = version.log4j2 ? 'log4j2.properties' : 'log4j.properties';
  return { log4jConfig: path.join(kafkaAssetsDir(), file), log4j2: version.log4j2 };
}

/**
 * Makes sure the jars of Kafka `version` are in `libsDir`, fetching them with Maven the first time
 * (`-Dkafka.version`, and the log4j2 profile for 4.x). The copy goes to a temporary folder that is
 * renamed into place, so an interrupted fetch never leaves a half set.
 */
export async function ensureKafkaJars(
  libsDir: string,
  version: KafkaVersion,
  log: (line: string) => void,
): Promise<string> {
  if (kafkaJarVersion(libsDir) === version.text) return libsDir;
  const mvn = findExecutable('mvn');
  if (mvn === undefined) {
    throw new StackError(
      'MAVEN_MISSING',
      `Maven (mvn) is needed once to fetch Apache Kafka ${version.text}'s jars into ${libsDir}, and it is not on PATH ` +
        `(on Debian/Ubuntu: apt-get install maven).`,
    );
  }
  const pom = path.join(kafkaAssetsDir(), 'pom.xml');
  const staging = `${libsDir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(path.dirname(libsDir), { recursive: true });
  log(`fetching Apache Kafka ${version.text} jars with Maven into ${libsDir} (once)`);
  const result = await runCommand(mvn, [
    '-q',
    '-B',
    '-f',
    pom,
    'dependency:copy-dependencies',
    `-DoutputDirectory=${staging}`,
    '-DincludeScope=runtime',
    `-Dkafka.version=${version.text}`,
    ...(version.log4j2 ? ['-Dkafka.log4j2'] : []),
  ]);
  if (result.code !== 0 || kafkaJarVersion(staging) !== version.text) {
    rmSync(staging, { recursive: true, force: true });
    throw new StackError(
      'MAVEN_FAILED',
      `Maven could not fetch the jars of Kafka ${version.text} (exit code ${String(result.code)})`,
      {
        logTail: (result.stdout + result.stderr).trim().split('\n').slice(-20),
      },
    );
  }
  rmSync(libsDir, { recursive: true, force: true });
  renameSync(staging, libsDir);
  return libsDir;
}

/** The Kafka version named by the broker jar (kafka_2.13-3.9.1.jar) in `libsDir`, if any. */
export function kafkaJarVersion(libsDir: string): string | undefined {
  if (!existsSync(libsDir)) return undefined;
  for (const file of readdirSync(libsDir)) {
    const match = /^kafka_\d+\.\d+-(\d+\.\d+\.\d+)\.jar$/.exec(file);
    if (match !== null) return match[1];
  }
  return undefined;
}
