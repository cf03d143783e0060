/**
 * MobileNet-like architectures in their text notation (src/engine/spaces/mobilenet/arch.ts): one
 * group per stage, ' | ' between stages, each layer 'k<kernel>e<expansion>' or 'skip'. Parsed here
 * only to draw the strip of layers.
 */
export type MobileNetLayer =
  { stage: number; kernel: number; expansion: number } | { stage: number; skip: true };

export function parseMobileNet(text: string): MobileNetLayer[] {
  const layers: MobileNetLayer[] = [];
  text
    .trim()
    .split('|')
    .forEach((group, stage) => {
      const names = group.trim().split(/\s+/).filter(Boolean);
      if (names.length === 0) throw new Error(`stage ${stage + 1} of '${text}' has no layers`);
      for (const name of names) {
        if (name === 'skip') {
          layers.push({ stage, skip: true });
          continue;
        }
        const m = /^k(\d+)e(\d+)$/.exec(name);
        if (!m) throw new Error(`'${name}' (stage ${stage + 1}) is not k<kernel>e<expansion> or skip`);
        layers.push({ stage, kernel: Number(m[1]), expansion: Number(m[2]) });
      }
    });
  return layers;
}
