// Matrix products split across Web Workers (or Node worker_threads) that share
// memory: the CPU engine's way to use every core. One product at a time: the
// calling thread writes a command into a shared control block, wakes the
// workers with Atomics.notify, computes its own share of C's rows, and waits
// until every worker has finished its share. Operands must live in the pool's
// shared memory (an Arena, wasm/arena.ts); anything else, or a product too small
// to be worth a wake-up, runs serially on the calling thread. The caller
// blocks in Atomics.wait where it may (a worker, Node) and spins where it may
// not (a browser's main thread, e.g. the benchmark page).
//
// Every thread owns whole rows of C and the kernels compute a row the same way
// wherever a share starts (see gemm.ts and wasm/gemm.wat; every thread runs the
// same one, the wasm kernel where it compiled), so the split changes no rounding: a
// pooled product is bit-identical to the serial one. That is also why the pool
// may run a product serially whenever its workers are not all there yet.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers. A product is C (M, N) += op(A) · op(B) over K, with M, N, K among
// T·B, B, E, H, 4H and V (see lstmLayer.ts).

import { serialGemm, type Arr, type GemmOps, type RowGemmOps } from '../gemm';
import type { Arena } from '../wasm/arena';
import { KernelInstance, WasmGemm, type GemmKernel } from '../wasm/kernel';
import type { PackedWeights } from '../wasm/packed';

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
/** Workers that have entered serveGemm and are waiting for products. */
const READY = 12;
const SLOTS = 13;

const OP_NN = 1;
const OP_TN = 2;
const OP_NT = 3;
const OP_EXIT = 4;
/** A (M, K) times a weight packed for this step (wasm/packed.ts): B_AT is its panels. */
const OP_NP = 5;

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
  /**
   * The wasm kernel over the same memory (`memory` is its buffer) and this
   * worker's scratch in it; null: the TypeScript products (gemm.ts).
   */
  wasm: {
    kernel: GemmKernel;
    memory: WebAssembly.Memory;
    scratch: number;
    scratchBytes: number;
  } | null;
}

/**
 * Starts one worker running `serveGemm(init)`; how depends on the platform.
 * `failed` is for errors the platform reports (a script that does not load):
 * the pool then stops waiting for that worker and runs serially.
 */
export type SpawnGemmWorker = (
  init: GemmWorkerInit,
  failed: (reason: string) => void,
) => { terminate(): void };

/** First row of share `part` of M rows; share p covers [rowAt(p), rowAt(p + 1)). */
function rowAt(M: number, part: number, parts: number): number {
  return Math.floor((M * part) / parts);
}

function runShare(
  ops: RowGemmOps | WasmGemm,
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
  if (op === OP_NN) ops.nn(C, A, B, M, N, K, m0, m1);
  else if (op === OP_TN) ops.tn(C, A, B, M, N, K, m0, m1);
  else if (op === OP_NT) ops.nt(C, A, B, M, N, K, m0, m1);
  else if (ops instanceof WasmGemm) ops.np(C, A, B, M, N, K, m0, m1);
  else throw new Error('packed panels need the wasm kernel');
}

/**
 * Whether this thread may block in Atomics.wait. A browser's main thread may
 * not (it throws even when the value differs, so probing is harmless); there
 * the caller spins on Atomics.load instead, as emscripten's pthreads do.
 */
function canBlock(probe: Int32Array): boolean {
  try {
    Atomics.wait(probe, SLOTS - 1, -1, 0);
    return true;
  } catch {
    return false;
  }
}

export class GemmPool implements GemmOps {
  private readonly control: Int32Array;
  private readonly workers: { terminate(): void }[] = [];
  private readonly parts: number;
  private readonly blocking: boolean;
  /** Set once every worker has checked in; until then products run serially. */
  private live = false;
  private failure: string | null = null;
  private disposed = false;
  private dispatched = 0;
  /** This thread's products: the wasm kernel on its share of scratch, or gemm.ts. */
  private readonly ops: RowGemmOps | WasmGemm;

  /**
   * `memory` must be shared and have room for one `scratchBytes` per thread
   * (taken here) when `kernel` is given. With `packs` (and the kernel), NN and
   * NT products whose B is a weight packed for this step read its panels.
   */
  constructor(
    readonly memory: Arena,
    threads: number,
    spawn: SpawnGemmWorker,
    kernel: GemmKernel | null = null,
    scratchBytes = 0,
    private readonly packs: PackedWeights | null = null,
  ) {
    if (!memory.shared) throw new Error('GEMM threads need a shared memory');
    this.control = new Int32Array(new SharedArrayBuffer(SLOTS * 4));
    this.parts = threads + 1;
    this.blocking = canBlock(this.control);
    const scratch = kernel ? memory.allocateBytes(scratchBytes) : 0;
    this.ops = kernel
      ? new WasmGemm(
          kernel,
          new KernelInstance(kernel.shared, memory.memory, scratch, scratchBytes),
        )
      : serialGemm;
    for (let index = 1; index <= threads; index++) {
      const wasm = kernel && {
        kernel,
        memory: memory.memory,
        scratch: memory.allocateBytes(scratchBytes),
        scratchBytes,
      };
      this.workers.push(
        spawn(
          {
            memory: memory.buffer as SharedArrayBuffer,
            control: this.control.buffer as SharedArrayBuffer,
            index,
            parts: this.parts,
            wasm,
          },
          (reason) => {
            this.failure ??= `GEMM worker ${index} failed: ${reason}`;
          },
        ),
      );
    }
  }

