/**
 * Test helper: reads the pipe tables of paper-test-vectors.md (a verbatim copy of
 * /work/shared/docs/paper-test-vectors.md kept beside the tests so they run anywhere) and parses
 * the notations used in its cells (π/8, pi/4, 60°, 20 deg, radians, Unicode minus, "–" / "none").
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface MarkdownTable {
  /** Heading (### or **bold** line) nearest above the table. */
  readonly title: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

export function readVectorsFile(): string {
  return readFileSync(join(__dirname, 'paper-test-vectors.md'), 'utf8');
}

export function parseTables(text: string): MarkdownTable[] {
  const tables: MarkdownTable[] = [];
  let title = '';
  let current: string[][] | undefined;
  const cells = (line: string): string[] => line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim());
  for (const line of text.split('\n')) {
    if (line.trim().startsWith('|')) {
      if (/^\|[\s|:-]+\|$/.test(line.trim())) continue; // the separator row
      if (!current) current = [];
      current.push(cells(line));
      continue;
    }
    if (current) {
      tables.push({ title, header: current[0]!, rows: current.slice(1) });
      current = undefined;
    }
    const heading = /^(#+\s*(.*)|\*\*(.*)\*\*\s*)$/.exec(line.trim());
    if (heading) title = (heading[2] ?? heading[3] ?? '').trim();
  }
  if (current) tables.push({ title, header: current[0]!, rows: current.slice(1) });
  return tables;
}

/** A number cell: handles Unicode minus and a leading '+'. NaN for '–', '-', '—', 'none'. */
export function parseNumber(cell: string): number {
  const text = cell.replace(/−/g, '-').replace(/^\+/, '').trim();
  if (/^[-–—]$/.test(text) || text === 'none' || text === '') return Number.NaN;
  const value = Number(text);
  if (Number.isNaN(value)) throw new Error(`not a number: '${cell}'`);
  return value;
}

/** An angle cell in radians: 'π/8', 'pi/4', '60°', '20 deg', '1.0472', '0'. */
export function parseAngle(cell: string): number {
  const text = cell.trim();
  const fraction = /^(?:π|pi)\/(\d+)$/.exec(text);
  if (fraction) return Math.PI / Number(fraction[1]);
  const degrees = /^([\d.]+)\s*(?:°|deg)$/.exec(text);
  if (degrees) return (Number(degrees[1]) * Math.PI) / 180;
  const value = Number(text);
  if (Number.isNaN(value)) throw new Error(`not an angle: '${cell}'`);
  return value;
}

/** Column index by a predicate on the header text; throws when absent so a format change fails loudly. */
export function column(table: MarkdownTable, matches: (header: string) => boolean): number {
  const index = table.header.findIndex(matches);
  if (index < 0) throw new Error(`column not found in table '${table.title}': ${table.header.join(' | ')}`);
  return index;
}

/** "key=value, key2=value2" → map (values kept as text). */
export function parseAssignments(cell: string): Map<string, string> {
  const result = new Map<string, string>();
  for (const part of cell.split(',')) {
    const [key, value] = part.split('=').map((s) => s.trim());
    if (key && value !== undefined) result.set(key, value);
  }
  return result;
}
