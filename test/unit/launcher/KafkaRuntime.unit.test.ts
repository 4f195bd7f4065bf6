import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  kafkaAssetsDir,
  kafkaJarVersion,
  parseJavaMajorVersion,
} from '../../../docker/launcher/KafkaRuntime';

describe('parseJavaMajorVersion', () => {
  it.each([
    ['openjdk version "17.0.15" 2025-04-15', 17],
    ['openjdk version "21" 2023-09-19', 21],
    ['java version "1.8.0_392"', 8],
    ['openjdk version "11.0.2" 2019-01-15', 11],
  ])('%p → %p', (output, major) => {
    expect(parseJavaMajorVersion(output)).toBe(major);
  });

  it('gives undefined for output it does not understand', () => {
    expect(parseJavaMajorVersion('bash: java: command not found')).toBeUndefined();
  });
});

describe('kafkaJarVersion', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'spacelog-jars-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the version from the broker jar name, ignoring the client jars', () => {
    for (const jar of ['kafka-clients-3.9.1.jar', 'kafka_2.13-3.9.1.jar', 'scala-library-2.13.15.jar']) {
      writeFileSync(path.join(dir, jar), '');
    }
    expect(kafkaJarVersion(dir)).toBe('3.9.1');
  });

  it('gives undefined for a missing or incomplete folder', () => {
    writeFileSync(path.join(dir, 'kafka-clients-3.9.1.jar'), '');
    expect(kafkaJarVersion(dir)).toBeUndefined();
    expect(kafkaJarVersion(path.join(dir, 'absent'))).toBeUndefined();
  });
});

describe('kafkaAssetsDir', () => {
  it('finds docker/kafka (pom.xml and log4j.properties) from a folder below the repository', () => {
    const assets = kafkaAssetsDir(path.join(__dirname, 'deeper', 'still'));
    expect(assets).toBe(path.resolve(__dirname, '..', '..', '..', 'docker', 'kafka'));
  });

  it('says so when there is no docker/kafka above', () => {
    const lonely = mkdtempSync(path.join(os.tmpdir(), 'spacelog-lonely-'));
    mkdirSync(path.join(lonely, 'a'));
    try {
      expect(() => kafkaAssetsDir(path.join(lonely, 'a'))).toThrow(/docker\/kafka\/pom.xml not found/);
    } finally {
      rmSync(lonely, { recursive: true, force: true });
    }
  });
});
