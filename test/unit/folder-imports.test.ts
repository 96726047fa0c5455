import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * INV-ARCH-1: no folder of src/ imports a folder that imports it back (directly or round a
 * longer loop), and no file a file that imports it back. Type-only imports count too: a type
 * cycle is a design cycle.
 */
const SRC = path.resolve(import.meta.dirname, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? sourceFiles(full) : full.endsWith('.ts') ? [full] : [];
  });
}

/** The src/ folder a file belongs to (`cli`, `playout`, `server`, …; `server/routes` counts as `server`). */
const folderOf = (file: string): string => path.relative(SRC, file).split(path.sep)[0]!;

/** folder → folders it imports (relative imports only; packages and node: are outside src/). */
export function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles(SRC)) {
    const from = folderOf(file);
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    for (const match of readFileSync(file, 'utf8').matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+'(\.[^']+)'/g)) {
      const target = path.resolve(path.dirname(file), match[1]!);
      if (!target.startsWith(SRC + path.sep)) continue;
      const to = folderOf(target);
      if (to !== from) edges.add(to);
    }
  }
  return graph;
}

/** file → files it imports (relative to src/; type-only imports included). */
export function fileGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles(SRC)) {
    const edges = new Set<string>();
    graph.set(path.relative(SRC, file), edges);
    for (const match of readFileSync(file, 'utf8').matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+'(\.[^']+)'/g)) {
      const target = path.resolve(path.dirname(file), match[1]!).replace(/\.js$/, '.ts');
      if (target.startsWith(SRC + path.sep)) edges.add(path.relative(SRC, target));
    }
  }
  return graph;
}

/** Every cycle's folders, as `a → b → a` strings (each cycle found from each of its members). */
function cycles(graph: Map<string, Set<string>>): string[] {
  const found = new Set<string>();
  const walk = (start: string, at: string, trail: string[]): void => {
    for (const next of graph.get(at) ?? []) {
      if (next === start) found.add([...trail, start].join(' → '));
      else if (!trail.includes(next)) walk(start, next, [...trail, next]);
    }
  };
  for (const folder of graph.keys()) walk(folder, folder, [folder]);
  return [...found].sort();
}

describe('src/ folder structure', () => {
  it('INV-ARCH-1: no folder-level import cycle', () => {
    expect(cycles(folderGraph())).toEqual([]);
  });

  it('no file imports a file that imports it back, types included (a type cycle is a design cycle)', () => {
    expect(cycles(fileGraph())).toEqual([]);
  });

  it('the check sees a cycle when there is one', () => {
    const graph = new Map([
      ['a', new Set(['b'])],
      ['b', new Set(['c'])],
      ['c', new Set(['a'])],
      ['d', new Set(['a'])],
    ]);
    expect(cycles(graph)).toContain('a → b → c → a');
    expect(cycles(graph).some((c) => c.includes('d'))).toBe(false);
  });

  it('reads real edges (cli imports server)', () => {
    expect(folderGraph().get('cli')?.has('server')).toBe(true);
    expect(fileGraph().get(path.join('playout', 'airing-chain.ts'))?.has(path.join('playout', 'render-plan.ts'))).toBe(true);
  });
});
