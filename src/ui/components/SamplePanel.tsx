// Generation from a prime text, streamed character by character from the
// model as it trains (the worker interleaves sampling with training steps).

import { useEffect, useRef } from 'react';
import { setSampling, startSample, stopSample } from '../../store/actions';
import { useApp } from '../../store/app';

export function SamplePanel() {
  const prime = useApp((s) => s.prime);
  const temperature = useApp((s) => s.temperature);
  const topK = useApp((s) => s.topK);
  const length = useApp((s) => s.sampleLength);
  const running = useApp((s) => s.sampleId !== null);
  const text = useApp((s) => s.sampleText);
  const shownPrime = useApp((s) => s.samplePrime);
  const error = useApp((s) => s.sampleError);
  const ready = useApp((s) => s.status.ready);
  const vocabSize = useApp((s) => s.active?.vocabSize ?? 0);
  const output = useRef<HTMLDivElement>(null);

  useEffect(() => {
    // Follow the stream, like a terminal.
    const el = output.current;
    if (el && running) el.scrollTop = el.scrollHeight;
  }, [text, running]);

  return (
    <section className="panel" aria-labelledby="sample-title">
      <header>
        <h2 id="sample-title">Sample</h2>
        <span className="hint">generate from the model as it is right now</span>
      </header>
      <form
        className="sample-controls"
        onSubmit={(e) => {
          e.preventDefault();
          if (running) stopSample();
          else startSample();
        }}
      >
        <label className="labelled">
          <span>Prime</span>
          <input
            className="input"
            aria-label="Prime"
            value={prime}
            spellCheck={false}
            onChange={(e) => setSampling({ prime: e.target.value })}
          />
        </label>
        <label className="labelled">
          <span>
            Temperature <span className="slider-value">{temperature.toFixed(2)}</span>
          </span>
          <input
            type="range"
            aria-label="Temperature"
            min={0.05}
            max={2}
            step={0.05}
            value={temperature}
            onChange={(e) => setSampling({ temperature: Number(e.target.value) })}
          />
        </label>
        <label className="labelled">
          <span>Top-k (0 = all)</span>
          <input
            className="input"
            type="number"
            aria-label="Top-k"
            min={0}
            max={Math.max(0, vocabSize)}
            value={topK}
            onChange={(e) => {
              const v = Math.round(Number(e.target.value));
              if (Number.isFinite(v) && v >= 0) setSampling({ topK: v });
            }}
          />
        </label>
        <label className="labelled">
          <span>Length</span>
          <input
            className="input"
            type="number"
            aria-label="Sample length"
            min={1}
            max={5000}
            value={length}
            onChange={(e) => {
              const v = Math.round(Number(e.target.value));
              if (Number.isFinite(v) && v >= 1 && v <= 5000) setSampling({ sampleLength: v });
            }}
          />
        </label>
        <button
          type="submit"
          className={`btn ${running ? '' : 'primary'}`}
          disabled={!ready && !running}
        >
          {running ? 'Stop' : 'Generate'}
        </button>
      </form>
      {error && (
        <div className="note error" role="alert" style={{ marginTop: 10 }}>
          <span>Cannot sample: {error}.</span>
        </div>
      )}
      <div
        className="sample-output"
        ref={output}
        aria-label="Generated text"
        role="log"
        aria-live="off"
      >
        {shownPrime || text ? (
          <>
            <span className="prime">{shownPrime}</span>
            <span className="generated">{text}</span>
            {running && <span className="cursor" />}
          </>
        ) : (
          <span className="placeholder">
            Generated text streams here. Try it before and after training.
          </span>
        )}
      </div>
    </section>
  );
}
