// One WebAssembly memory holding the CPU engine's hot buffers (parameters,
// gradients, state, the training workspace), handed out by a bump allocator
// as 16-byte-aligned Float32Array views. Living there, the operands of a
// product need no copy: the wasm GEMM kernel (kernel.ts) reads and writes them
// in place. Shared (its buffer a SharedArrayBuffer) when GEMM worker threads
// use it too (parallel/pool.ts), private otherwise: a shared memory needs a
// cross-origin-isolated page.
//
// Sized once, never grown: growing a private memory would detach every view
// the engine holds. What does not fit goes through the kernel's own staging
// memory instead (kernel.ts).
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers (none appears here: this file only counts bytes).

import type { Arr } from '../gemm';

const PAGE = 65536;

export class Arena {
  readonly memory: WebAssembly.Memory;
  private used = 0;

  constructor(
    bytes: number,
    readonly shared: boolean,
  ) {
    const pages = Math.max(1, Math.ceil((bytes + 16) / PAGE));
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared });
  }

  /** Floats to ask for so that arrays of these lengths can all be allocated (16-byte aligned). */
  static floatsFor(lengths: readonly number[]): number {
    return lengths.reduce((sum, length) => sum + Math.ceil(length / 4) * 4, 0);
  }

  get buffer(): ArrayBuffer | SharedArrayBuffer {
    return this.memory.buffer;
  }

  /** `bytes` bytes (rounded up to 16), as their byte offset. */
  allocateBytes(bytes: number): number {
    const at = this.used;
    const size = Math.ceil(bytes / 16) * 16;
    if (at + size > this.memory.buffer.byteLength) throw new Error('CPU engine memory exhausted');
    this.used += size;
    return at;
  }

  allocate(length: number): Float32Array {
    return new Float32Array(this.memory.buffer, this.allocateBytes(length * 4), length);
  }

  owns(a: Arr): boolean {
    return a.buffer === this.memory.buffer;
  }
}
