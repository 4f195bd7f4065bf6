import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { anchorsOf, brokenLinks, headingSlug, linksOf, type MarkdownLink } from './markdownLinks';

const ROOT = path.resolve(__dirname, '../../..');

/**
 * README.md, every docs/*.md, the benchmark results and the example's README: what a user reads,
 * which must not point outside the repository.
 */
function documentationFiles(): string[] {
  const docs = readdirSync(path.join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => path.join(ROOT, 'docs', name));
  const others = ['README.md', 'bench/RESULTS.md', 'examples/orders-pipeline/README.md'];
  return [...others.map((file) => path.join(ROOT, file)), ...docs];
}

function linksOfFile(file: string): MarkdownLink[] {
  return linksOf(file, readFileSync(file, 'utf8'));
}

const describeBroken = (root: string, links: readonly MarkdownLink[]): string[] =>
  brokenLinks(root, links).map(
    (link) => `${path.relative(root, link.file)}:${link.line} ${link.target}: ${link.reason}`,
  );

describe('links in README.md, docs/*.md, bench/RESULTS.md and the example README', () => {
  it('every relative link resolves to a file of the repository (and a heading, when it names one)', () => {
    const files = documentationFiles();
    const links = files.flatMap(linksOfFile);
    expect(files.length).toBeGreaterThan(5);
    expect(links.length).toBeGreaterThan(20); // the README alone links every page of docs/
    expect(describeBroken(ROOT, links)).toEqual([]);
  });

  it('the README links docs/design.md and no file outside the repository', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('](docs/design.md)');
    expect(readme).not.toMatch(/shared\/DESIGN\.md/);
  });
});

describe('the link checker', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'spacelog-links-'));
    mkdirSync(path.join(root, 'docs'));
    writeFileSync(path.join(root, 'docs', 'design.md'), '# Design\n\n## The laws\n\n## Paths of data\n');
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const check = (markdown: string): string[] => {
    const file = path.join(root, 'README.md');
    writeFileSync(file, markdown);
    return describeBroken(root, linksOf(file, markdown));
  };

  it('accepts existing files, headings, external URLs and links inside code', () => {
    expect(
      check(
        [
          '[design](docs/design.md) and [laws](docs/design.md#the-laws), [web](https://example.com)',
          '`[not a link](missing.md)`',
          '```md',
          '[not a link either](missing.md)',
          '```',
          '[ref]: docs/design.md#paths-of-data',
        ].join('\n'),
      ),
    ).toEqual([]);
  });

  it('reports a missing file, a missing heading, a path outside the root and an absolute path', () => {
    expect(
      check(
        [
          'See [gone](docs/gone.md).',
          'See [anchor](docs/design.md#the-law).',
          'See [shared](../shared/DESIGN.md).',
          'See [abs](/etc/hosts).',
          '[ref]: docs/missing.md',
        ].join('\n'),
      ),
    ).toEqual([
      'README.md:1 docs/gone.md: no such file',
      'README.md:2 docs/design.md#the-law: no heading #the-law',
      'README.md:3 ../shared/DESIGN.md: outside the repository',
      'README.md:4 /etc/hosts: an absolute path',
      'README.md:5 docs/missing.md: no such file',
    ]);
  });

  it("makes GitHub's heading anchors", () => {
    expect(headingSlug('Which Kafka: 4.4.0 by default, 3.9.1 too')).toBe(
      'which-kafka-440-by-default-391-too',
    );
    expect(headingSlug('How it differs from `space.subscribe`')).toBe('how-it-differs-from-spacesubscribe');
    expect([...anchorsOf('# A\n## Options\n```\n# not a heading\n```\n## Options\n')]).toEqual([
      'a',
      'options',
      'options-1',
    ]);
  });
});
