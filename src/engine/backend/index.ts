export {
  chooseBackend,
  parseBackendName,
  polyfillNodeUtil,
  BACKEND_ORDER,
  TRAINING_KERNELS,
  type BackendName,
  type BackendReport,
  type BackendAttempt,
  type ChooseOptions,
} from './choose';
