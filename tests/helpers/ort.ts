// ONNX Runtime for the tests that run our ONNX exports: onnxruntime-web's Node
// build (package export condition "node"), the same WebAssembly engine a web
// page runs. Its .wasm is read from node_modules beside the script, so nothing
// is fetched. A native runtime (onnxruntime-node) would add ~300 MB to every
// install for the same checks.
//
// One thread: the exported models are tiny; threaded sessions (Node worker
// threads) also pass but took longer on the 2-core test machine.

import { env } from 'onnxruntime-web';

env.wasm.numThreads = 1;

export * from 'onnxruntime-web';
