import { parseKafkaVersion } from '../../../docker/launcher/kafkaVersions';
import {
  javaArgs,
  kafkaNodes,
  newClusterId,
  renderServerProperties,
  replicationDefaults,
} from '../../../docker/launcher/serverProperties';

const layout = { stateDir: '/cache/stack', brokerPortBase: 9092, controllerPortBase: 9192 };

function parse(properties: string): Map<string, string> {
  const entries = properties
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line): [string, string] => {
      const at = line.indexOf('=');
      return [line.slice(0, at), line.slice(at + 1)];
    });
  return new Map(entries);
}

describe('kafkaNodes', () => {
  it('lays out three nodes on consecutive broker and controller ports, each in its own folder', () => {
    const nodes = kafkaNodes({ ...layout, brokers: 3 });
    expect(nodes.map((n) => [n.nodeId, n.port, n.controllerPort])).toEqual([
      [1, 9092, 9192],
      [2, 9093, 9193],
      [3, 9094, 9194],
    ]);
    expect(nodes[1]).toMatchObject({
      dir: '/cache/stack/kafka-2',
      dataDir: '/cache/stack/kafka-2/data',
      configFile: '/cache/stack/kafka-2/server.properties',
      logFile: '/cache/stack/kafka-2/kafka.log',
    });
  });
});

describe('renderServerProperties', () => {
  it('renders a one-node KRaft combined broker with dev replication settings', () => {
    const [node] = kafkaNodes({ ...layout, brokers: 1 });
    const props = parse(renderServerProperties(node!, [node!]));
    expect(props.get('process.roles')).toBe('broker,controller');
    expect(props.get('node.id')).toBe('1');
    expect(props.get('controller.quorum.voters')).toBe('1@127.0.0.1:9192');
    expect(props.get('listeners')).toBe('PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9192');
    expect(props.get('advertised.listeners')).toBe('PLAINTEXT://127.0.0.1:9092');
    expect(props.get('controller.listener.names')).toBe('CONTROLLER');
    expect(props.get('log.dirs')).toBe('/cache/stack/kafka-1/data');
    expect(props.get('offsets.topic.replication.factor')).toBe('1');
    expect(props.get('transaction.state.log.replication.factor')).toBe('1');
    expect(props.get('transaction.state.log.min.isr')).toBe('1');
    expect(props.get('min.insync.replicas')).toBe('1');
    expect(props.get('group.initial.rebalance.delay.ms')).toBe('0');
    expect(props.get('auto.create.topics.enable')).toBe('false');
  });

  it('gives every node of a three-node cluster the same voters and RF 3 / min ISR 2', () => {
    const nodes = kafkaNodes({ ...layout, brokers: 3 });
    const rendered = nodes.map((node) => parse(renderServerProperties(node, nodes)));
    for (const props of rendered) {
      expect(props.get('controller.quorum.voters')).toBe(
        '1@127.0.0.1:9192,2@127.0.0.1:9193,3@127.0.0.1:9194',
      );
      expect(props.get('default.replication.factor')).toBe('3');
      expect(props.get('min.insync.replicas')).toBe('2');
      expect(props.get('offsets.topic.replication.factor')).toBe('3');
      expect(props.get('transaction.state.log.replication.factor')).toBe('3');
      expect(props.get('transaction.state.log.min.isr')).toBe('2');
    }
    expect(rendered.map((p) => p.get('node.id'))).toEqual(['1', '2', '3']);
    expect(rendered[2]!.get('listeners')).toBe('PLAINTEXT://127.0.0.1:9094,CONTROLLER://127.0.0.1:9194');
  });

  it('gives a 4.x broker a 1 ms AddPartitionsToTxn retry backoff, and 3.9 (which knows no such key) none', () => {
    const [node] = kafkaNodes({ ...layout, brokers: 1 });
    const four = parse(renderServerProperties(node!, [node!], undefined, parseKafkaVersion('4.4.0')));
    expect(four.get('add.partitions.to.txn.retry.backoff.ms')).toBe('1');
    const three = parse(renderServerProperties(node!, [node!], undefined, parseKafkaVersion('3.9.1')));
    expect(three.has('add.partitions.to.txn.retry.backoff.ms')).toBe(false);
    expect(parse(renderServerProperties(node!, [node!])).has('add.partitions.to.txn.retry.backoff.ms')).toBe(
      false,
    );
  });
});

describe('replicationDefaults', () => {
  it.each([
    [1, 1, 1],
    [2, 2, 1],
    [3, 3, 2],
    [5, 3, 2],
  ])('%p brokers → RF %p, min ISR %p', (brokers, replicationFactor, minInsyncReplicas) => {
    expect(replicationDefaults(brokers)).toEqual({ replicationFactor, minInsyncReplicas });
  });
});

describe('newClusterId', () => {
  it('is 22 base64url characters and fresh every time', () => {
    const a = newClusterId();
    expect(a).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(newClusterId()).not.toBe(a);
  });

  it("never starts with '-', which kafka-storage would read as an option: regression", () => {
    // 0xf8 is base64url's '-' (62) in the first six bits; the second draw starts otherwise.
    const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x10)];
    const id = newClusterId(() => draws.shift()!);
    expect(id.startsWith('-')).toBe(false);
    expect(draws).toHaveLength(0);
    expect(Buffer.alloc(16, 0xf8).toString('base64url').startsWith('-')).toBe(true);
  });
});

describe('javaArgs', () => {
  it('puts heap, log4j file and the jar folder wildcard before the main class and its arguments', () => {
    expect(
      javaArgs({
        libsDir: '/cache/libs',
        log4jConfig: '/repo/docker/kafka/log4j.properties',
        logFile: '/cache/stack/kafka-1/kafka.log',
        heap: '512m',
        mainClass: 'kafka.Kafka',
        args: ['/cache/stack/kafka-1/server.properties'],
      }),
    ).toEqual([
      '-Xmx512m',
      '-Xms128m',
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-Djava.awt.headless=true',
      '-Dlog4j.configuration=file:/repo/docker/kafka/log4j.properties',
      '-Dspacelog.kafka.log.file=/cache/stack/kafka-1/kafka.log',
      '-cp',
      '/cache/libs/*',
      'kafka.Kafka',
      '/cache/stack/kafka-1/server.properties',
    ]);
  });

  it('names a log4j2 file with log4j2.configurationFile (Kafka 4), and no log4j 1 property', () => {
    const args = javaArgs({
      libsDir: '/cache/libs',
      log4jConfig: '/repo/docker/kafka/log4j2.properties',
      log4j2: true,
      logFile: '/cache/stack/kafka-1/kafka.log',
      heap: '512m',
      mainClass: 'kafka.Kafka',
      args: [],
    });
    expect(args).toContain('-Dlog4j2.configurationFile=/repo/docker/kafka/log4j2.properties');
    expect(args.some((arg) => arg.startsWith('-Dlog4j.configuration='))).toBe(false);
  });
});
