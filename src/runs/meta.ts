import { z } from 'zod';

/**
 * What a person wrote about a run (its folder's meta.json): a name the runs list shows and free
 * notes. Pure schema (no file access): the renderer checks against it too.
 */
export const RunMetaSchema = z
  .object({
    name: z.string().trim().max(200, 'a run name has at most 200 characters').optional(),
    notes: z.string().max(10_000, 'notes have at most 10,000 characters').optional(),
  })
  .strict();
export type RunMeta = z.infer<typeof RunMetaSchema>;
