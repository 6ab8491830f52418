import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DOCS = ['docs/PROTOCOL.md', 'README.md', 'services/client/README.md'];
/** Folders of this repository a document may name a path under. */
const REPO_PATH = /^(?:services|test|docs|scripts|infra|bench-results|\.ci)\/[\w./-]+$/;

const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');

/** Markdown link targets that are files, relative to the document (no URLs, no pure anchors). */
function linkedFiles(doc: string, text: string): string[] {
  const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((match) => match[1] ?? '');
  return targets
    .filter((target) => !/^[a-z]+:/i.test(target) && !target.startsWith('#'))
    .map((target) => join(dirname(doc), target.split('#')[0] ?? ''));
}

/** Repository paths written in backticks, e.g. `services/gateway/public`; not a file a command "writes". */
function namedPaths(text: string): string[] {
  return [...text.matchAll(/(\w+ )?`([^`\s]+)`/g)]
    .filter((match) => match[1] !== 'writes ')
    .map((match) => (match[2] ?? '').replace(/[:,.]+$/, ''))
    .filter((path) => REPO_PATH.test(path));
}

describe('the documents stand alone', () => {
  for (const doc of DOCS) {
    it(`${doc} names only files that exist in the repository`, () => {
      const text = read(doc);
      // A path in backticks is the repository's, or (in a package's README) the package's own.
      const named = namedPaths(text).filter((path) => !existsSync(join(ROOT, path)) && !existsSync(join(ROOT, dirname(doc), path)));
      const missing = [...linkedFiles(doc, text).filter((path) => !existsSync(join(ROOT, path))), ...named];
      expect(missing).toEqual([]);
    });
  }

  it('docs/PROTOCOL.md defers to no design file outside the repository', () => {
    const text = read('docs/PROTOCOL.md');
    expect(text).not.toMatch(/DESIGN|shared\//);
    // It writes the contract out: every frame type of the JSON protocol and the line protocol's commands.
    for (const frame of ['join', 'leave', 'send', 'nick', 'ping', 'typing', 'read', 'edit', 'delete', 'history']) expect(text).toContain(`{"type":"${frame}"`);
    for (const event of ['welcome', 'joined', 'message', 'presence', 'ack', 'left', 'pong', 'error', 'occupancy']) expect(text).toContain(`{"type":"${event}"`);
    for (const line of ['msg ! <text>', 'nick ! <name>', 'clock ! tick', 'auth ! <token>']) expect(text).toContain(line);
  });

  it('every `npm run <script>` the README shows is a script of package.json', () => {
    const scripts = Object.keys((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts);
    const shown = [...read('README.md').matchAll(/npm run (?:--silent )?([\w:-]+)/g)].map((match) => match[1] ?? '');
    expect(shown.length).toBeGreaterThan(5);
    expect(shown.filter((name) => !scripts.includes(name))).toEqual([]);
  });

  it("the README's Layout names every workspace under services/ and only folders that exist", () => {
    const readme = read('README.md');
    const layout = readme.slice(readme.indexOf('## Layout'));
    const listed = [...layout.matchAll(/^(services\/[\w-]+|[\w-]+\/)\s/gm)].map((match) => (match[1] ?? '').replace(/\/$/, ''));
    const workspaces = readdirSync(join(ROOT, 'services'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(ROOT, 'services', entry.name, 'package.json')))
      .map((entry) => `services/${entry.name}`);
    expect(listed.filter((folder) => folder.startsWith('services/')).sort()).toEqual(workspaces.sort());
    expect(listed.filter((folder) => !existsSync(join(ROOT, folder)))).toEqual([]);
    expect(layout).not.toContain('browser library');
  });
});
