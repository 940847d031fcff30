// The run configuration survives a trip through the URL hash, and a hand-edited
// or stale hash can only ever yield a valid configuration.
import { describe, expect, it } from 'vitest';
import { DEFAULT_RUN_CONFIG } from '../../../src/engine/settings';
import { encodeHash, readHash } from '../../../src/store/urlHash';

describe('URL hash', () => {
  it('round-trips every setting', () => {
    const config = {
      model: {
        task: 'case' as const,
        direction: 'bi' as const,
        cell: 'gru' as const,
        embedSize: 24,
        hiddenSize: 320,
        layers: 3,
      },
      train: {
        ...DEFAULT_RUN_CONFIG.train,
        seqLen: 100,
        batchSize: 7,
        seed: 4294967295,
        optimizer: {
          ...DEFAULT_RUN_CONFIG.train.optimizer,
          learningRate: 3e-4,
          weightDecay: 0.01,
          clipNorm: 0,
        },
      },
      backend: 'cpu' as const,
    };
    expect(readHash(encodeHash(config), DEFAULT_RUN_CONFIG).config).toEqual(config);
  });

  it('keeps the default for anything malformed or out of range', () => {
    const decoded = readHash(
      '#H=0&L=2.5&T=abc&B=&lr=5&wd=-1&seed=-3&backend=tpu&E=48',
      DEFAULT_RUN_CONFIG,
    ).config;
    expect(decoded).toEqual({
      ...DEFAULT_RUN_CONFIG,
      model: { ...DEFAULT_RUN_CONFIG.model, embedSize: 48 },
    });
  });

  it('names every ignored setting and why', () => {
    const { ignored } = readHash('#H=0&L=2.5&T=abc&B=&E=48&backend=tpu', DEFAULT_RUN_CONFIG);
    expect(ignored).toEqual([
      'H=0: a whole number from 1 to 2048',
      'L=2.5: a whole number from 1 to 8',
      'T=abc: a whole number from 1 to 1024',
      'B=: a whole number from 1 to 1024',
      'backend=tpu: one of auto, webgpu, cpu',
    ]);
    expect(readHash('#E=48', DEFAULT_RUN_CONFIG).ignored).toEqual([]);
  });

  it('never carries the corpus', () => {
    expect(encodeHash(DEFAULT_RUN_CONFIG)).toMatch(
      /^#task=lm&dir=uni&cell=lstm&E=\d+&H=\d+&L=\d+&T=\d+&B=\d+&seed=\d+&val=[\d.]+&lr=[\d.e-]+&b1=[\d.]+&b2=[\d.]+&eps=[\d.e-]+&wd=[\d.e-]+&clip=[\d.]+&sched=\w+&warm=\d+&decay=\d+&floor=[\d.]+&every=\d+&factor=[\d.]+&drop=[\d.]+&dmode=\w+&patience=\d+&backend=\w+$/,
    );
  });
});
