import { InvalidArgumentError as CommanderInvalidArgument } from 'commander';
import {
  parseBrokers,
  parsePositiveInteger,
  parseWholeNumber,
  resolveBrokers,
} from '../../../src/cli/cliOptions';

describe('CLI option parsers', () => {
  it('parsePositiveInteger takes decimal digits from 1 up', () => {
    expect(parsePositiveInteger('1')).toBe(1);
    expect(parsePositiveInteger(' 250 ')).toBe(250);
    for (const bad of ['0', '-3', '1.5', '1e3', 'ten', '', '0x10', String(2 ** 60)]) {
      expect(() => parsePositiveInteger(bad)).toThrow(CommanderInvalidArgument);
    }
  });

  it('parseWholeNumber honours its minimum', () => {
    expect(parseWholeNumber('0', 0)).toBe(0);
    expect(() => parseWholeNumber('4', 5)).toThrow("expected a whole number from 5, got '4'");
  });

  it('parseBrokers splits host:port lists, ignores blanks and refuses items without a valid port', () => {
    expect(parseBrokers('127.0.0.1:9092')).toEqual(['127.0.0.1:9092']);
    expect(parseBrokers(' a:1 , ,b:65535,')).toEqual(['a:1', 'b:65535']);
    expect(() => parseBrokers(' , ')).toThrow('names no broker');
    expect(() => parseBrokers('localhost')).toThrow("'localhost' is not host:port");
    expect(() => parseBrokers('a:0')).toThrow("'a:0' is not host:port");
    expect(() => parseBrokers('a:70000')).toThrow("'a:70000' is not host:port");
  });

  it('resolveBrokers: the option wins, then SPACELOG_KAFKA_BROKERS, then 127.0.0.1:9092', () => {
    const env = { SPACELOG_KAFKA_BROKERS: 'k1:1,k2:2' };
    expect(resolveBrokers(['x:9'], env)).toEqual(['x:9']);
    expect(resolveBrokers(undefined, env)).toEqual(['k1:1', 'k2:2']);
    expect(resolveBrokers(undefined, {})).toEqual(['127.0.0.1:9092']);
  });
});
