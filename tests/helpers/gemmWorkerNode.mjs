// Bootstrap of a GEMM pool worker under Node's worker_threads: registers tsx
// (Node 20 cannot load TypeScript by itself), then runs the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./gemmWorkerNode.ts');
