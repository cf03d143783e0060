#!/usr/bin/env node
// Makes the bundled default text corpus (assets/datasets/tiny-text): sentences drawn from a small
// seeded probabilistic grammar, written in the PTB layout (lower case, space-separated words, one
// sentence per line, ptb.train.txt / ptb.valid.txt / ptb.test.txt). Generated here, so it has no
// outside source and no licence beyond the project's. The grammar has structure a language model can
// learn (agreement of determiners, verbs that take objects, prepositional phrases), so a search's
// perplexity falls well below the uniform vocabulary size.
//   node scripts/make-default-text.mjs [TRAIN_SENTENCES] [VALID_SENTENCES] [TEST_SENTENCES]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const counts = {
  train: Number(process.argv[2] ?? 2000),
  valid: Number(process.argv[3] ?? 200),
  test: Number(process.argv[4] ?? 200),
};
const out = 'assets/datasets/tiny-text';

// mulberry32: a small seeded generator, so the files are the same on every machine.
let state = 20240611;
function uniform() {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (xs) => xs[Math.floor(uniform() * xs.length)];

const W = {
  det: ['the', 'a', 'every', 'some', 'this', 'that'],
  adj: ['small', 'old', 'red', 'quiet', 'bright', 'heavy', 'young', 'green', 'tall', 'cold', 'warm', 'dark'],
  noun: [
    'cat',
    'dog',
    'bird',
    'child',
    'farmer',
    'teacher',
    'river',
    'house',
    'tree',
    'market',
    'boat',
    'horse',
    'window',
    'garden',
    'road',
    'letter',
    'song',
    'city',
    'village',
    'doctor',
  ],
  pnoun: [
    'cats',
    'dogs',
    'birds',
    'children',
    'farmers',
    'teachers',
    'houses',
    'trees',
    'boats',
    'horses',
    'letters',
    'songs',
  ],
  tverb: ['sees', 'finds', 'follows', 'likes', 'carries', 'paints', 'watches', 'hears', 'builds', 'visits'],
  ptverb: ['see', 'find', 'follow', 'like', 'carry', 'paint', 'watch', 'hear', 'build', 'visit'],
  iverb: ['sleeps', 'sings', 'waits', 'runs', 'falls', 'laughs', 'works', 'rests'],
  piverb: ['sleep', 'sing', 'wait', 'run', 'fall', 'laugh', 'work', 'rest'],
  prep: ['near', 'under', 'behind', 'beside', 'across', 'inside'],
  adv: ['slowly', 'often', 'today', 'again', 'quietly', 'early'],
  conj: ['and', 'but', 'because', 'while'],
};

function np(plural) {
  const words = [];
  if (!plural) words.push(pick(W.det));
  else if (uniform() < 0.5) words.push(pick(['the', 'some', 'many', 'N']));
  if (uniform() < 0.4) words.push(pick(W.adj));
  words.push(pick(plural ? W.pnoun : W.noun));
  if (uniform() < 0.2) words.push(pick(W.prep), ...np(false));
  return words;
}
function clause() {
  const plural = uniform() < 0.35;
  const words = np(plural);
  if (uniform() < 0.6) words.push(pick(plural ? W.ptverb : W.tverb), ...np(uniform() < 0.3));
  else words.push(pick(plural ? W.piverb : W.iverb));
  if (uniform() < 0.3) words.push(pick(W.adv));
  return words;
}
function sentence() {
  const words = clause();
  if (uniform() < 0.3) words.push(pick(W.conj), ...clause());
  return words.join(' ');
}

mkdirSync(out, { recursive: true });
for (const [split, n] of Object.entries(counts)) {
  const lines = Array.from({ length: n }, () => ` ${sentence()} `);
  writeFileSync(join(out, `ptb.${split}.txt`), `${lines.join('\n')}\n`);
}
console.log(
  `wrote ${out}: ${Object.entries(counts)
    .map(([s, n]) => `${s} ${n} sentences`)
    .join(', ')}`,
);
