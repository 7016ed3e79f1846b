// tunekit/optim — optimizers (AdamW, SGD), gradient clipping, HF's weight-decay groups and LR
// schedules (torch.optim + transformers/optimization.py).  Imports only src/torch.
export { Optimizer, type ParamGroup, type ParamGroupSpec, type Params, type OptimizerStateDict, type StateValue } from './optimizer.js';
export { AdamW, type AdamWHyper, type AdamWOptions, type AdamWState } from './adamw.js';
export { SGD, type SGDHyper, type SGDOptions, type SGDState } from './sgd.js';
export { clipGradNorm, clipGradNormTensor, gradNorm, type NormType } from './clip.js';
export { getParameterGroups, getDecayParameterNames, isNormParamName, type DecayGroups } from './groups.js';
export {
  LambdaLR, getScheduler, getConstantSchedule, getConstantScheduleWithWarmup, getLinearScheduleWithWarmup,
  getCosineScheduleWithWarmup, getCosineWithHardRestartsScheduleWithWarmup, getCosineWithMinLrScheduleWithWarmup,
  getPolynomialDecayScheduleWithWarmup, getInverseSqrtSchedule,
  type SchedulerName, type SchedulableOptimizer, type LrLambda, type LRSchedulerStateDict,
} from './schedules.js';
export { GradScaler, type GradScalerOptions, type GradScalerStateDict } from './grad-scaler.js';
