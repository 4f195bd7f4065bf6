import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** One link written in a Markdown file. */
export interface MarkdownLink {
  /** The file that holds it, absolute. */
  readonly file: string;
  /** 1-based line number. */
  readonly line: number;
  /** The target as written: `docs/design.md#the-laws`, `https://...`, `#quick-start`. */
  readonly target: string;
}

/** A link that does not lead to a file of the repository (or a heading of one). */
export interface BrokenLink extends MarkdownLink {
  readonly reason: string;
}

const INLINE_LINK = /!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;
const REFERENCE_DEFINITION = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/;
const EXTERNAL = /^[a-z][a-z0-9+.-]*:/i;

/**
 * Every link of a Markdown text outside fenced code blocks and inline code: inline links, images and
 * reference definitions. Links inside code are examples, not links.
 */
export function linksOf(file: string, text: string): MarkdownLink[] {
  const links: MarkdownLink[] = [];
  let fence: string | undefined;
  text.split('\n').forEach((raw, index) => {
    const opening = /^\s{0,3}(`{3,}|~{3,})/.exec(raw);
    if (opening) {
      const marker = opening[1]!;
      if (fence === undefined) fence = marker[0]!.repeat(marker.length);
      else if (marker.startsWith(fence)) fence = undefined;
      return;
    }
    if (fence !== undefined) return;
    const line = raw.replace(/`[^`]*`/g, '');
    const definition = REFERENCE_DEFINITION.exec(line);
    if (definition) links.push({ file, line: index + 1, target: definition[1]! });
    for (const match of line.matchAll(INLINE_LINK)) links.push({ file, line: index + 1, target: match[1]! });
  });
  return links;
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
export function headingSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of a Markdown text's headings (outside code), numbered as GitHub numbers repeats. */
export function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let inFence = false;
  for (const line of text.split('\n')) {
    if (/^\s{0,3}(`{3,}|~{3,})/.test(line)) inFence = !inFence;
    if (inFence) continue;
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const slug = headingSlug(heading[1]!);
    const count = seen.get(slug) ?? 0;
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
    seen.set(slug, count + 1);
  }
  return anchors;
}

/**
 * The links of `links` that do not resolve inside `root`: a relative path must name an existing file
 * or folder under the root (never above it), and an anchor into a Markdown file must name one of its
 * headings. External URLs (`https:`, `mailto:`) are not checked.
 */
export function brokenLinks(root: string, links: readonly MarkdownLink[]): BrokenLink[] {
  const broken: BrokenLink[] = [];
  for (const link of links) {
    if (EXTERNAL.test(link.target)) continue;
    const [rawPath = '', anchor] = link.target.split('#', 2);
    const linkPath = decodeURI(rawPath);
    if (linkPath.startsWith('/')) {
      broken.push({ ...link, reason: 'an absolute path' });
      continue;
    }
    const resolved = linkPath === '' ? link.file : path.resolve(path.dirname(link.file), linkPath);
    const relative = path.relative(root, resolved);
    if (relative.startsWith('..') || path.isAbsolute(relative)) {
      broken.push({ ...link, reason: 'outside the repository' });
      continue;
    }
    if (!existsSync(resolved)) {
      broken.push({ ...link, reason: 'no such file' });
      continue;
    }
    if (anchor !== undefined && anchor !== '' && resolved.endsWith('.md')) {
      if (!anchorsOf(readFileSync(resolved, 'utf8')).has(anchor)) {
        broken.push({ ...link, reason: `no heading #${anchor}` });
      }
    }
  }
  return broken;
}
