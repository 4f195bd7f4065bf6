import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  DEFAULT_KAFKA_VERSION,
  kafkaLibsDirFor,
  parseKafkaVersion,
  PREVIOUS_KAFKA_VERSION,
} from '../../../docker/launcher/kafkaVersions';
import { StackError } from '../../../src/errors/stack';

const repo = path.resolve(__dirname, '..', '..', '..');

describe('parseKafkaVersion', () => {
  it('runs 4.x with log4j2 and the AddPartitionsToTxn backoff, 3.9 with reload4j and without it', () => {
    expect(parseKafkaVersion('4.4.0')).toEqual({
      text: '4.4.0',
      major: 4,
      minor: 4,
      patch: 0,
      log4j2: true,
      addPartitionsRetryBackoff: true,
    });
    expect(parseKafkaVersion(' 3.9.1 ')).toMatchObject({
      text: '3.9.1',
      log4j2: false,
      addPartitionsRetryBackoff: false,
    });
    expect(parseKafkaVersion('4.0.1').log4j2).toBe(true);
    expect(parseKafkaVersion('3.9.0').text).toBe('3.9.0');
  });

  it.each(['4.4', 'latest', '4.4.0-rc1', '', '3.8.1', '2.8.2', '5.0.0'])('refuses %p', (value) => {
    expect(() => parseKafkaVersion(value)).toThrow(StackError);
    try {
      parseKafkaVersion(value);
    } catch (error) {
      expect((error as StackError).failure).toBe('BAD_CONFIG');
    }
  });

  it('accepts the default and the previous line CI tests', () => {
    expect(parseKafkaVersion(DEFAULT_KAFKA_VERSION).major).toBe(4);
    expect(parseKafkaVersion(PREVIOUS_KAFKA_VERSION).major).toBe(3);
  });
});

describe('the default Kafka version', () => {
  it('is the one docker/kafka/pom.xml and both images of docker/docker-compose.yml name', () => {
    const pom = readFileSync(path.join(repo, 'docker', 'kafka', 'pom.xml'), 'utf8');
    expect(/<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)?.[1]).toBe(DEFAULT_KAFKA_VERSION);
    const compose = readFileSync(path.join(repo, 'docker', 'docker-compose.yml'), 'utf8');
    const images = [...compose.matchAll(/image: apache\/kafka:(\S+)/g)].map((match) => match[1]);
    expect(images.length).toBeGreaterThanOrEqual(2);
    for (const image of images) expect(image).toBe(DEFAULT_KAFKA_VERSION);
  });

  it('has its jars in a folder per release', () => {
    expect(kafkaLibsDirFor('/cache', '4.4.0')).toBe(path.join('/cache', 'kafka-4.4.0', 'libs'));
  });
});
