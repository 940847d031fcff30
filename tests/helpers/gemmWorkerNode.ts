// A GEMM pool worker under Node's worker_threads (the browser uses
// src/engine/cpu/parallel/gemmWorker.ts): the same serveGemm loop.
import { workerData } from 'node:worker_threads';
import { serveGemm, type GemmWorkerInit } from '../../src/engine/cpu/parallel/pool';

serveGemm(workerData as GemmWorkerInit);
