// Matrix products split across Web Workers (or Node worker_threads) that share
// memory: the CPU engine's way to use every core. One product at a time: the
// calling thread writes a command into a shared control block, wakes the
// workers with Atomics.notify, computes its own share of C's rows, and waits
// until every worker has finished its share. Operands must live in the pool's
// SharedArrayBuffer (see SharedMemory); anything else, or a product too small
// to be worth a wake-up, runs serially on the calling thread.
//
// The caller must be allowed to block (Atomics.wait): a worker, or Node.

import { gemmNN, gemmNT, gemmTN, type Arr, type GemmOps } from '../gemm';

/** Control block slots (Int32). */
const GENERATION = 0;
const REMAINING = 1;
const OP = 2;
const C_AT = 3; // float offsets of the operands in the shared buffer, and their lengths
const C_LEN = 4;
const A_AT = 5;
const A_LEN = 6;
const B_AT = 7;
const B_LEN = 8;
const DIM_M = 9;
const DIM_N = 10;
const DIM_K = 11;
const SLOTS = 12;

const OP_NN = 1;
const OP_TN = 2;
const OP_NT = 3;
const OP_EXIT = 4;

/** Below this many multiply-adds a product is not worth waking the workers for. */
const MIN_PARALLEL_WORK = 1 << 16;

/** A product's share never takes this long; past it a worker is presumed dead. */
const STALL_MS = 60_000;

/** What a worker needs to join the pool (posted to it once). */
export interface GemmWorkerInit {
  memory: SharedArrayBuffer;
  control: SharedArrayBuffer;
  /** 1-based share index; the calling thread takes share 0. */
  index: number;
  /** Shares in all: workers + 1. */
  parts: number;
}

/** Starts one worker running `serveGemm(init)`; how depends on the platform. */
export type SpawnGemmWorker = (init: GemmWorkerInit) => { terminate(): void };

/** A bump allocator over one SharedArrayBuffer, handing out 16-byte-aligned float views. */
export class SharedMemory {
  readonly buffer: SharedArrayBuffer;
  private used = 0;

  constructor(floats: number) {
    this.buffer = new SharedArrayBuffer(Math.ceil(floats / 4) * 16 + 16);
  }

  allocate(length: number): Float32Array {
    const at = this.used;
    const bytes = Math.ceil(length / 4) * 16;
    if (at + bytes > this.buffer.byteLength) throw new Error('shared memory exhausted');
    this.used += bytes;
    return new Float32Array(this.buffer, at, length);
  }

  owns(a: Arr): boolean {
    return a.buffer === this.buffer;
  }
}

function share(M: number, part: number, parts: number): [number, number] {
  return [Math.floor((M * part) / parts), Math.floor((M * (part + 1)) / parts)];
}

function runShare(
  op: number,
  C: Arr,
  A: Arr,
  B: Arr,
  M: number,
  N: number,
  K: number,
  m0: number,
  m1: number,
) {
  if (m0 >= m1) return;
  if (op === OP_NN) gemmNN(C, A, B, M, N, K, m0, m1);
  else if (op === OP_TN) gemmTN(C, A, B, M, N, K, m0, m1);
  else gemmNT(C, A, B, M, N, K, m0, m1);
}

export class GemmPool implements GemmOps {
  private readonly control: Int32Array;
  private readonly workers: { terminate(): void }[] = [];
  private readonly parts: number;

  constructor(
    readonly memory: SharedMemory,
    threads: number,
    spawn: SpawnGemmWorker,
  ) {
    this.control = new Int32Array(new SharedArrayBuffer(SLOTS * 4));
    this.parts = threads + 1;
    for (let index = 1; index <= threads; index++) {
      this.workers.push(
        spawn({
          memory: memory.buffer,
          control: this.control.buffer as SharedArrayBuffer,
          index,
          parts: this.parts,
        }),
      );
    }
  }

  /** Threads working on a product, the calling one included. */
  get threads(): number {
    return this.parts;
  }

  nn(C: Arr, A: Arr, B: Arr, M: number, N: number, K: number): void {
    this.run(OP_NN, C, A, B, M, N, K);
  }
  tn(C: Arr, A: Arr, B: Arr, M: number, N: number, K: number): void {
    this.run(OP_TN, C, A, B, M, N, K);
  }
  nt(C: Arr, A: Arr, B: Arr, M: number, N: number, K: number): void {
    this.run(OP_NT, C, A, B, M, N, K);
  }

  private run(op: number, C: Arr, A: Arr, B: Arr, M: number, N: number, K: number): void {
    const shared = this.memory.owns(C) && this.memory.owns(A) && this.memory.owns(B);
    if (this.parts === 1 || !shared || M < this.parts || M * N * K < MIN_PARALLEL_WORK) {
      runShare(op, C, A, B, M, N, K, 0, M);
      return;
    }
    const ctl = this.control;
    ctl[OP] = op;
    ctl[C_AT] = C.byteOffset / 4;
    ctl[C_LEN] = C.length;
    ctl[A_AT] = A.byteOffset / 4;
    ctl[A_LEN] = A.length;
    ctl[B_AT] = B.byteOffset / 4;
    ctl[B_LEN] = B.length;
    ctl[DIM_M] = M;
    ctl[DIM_N] = N;
    ctl[DIM_K] = K;
    Atomics.store(ctl, REMAINING, this.parts - 1);
    Atomics.add(ctl, GENERATION, 1);
    Atomics.notify(ctl, GENERATION);
    const [m0, m1] = share(M, 0, this.parts);
    runShare(op, C, A, B, M, N, K, m0, m1);
    const deadline = Date.now() + STALL_MS;
    for (let left = Atomics.load(ctl, REMAINING); left !== 0; left = Atomics.load(ctl, REMAINING)) {
      // A worker that died (or never started) must not hang the engine forever.
      if (Atomics.wait(ctl, REMAINING, left, STALL_MS) === 'timed-out' || Date.now() > deadline) {
        throw new Error(
          'a CPU worker thread stopped responding; reload the page to restart the engine',
        );
      }
    }
  }

  dispose(): void {
    Atomics.store(this.control, OP, OP_EXIT);
    Atomics.add(this.control, GENERATION, 1);
    Atomics.notify(this.control, GENERATION);
    for (const w of this.workers) w.terminate();
    this.workers.length = 0;
  }
}

/** A worker's whole life: wait for a product, compute its share of rows, report, repeat. */
export function serveGemm(init: GemmWorkerInit): void {
  const ctl = new Int32Array(init.control);
  // Start from generation 0, not the current one: a worker that boots late must
  // still serve the product already waiting for it.
  let seen = 0;
  for (;;) {
    Atomics.wait(ctl, GENERATION, seen);
    const now = Atomics.load(ctl, GENERATION);
    if (now === seen) continue;
    seen = now;
    const op = ctl[OP];
    if (op === OP_EXIT) return;
    const view = (at: number, len: number) => new Float32Array(init.memory, at * 4, len);
    const M = ctl[DIM_M];
    const [m0, m1] = share(M, init.index, init.parts);
    runShare(
      op,
      view(ctl[C_AT], ctl[C_LEN]),
      view(ctl[A_AT], ctl[A_LEN]),
      view(ctl[B_AT], ctl[B_LEN]),
      M,
      ctl[DIM_N],
      ctl[DIM_K],
      m0,
      m1,
    );
    if (Atomics.sub(ctl, REMAINING, 1) === 1) Atomics.notify(ctl, REMAINING);
  }
}
