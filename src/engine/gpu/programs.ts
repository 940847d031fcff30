// What each job of the backend records, per window shape, and a small LRU
// cache of the built programs. A program binds the arena's buffers, so it is
// valid for the lifetime of the backend; only its uniform buffer is released
// when it falls out of the cache.
//
// Dimension legend: T window, B batch; N = T·B.

import type { DropoutMode } from '../config';
import { carriesState, directionCount } from '../task';
import {
  recordBackward,
  recordForward,
  recordLoss,
  recordLossSum,
  recordOptimizer,
  recordStateIn,
  recordStateOut,
  recordZeroState,
  windowTarget,
  type PassContext,
} from './passes';
import { recordGradientFlow } from './flow';
import { ProgramBuilder, type Program } from './program';

/**
 * train      state in → forward → state out → loss → BPTT → clip + Adam (the state is
 *            stored before BPTT, which leaves dc_t in the LSTM's cAll slots)
 * gradients  state in → forward → loss → BPTT → loss sum (nothing carried, no update)
 * eval       eval state in → forward → loss → loss sum → eval state out
 * probe      eval state in → forward → eval state out (the caller reads activations)
 * predict    eval state in → forward → eval state out (the caller reads the head's outputs)
 * flow       zero state → gradientFlow's two backward passes (flow.ts), nothing carried
 *
 * A model that carries no state between windows (task.ts carriesState: tagging, anything
 * bidirectional) starts every window of train, gradients, eval and predict from zero state
 * instead of a carried one and stores nothing after it. The probe still carries its own
 * state between the chunks of one text (one sequence from zero state).
 *
 * train and gradients may drop (a DropoutMode): the same passes with the masks
 * of the step in arena.dropoutStep (passes.ts). Without, the program is the
 * one recorded before dropout existed, dispatch for dispatch.
 */
export type Job = 'train' | 'gradients' | 'eval' | 'probe' | 'predict' | 'flow';

/** Programs kept (shapes of training, validation and probe windows). */
const MAX_PROGRAMS = 16;

export function buildProgram(
  ctx: PassContext,
  job: Job,
  T: number,
  B: number,
  dropout: DropoutMode | null = null,
): Program {
  if (dropout && job !== 'train' && job !== 'gradients') {
    throw new Error(`the ${job} program does not drop units`);
  }
  const label = `${job} T=${T} B=${B}${dropout ? ` dropout=${dropout}` : ''}`;
  const rec = new ProgramBuilder(ctx.kernels, label);
  const shape = { T, B };
  const N = T * B;
  const { trainState, evalState, lossAccumulator } = ctx.arena;
  const carries = carriesState(ctx.model);
  const stateIn = (state: typeof trainState) =>
    carries ? recordStateIn(rec, ctx, state, B) : recordZeroState(rec, ctx, shape);
  const stateOut = (state: typeof trainState) => {
    if (carries) recordStateOut(rec, ctx, state, shape);
  };
  switch (job) {
    case 'train':
      stateIn(trainState);
      recordForward(rec, ctx, shape, windowTarget(ctx, T, dropout));
      stateOut(trainState);
      recordLoss(rec, ctx, shape);
      recordBackward(rec, ctx, shape, undefined, dropout);
      recordOptimizer(rec, ctx, N);
      break;
    case 'gradients':
      stateIn(trainState);
      recordForward(rec, ctx, shape, windowTarget(ctx, T, dropout));
      recordLoss(rec, ctx, shape);
      recordBackward(rec, ctx, shape, undefined, dropout);
      rec.clear(lossAccumulator, 0, 4);
      recordLossSum(rec, ctx, N);
      break;
    case 'eval':
      stateIn(evalState);
      recordForward(rec, ctx, shape);
      recordLoss(rec, ctx, shape);
      recordLossSum(rec, ctx, N);
      stateOut(evalState);
      break;
    case 'predict':
      stateIn(evalState);
      recordForward(rec, ctx, shape);
      stateOut(evalState);
      break;
    case 'probe':
      // A bidirectional probe is one window (no chunks) from zero state.
      if (directionCount(ctx.model) === 2) recordZeroState(rec, ctx, shape);
      else recordStateIn(rec, ctx, evalState, B);
      recordForward(rec, ctx, shape);
      if (directionCount(ctx.model) === 1) recordStateOut(rec, ctx, evalState, shape);
      break;
    case 'flow':
      recordGradientFlow(rec, ctx, shape);
      break;
  }
  return rec.build();
}

export class ProgramCache {
  private readonly programs = new Map<string, Program>();

  constructor(private readonly ctx: PassContext) {}

  /** The program of a job and window; the key holds the dropout mode (off, standard, variational). */
  get(job: Job, T: number, B: number, dropout: DropoutMode | null = null): Program {
    const key = `${job}:${T}x${B}:${dropout ?? 'off'}`;
    let program = this.programs.get(key);
    if (program) {
      // Most recently used last.
      this.programs.delete(key);
    } else {
      program = buildProgram(this.ctx, job, T, B, dropout);
      if (this.programs.size >= MAX_PROGRAMS) {
        // Training programs stay: rebuilding one mid-run would create GPU objects per step.
        const oldest = [...this.programs].find(([k]) => !k.startsWith('train:'));
        if (oldest) {
          this.programs.delete(oldest[0]);
          this.ctx.kernels.resources.release(oldest[1].uniformBuffer);
        }
      }
    }
    this.programs.set(key, program);
    return program;
  }
}
