import { readFile } from 'node:fs/promises';
import {
  formatReferenceGenotype,
  genotypeToJson,
  parseGenotype,
  type Genotype,
  type GenotypeValidationOptions,
} from '../spaces/darts/genotype';
import { writeFileAtomic } from './atomic-write';

export type GenotypeFileFormat = 'json' | 'reference';

/** Writes a genotype as our JSON format or as the reference's Python text, atomically. */
export async function saveGenotypeFile(
  path: string,
  g: Genotype,
  format: GenotypeFileFormat = 'json',
): Promise<void> {
  await writeFileAtomic(path, format === 'json' ? genotypeToJson(g) : `${formatReferenceGenotype(g)}\n`);
}

/** Reads either format (told apart by content) and validates it; errors name the file. */
export async function loadGenotypeFile(
  path: string,
  options: GenotypeValidationOptions = {},
): Promise<Genotype> {
  const text = await readFile(path, 'utf8');
  try {
    return parseGenotype(text, { ...options, source: path });
  } catch (e) {
    const message = (e as Error).message;
    throw new Error(message.includes(path) ? message : `${path}: ${message}`, { cause: e });
  }
}
