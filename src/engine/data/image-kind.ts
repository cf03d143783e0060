/**
 * PNG or JPEG by the file's first bytes (its signature), whatever its name says; null for anything
 * else. Kept apart from the decoders (image-folder.ts) so that a host can refuse a wrong file without
 * loading them.
 */
export function imageKindOf(buf: Uint8Array): 'png' | 'jpeg' | null {
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (buf.length >= 8 && png.every((b, i) => buf[i] === b)) return 'png';
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return 'jpeg';
  return null;
}
