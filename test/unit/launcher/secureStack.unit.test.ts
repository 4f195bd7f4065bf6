import { kafkaNodes, renderServerProperties } from '../../../docker/launcher/serverProperties';
import { checkScramUsers, secureLayout } from '../../../docker/launcher/secureKafka';
import { resolveStackOptions } from '../../../docker/launcher/StackOptions';
import { StackError } from '../../../src/errors/stack';

function parse(properties: string): Map<string, string> {
  return new Map(
    properties
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line): [string, string] => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe('the secure stack options', () => {
  it('uses its own folder and ports, ignores SPACELOG_KAFKA_BROKERS, and makes the spacelog user by default', () => {
    const options = resolveStackOptions(
      { secure: true },
      { SPACELOG_KAFKA_BROKERS: 'elsewhere:9092' },
      '/home/ada',
    );
    expect(options).toMatchObject({
      secure: true,
      stateDir: '/home/ada/.cache/spacelog/stack-secure',
      brokerPortBase: 9292,
      controllerPortBase: 9392,
      scramUsers: ['spacelog'],
    });
    expect(options.configuredKafkaBrokers).toBeUndefined();
    expect(resolveStackOptions({}, {}, '/h')).toMatchObject({ secure: false, scramUsers: [] });
  });

  it('refuses reserved, repeated or unsafe user names, and users without secure', () => {
    expect(() => checkScramUsers(['admin'])).toThrow(StackError);
    expect(() => checkScramUsers(['controller'])).toThrow(StackError);
    expect(() => checkScramUsers(['a', 'a'])).toThrow(/twice/);
    expect(() => checkScramUsers(['x"y'])).toThrow(StackError);
    expect(() => checkScramUsers(['x,y'])).toThrow(StackError);
    expect(checkScramUsers(['orders-unit', 'orders_mirror'])).toEqual(['orders-unit', 'orders_mirror']);
    expect(() => resolveStackOptions({ scramUsers: ['a'] }, {}, '/h')).toThrow(/secure/);
  });
});

describe('renderServerProperties of a secure node', () => {
  const nodes = kafkaNodes({ stateDir: '/s', brokerPortBase: 9292, controllerPortBase: 9392, brokers: 1 });
  const layout = secureLayout('/s');
  const secrets = { storePassword: 'store-pw', controllerPassword: 'ctl-pw', adminPassword: 'admin-pw' };
  const props = parse(renderServerProperties(nodes[0]!, nodes, { layout, secrets }));

  it('has no plaintext listener: SASL_SSL for clients and brokers, SASL_SSL with PLAIN for the controllers', () => {
    expect(props.get('listeners')).toBe('SASL_SSL://127.0.0.1:9292,CONTROLLER://127.0.0.1:9392');
    expect(props.get('advertised.listeners')).toBe('SASL_SSL://127.0.0.1:9292');
    expect(props.get('listener.security.protocol.map')).toBe('SASL_SSL:SASL_SSL,CONTROLLER:SASL_SSL');
    expect(props.get('inter.broker.listener.name')).toBe('SASL_SSL');
    expect(props.get('sasl.enabled.mechanisms')).toBe('SCRAM-SHA-512');
    expect(props.get('sasl.mechanism.controller.protocol')).toBe('PLAIN');
    expect(props.get('ssl.keystore.location')).toBe('/s/tls/broker.keystore.p12');
    expect(props.get('ssl.truststore.location')).toBe('/s/tls/ca.pem');
  });

  it('enforces ACLs with only the launcher and the controllers as super users', () => {
    expect(props.get('authorizer.class.name')).toBe(
      'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    );
    expect(props.get('allow.everyone.if.no.acl.found')).toBe('false');
    expect(props.get('super.users')).toBe('User:admin;User:controller');
  });

  it('logs the broker in as admin over SCRAM and serves PLAIN to the controller user', () => {
    expect(props.get('listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config')).toContain(
      'username="admin" password="admin-pw"',
    );
    expect(props.get('listener.name.controller.plain.sasl.jaas.config')).toContain(
      'user_controller="ctl-pw"',
    );
  });
});
