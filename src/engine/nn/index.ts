export { Module, Sequential, ModuleList, type ForwardContext } from './module';
export { ReLU, Identity, Zero, GlobalAvgPool } from './activations';
export { Conv2d, DepthwiseConv2d, Linear, symmetricPad, type ConvOptions } from './conv';
export { dilatedDepthwiseConv2d } from '../ops/dilated-depthwise';
export { BatchNorm } from './batchnorm';
export { MaxPool, AvgPool } from './pool';
export { ReLUConvBN, SepConv, DilConv, FactorizedReduce } from './blocks';
export { uniformFanIn } from './init';
export { checkpoint, checkpointGated, replayed, type Segment } from './checkpoint';
export {
  GraphBuilder,
  ExportError,
  buildExportGraph,
  type ExportGraph,
  type GraphNode,
  type GraphOp,
  type GraphTensor,
  type GraphValue,
  type Pads,
} from './export-graph';
