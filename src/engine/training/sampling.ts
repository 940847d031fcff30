// Sampling for the training loop: one generation at a time, checked before it
// starts, streamed in chunks between training steps. A chunk's size adapts so
// it takes a share of a step's time: smooth streaming beside fast steps, and
// not one character per step beside slow ones.
//
// Dimension legend: V vocabulary; P length of the prime.

import type { Backend, Sampler } from '../backend';
import { messageOf } from '../errorMessage';
import {
  checkPrime,
  checkSampleNumbers,
  SampleRequestError,
  type SampleRequest,
} from '../sampleRequest';
import { normalizeText, type Vocabulary } from '../tokenizer';
import type { TrainingEvents } from './events';

interface SampleJob {
  request: SampleRequest;
  prime: Int32Array; // (P)
  sampler?: Sampler;
  remaining: number;
  /** Characters per chunk, adapted so one chunk takes a few milliseconds on this backend. */
  chunk: number;
}

export class SampleStream {
  private job: SampleJob | null = null;
  /** The job whose chunk is being generated: its sampler is disposed once that chunk is back. */
  private generating: SampleJob | null = null;

  constructor(
    /** The vocabulary of a language model, or why this model cannot sample (data.ts). */
    private readonly source: { vocab: Vocabulary } | { refusal: string },
    private readonly events: TrainingEvents,
  ) {}

  get active(): boolean {
    return this.job !== null;
  }

  /** Replaces any generation in progress with `request`, or refuses it with the reason. */
  start(request: SampleRequest): void {
    this.stop();
    const refusal = this.refusalOf(request);
    if (refusal) {
      this.events.sampleError(request.id, refusal);
      return;
    }
    if (!('vocab' in this.source)) return;
    const prime = this.source.vocab.encode(normalizeText(request.prime));
    this.job = { request, prime, remaining: request.length, chunk: 4 };
  }

  /** Ends generation `id`, if it is the one in progress, with an empty last chunk. */
  stopRequest(id: number): void {
    if (this.job?.request.id !== id) return;
    this.events.sampleChunk(id, '', true);
    this.stop();
  }

  stop(): void {
    const job = this.job;
    this.job = null;
    // A sampler still generating is disposed by its tick when the chunk is back, not under it.
    if (job !== this.generating) job?.sampler?.dispose();
  }

  /** Generates the next chunk; `stepMs` is a training step's time (0 when not measured). */
  async tick(backend: Backend, training: boolean, stepMs: number): Promise<void> {
    const job = this.job;
    if (!job) return;
    const { request } = job;
    try {
      job.sampler ??= backend.createSampler({
        prime: job.prime,
        temperature: request.temperature,
        topK: request.topK,
        seed: request.seed,
      });
    } catch (error) {
      // The request's fault (its arguments), not the device's: training goes on.
      if (!(error instanceof SampleRequestError)) throw error;
      this.events.sampleError(request.id, error.message);
      this.stop();
      return;
    }
    const count = Math.min(job.chunk, job.remaining);
    const started = performance.now();
    let ids: Int32Array;
    this.generating = job;
    try {
      ids = await job.sampler.next(count);
    } finally {
      this.generating = null;
      if (this.job !== job) job.sampler.dispose();
    }
    const took = performance.now() - started;
    // Aim each chunk at a share of a training step's time (at least ~16 ms).
    const target = training ? Math.max(16, 0.5 * stepMs) : 16;
    if (took < target / 2 && job.chunk < 64) job.chunk *= 2;
    else if (took > 2 * target && job.chunk > 1) job.chunk = Math.max(1, job.chunk >> 1);
    if (this.job !== job) return; // stopped or replaced while generating
    job.remaining -= ids.length;
    const done = job.remaining <= 0 || ids.length === 0;
    // A job exists only on a language model (start refuses the rest).
    const { vocab } = this.source as { vocab: Vocabulary };
    this.events.sampleChunk(request.id, vocab.decode(ids), done);
    if (done) this.stop();
  }

  /** Why `request` cannot run on this model, or null when it can. */
  private refusalOf(request: SampleRequest): string | null {
    if (!('vocab' in this.source)) return this.source.refusal;
    try {
      checkSampleNumbers(request);
      checkPrime(request.prime);
    } catch (error) {
      return messageOf(error);
    }
    const prime = normalizeText(request.prime);
    if (prime.length === 0) return 'the prime needs at least one character';
    const unknown = this.source.vocab.unknownChars(prime);
    if (unknown.length === 0) return null;
    const shown = unknown.slice(0, 5).map((c) => JSON.stringify(c));
    return `the prime has characters the corpus never uses: ${shown.join(', ')}`;
  }
}