  /** Threads working on a product, the calling one included. */
  get threads(): number {
    return this.parts;
  }

  /** Products split across the workers so far (the rest ran on the calling thread). */
  get parallelProducts(): number {
    return this.dispatched;
  }

  /** Why the workers did not all start, once one has reported an error. */
  get error(): string | null {
    return this.failure;
  }

  /**
   * Resolves true once every worker is waiting for products, false if one
   * failed or they are not all there after `timeoutMs`. A browser starts a
   * worker spawned from a worker only after the spawning thread returns to its
   * event loop, so this must be awaited (never blocked on) before the first
   * product: blocking straight away is what stalled the pool in chromium.
   */
  async ready(timeoutMs = 15_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.checkIn()) {
      if (this.failure !== null || this.disposed) return false;
      if (Date.now() > deadline) {
        this.failure ??= `GEMM workers did not start within ${timeoutMs} ms`;
        return false;
      }
      await new Promise((resolve) => setTimeout(resolve, 4));
    }
    return true;
  }

  private checkIn(): boolean {
    if (!this.live && !this.disposed && this.failure === null) {
      this.live = Atomics.load(this.control, READY) === this.parts - 1;
    }
    return this.live;
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

  /** The LSTM cell update on the calling thread (one pass over memory, not worth a split). */
  lstmCells(gates: Arr, cPrev: Arr, c: Arr, h: Arr, n: number): number {
    return this.ops instanceof WasmGemm ? this.ops.lstmCells(gates, cPrev, c, h, n) : 0;
  }

  /** The calling thread's kernel instance (what packs the weights), if any. */
  get kernelInstance(): KernelInstance | null {
    return this.ops instanceof WasmGemm ? this.ops.resident : null;
  }

  private run(op: number, C: Arr, A: Arr, B: Arr, M: number, N: number, K: number): void {
    const panels = op === OP_TN ? null : this.packs?.find(B, op === OP_NT, N, K);
    if (panels) {
      op = OP_NP;
      B = panels;
    }
    const shared = this.memory.owns(C) && this.memory.owns(A) && this.memory.owns(B);
    if (
      this.parts === 1 ||
      !shared ||
      M < this.parts ||
      M * N * K < MIN_PARALLEL_WORK ||
      !this.checkIn()
    ) {
      runShare(this.ops, op, C, A, B, M, N, K, 0, M);
      return;
    }
    const ctl = this.control;
    this.dispatched++;
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
    runShare(this.ops, op, C, A, B, M, N, K, 0, rowAt(M, 1, this.parts));
    const deadline = Date.now() + STALL_MS;
    for (let left = Atomics.load(ctl, REMAINING); left !== 0; left = Atomics.load(ctl, REMAINING)) {
      // A worker that died must not hang the engine forever.
      const timedOut = this.blocking
        ? Atomics.wait(ctl, REMAINING, left, STALL_MS) === 'timed-out'
        : false;
      if (timedOut || Date.now() > deadline) {
        this.failure = 'a CPU worker thread stopped responding';
        throw new Error(
          'a CPU worker thread stopped responding; reload the page to restart the engine',
        );
      }
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.live = false;
    Atomics.store(this.control, OP, OP_EXIT);
    Atomics.add(this.control, GENERATION, 1);
    Atomics.notify(this.control, GENERATION);
    for (const w of this.workers) w.terminate();
    this.workers.length = 0;
  }
}

/** A worker's whole life: check in, wait for a product, compute its share of rows, report, repeat. */
export function serveGemm(init: GemmWorkerInit): void {
  const ctl = new Int32Array(init.control);
  const { wasm } = init;
  const ops = wasm
    ? new WasmGemm(
        wasm.kernel,
        new KernelInstance(wasm.kernel.shared, wasm.memory, wasm.scratch, wasm.scratchBytes),
      )
    : serialGemm;
  // No product is posted before every worker has checked in (GemmPool.ready),
  // so generation 0 is the one to wait past; a worker that boots after
  // dispose sees the exit command at once.
  let seen = 0;
  // Operand views by offset, made once: the engine reuses its buffers every step.
  const views = new Map<number, Float32Array>();
  const view = (at: number, len: number) => {
    let v = views.get(at);
    if (!v || v.length !== len) {
      v = new Float32Array(init.memory, at * 4, len);
      views.set(at, v);
    }
    return v;
  };
  Atomics.add(ctl, READY, 1);
  for (;;) {
    Atomics.wait(ctl, GENERATION, seen);
    const now = Atomics.load(ctl, GENERATION);
    if (now === seen) continue;
    seen = now;
    const op = ctl[OP];
    if (op === OP_EXIT) return;
    const M = ctl[DIM_M];
    runShare(
      ops,
      op,
      view(ctl[C_AT], ctl[C_LEN]),
      view(ctl[A_AT], ctl[A_LEN]),
      view(ctl[B_AT], ctl[B_LEN]),
      M,
      ctl[DIM_N],
      ctl[DIM_K],
      rowAt(M, init.index, init.parts),
      rowAt(M, init.index + 1, init.parts),
    );
    if (Atomics.sub(ctl, REMAINING, 1) === 1) Atomics.notify(ctl, REMAINING);
  }
}
