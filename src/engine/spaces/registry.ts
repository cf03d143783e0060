import type { SpaceName } from '../catalog';
import type { SpaceNetworks } from '../search/supernet';
import { dartsNetworks } from './darts/networks';
import { nb201Networks } from './nb201/networks';
import { mobileNetNetworks } from './mobilenet/networks';
import { enasMicroNetworks } from './enas-micro/networks';
import { enasRnnNetworks } from './enas-rnn/networks';

/**
 * The tensor side of every registered space (its spec, tfjs-free, is in catalog.ts): a space missing
 * here is a compile error, so a registered space always has a supernet and a final network.
 */
export const SPACE_NETWORKS: { [K in SpaceName]: SpaceNetworks<never> } = {
  darts: dartsNetworks,
  nb201: nb201Networks,
  mobilenet: mobileNetNetworks,
  'enas-micro': enasMicroNetworks,
  'enas-rnn': enasRnnNetworks,
};

export function networksOf(name: string): SpaceNetworks<unknown> {
  const n = (SPACE_NETWORKS as Record<string, SpaceNetworks<never>>)[name];
  if (!n) throw new Error(`no networks registered for the search space '${name}'`);
  return n as SpaceNetworks<unknown>;
}
