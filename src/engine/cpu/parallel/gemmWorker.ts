// Entry point of a GEMM pool worker in the browser: receives its GemmWorkerInit
// once and serves products until the pool terminates it. serveGemm blocks in
// Atomics.wait for the rest of the worker's life, so no later message is read.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers (the products' shapes arrive in the control block, see pool.ts).
import { serveGemm, type GemmWorkerInit } from './pool';

self.onmessage = (event: MessageEvent<GemmWorkerInit>) => serveGemm(event.data);
