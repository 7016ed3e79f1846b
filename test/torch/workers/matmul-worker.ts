// A worker_threads body for workers.test.ts: checked matmuls on this thread's own tensors.
// workerData: { id, rounds, foreignHandle }.  Posts { ok, bad, freedForeign, live }.
import { parentPort, workerData } from 'node:worker_threads';
import * as torch from '../../../src/torch/index.js';
import { runRounds } from './rounds.js';
import { native } from '../../../src/torch/native.js';

const { id, rounds, foreignHandle } = workerData as { id: number; rounds: number; foreignHandle: number };
// Another thread's handle number means nothing here: freeing it must not touch that tensor.
const freedForeign = native.free(foreignHandle);
const r = runRounds(id, rounds);
parentPort!.postMessage({ ...r, freedForeign, live: torch.liveTensorCount() });
