// Tagging windows: every target is the label of the input at the same (t, b),
// streams read their own segments like the next-character batcher, epochs
// shift the phase reproducibly, and validation reads only the held-out end.
import { describe, expect, it } from 'vitest';
import { BUILTIN_CORPORA, builtinText } from '../../../src/corpora';
import { Vocabulary } from '../../../src/engine/tokenizer';
import { deriveSpaces, deriveCase } from '../../../src/tasks/tagging';
import {
  encodeTask,
  splitTagging,
  TaggingBatcher,
  taggingValidationBatches,
  taggingValidationShape,
  taggingWindowAt,
  type TaggingData,
} from '../../../src/tasks/taggingWindows';

/** ids are positions, labels a function of the position: any (t, b) says where it came from. */
function positional(n: number): TaggingData {
  const ids = Int32Array.from({ length: n }, (_, i) => i);
  const labels = Uint8Array.from({ length: n }, (_, i) => labelOf(i));
  return { ids, labels };
}
const labelOf = (i: number) => (i % 3 === 0 || i % 7 === 0 ? 1 : 0);

describe('windows line labels up with inputs', () => {
  it('a window is time-major and each stream reads its segment', () => {
    const data = positional(40);
    const batch = taggingWindowAt(data, 10, 2, 4, 3);
    expect(batch.seqLen).toBe(3);
    expect(batch.batchSize).toBe(4);
    for (let t = 0; t < 3; t++) {
      for (let b = 0; b < 4; b++) {
        expect(batch.inputs[t * 4 + b]).toBe(b * 10 + 2 + t);
        expect(batch.targets[t * 4 + b]).toBe(labelOf(b * 10 + 2 + t));
      }
    }
  });

  it('on a real derived task, every target is the label of its input character', () => {
    const text = builtinText(BUILTIN_CORPORA[0]).text.slice(0, 5000);
    for (const task of [deriveSpaces(text), deriveCase(text)]) {
      const vocab = Vocabulary.fromText(task.input);
      const data = encodeTask(task, vocab);
      const chars = [...task.input];
      expect(vocab.decode(data.ids)).toBe(task.input);
      const batcher = new TaggingBatcher(data, 4, 16, 1);
      for (let w = 0; w < batcher.windowsPerEpoch; w++) {
        const { batch } = batcher.next();
        for (let b = 0; b < 4; b++) {
          for (let t = 0; t < 16; t++) {
            const pos = b * batcher.segment + w * 16 + t;
            expect(batch.inputs[t * 4 + b]).toBe(vocab.idOf(chars[pos].codePointAt(0)!));
            expect(batch.targets[t * 4 + b]).toBe(task.labels[pos]);
          }
        }
      }
    }
  });

  it('encodes emoji as one id each, without re-normalising', () => {
    const task = deriveSpaces('😀 a 😀b');
    const data = encodeTask(task, Vocabulary.fromText(task.input));
    expect(data.ids.length).toBe(4);
    expect([...data.labels]).toEqual([1, 1, 0, 0]);
  });

  it('refuses a character outside the vocabulary and labels that do not match', () => {
    const vocab = Vocabulary.fromText('ab');
    expect(() => encodeTask({ input: 'abc', labels: new Uint8Array(3) }, vocab)).toThrow(/"c"/);
    expect(() => encodeTask({ input: 'ab', labels: new Uint8Array(3) }, vocab)).toThrow(
      /2 characters but 3 labels/,
    );
  });
});

describe('training batcher', () => {
  it('covers every segment once an epoch, then shifts reproducibly', () => {
    const data = positional(103);
    const a = new TaggingBatcher(data, 4, 5, 7);
    expect(a.segment).toBe(25);
    expect(a.windowsPerEpoch).toBe(5);
    const seen = new Set<number>();
    for (let w = 0; w < 5; w++) {
      const { batch, startsEpoch } = a.next();
      expect(startsEpoch).toBe(w === 0);
      for (const id of batch.inputs) seen.add(id);
    }
    expect(seen.size).toBe(100);
    const b = new TaggingBatcher(data, 4, 5, 7);
    for (let i = 0; i < 5; i++) b.next();
    for (let e = 0; e < 3; e++) {
      for (let w = 0; w < 5; w++) {
        const x = a.next();
        const y = b.next();
        expect(x.batch.inputs).toEqual(y.batch.inputs);
        expect(x.startsEpoch).toBe(w === 0);
        for (let i = 0; i < x.batch.inputs.length; i++) {
          expect(x.batch.targets[i]).toBe(labelOf(x.batch.inputs[i]));
        }
      }
    }
  });

  it('resumes from a saved position and refuses one that does not fit', () => {
    const data = positional(200);
    const a = new TaggingBatcher(data, 3, 7, 11);
    for (let i = 0; i < 20; i++) a.next();
    const b = new TaggingBatcher(data, 3, 7, 11);
    b.setPosition(a.getPosition());
    for (let i = 0; i < 10; i++) expect(b.next().batch.inputs).toEqual(a.next().batch.inputs);
    a.reset();
    expect(a.getPosition().epoch).toBe(0);
    expect(() => b.setPosition({ ...b.getPosition(), shift: 999 })).toThrow(/does not fit/);
  });

  it('needs B·T characters, no more', () => {
    expect(() => new TaggingBatcher(positional(12), 3, 4, 0)).not.toThrow();
    expect(() => new TaggingBatcher(positional(11), 3, 4, 0)).toThrow(/need at least 12/);
  });
});

describe('validation', () => {
  it('reads only the held-out end', () => {
    const data = positional(1000);
    const { train, validation } = splitTagging(data, 0.1);
    expect(train.ids.length).toBe(900);
    expect(validation.ids.length).toBe(100);
    const batches = taggingValidationBatches(validation, 4, 8, 100);
    expect(batches.length).toBe(3); // segment 25 per stream: three windows of 8
    for (const batch of batches) {
      for (let i = 0; i < batch.inputs.length; i++) {
        expect(batch.inputs[i]).toBeGreaterThanOrEqual(900);
        expect(batch.targets[i]).toBe(labelOf(batch.inputs[i]));
      }
    }
    const trainer = new TaggingBatcher(train, 4, 8, 3);
    for (let i = 0; i < 3 * trainer.windowsPerEpoch; i++) {
      for (const id of trainer.next().batch.inputs) expect(id).toBeLessThan(900);
    }
  });

  it('a short split gets a shorter window or fewer streams; nothing gives none', () => {
    expect(taggingValidationShape(5, 4, 8, 10)).toEqual({ seqLen: 5, batchSize: 1, windows: 1 });
    expect(taggingValidationShape(20, 4, 8, 10)).toEqual({ seqLen: 8, batchSize: 2, windows: 1 });
    expect(taggingValidationShape(0, 4, 8, 10)).toBeNull();
    expect(taggingValidationBatches(positional(0), 4, 8, 10)).toEqual([]);
    expect(splitTagging(positional(10), 0).validation.ids.length).toBe(0);
  });

  it('caps the windows per stream', () => {
    expect(taggingValidationBatches(positional(10_000), 4, 8, 5).length).toBe(5);
  });
});
