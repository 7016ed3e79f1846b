// tunekit/distributed — training on several processes and machines over libtorch's c10d.
export { readDistEnv, firstSlurmHost, type DistEnv } from './env.js';
export {
  initProcessGroup, isInitialized, destroyProcessGroup, getGroup, getRank, getWorldSize, getLocalRank, getLocalWorldSize, getNodeRank,
  barrier, allReduce, broadcast, allGather, reduceScatter, allGatherObject, broadcastObject,
  type InitProcessGroupOptions, type Backend, type ReduceOp,
} from './group.js';
export { DistributedDataParallel, type DDPOptions } from './ddp.js';
export { launch, freePort, type LaunchOptions, type LaunchResult, type RankExit } from './launch.js';
