// Entry point of a GEMM pool worker in the browser: receives its GemmWorkerInit
// once and serves products until the pool terminates it.
import { serveGemm, type GemmWorkerInit } from './pool';

self.onmessage = (event: MessageEvent<GemmWorkerInit>) => serveGemm(event.data);
