// One (position × unit) heatmap on a canvas: positions of the probe text run
// left to right, hidden units top to bottom in the layer's row order
// (unitOrder.ts), under the signal's equation and above what it does. The cells are painted once per
// snapshot into a small offscreen image and scaled up without smoothing, so
// even H = 512 × 200 characters costs a few milliseconds.

import { memo, useEffect, useId, useRef, useState } from 'react';
import { colorIndex, colorTable, cssGradient, type Scale } from '../colormap';
import { useColorScheme } from '../hooks/useColorScheme';
import { SeriesStrip } from './SeriesStrip';

export interface Cell {
  pos: number;
  unit: number;
}

interface Props {
  title: string;
  symbol: string;
  /** The signal's equation (gateInfo.ts), under the title. */
  equation: string;
  /** What the signal does, in one sentence, under the map. */
  does: string;
  data: Float32Array;
  /** P: positions. */
  length: number;
  /** H: units. */
  hidden: number;
  scale: Scale;
  /** Cell states are unbounded: they are shown through tanh. */
  squash?: boolean;
  /** The least height in CSS pixels: a map alone in its row may be taller. */
  minHeight: number;
  /** The unit in each row, top first (H); the same for every map of the layer. */
  order: Int32Array;
  /** The row of each unit (H): the inverse of `order`. */
  rows: Int32Array;
  hover: Cell | null;
  selectedUnit: number;
  onHover(cell: Cell | null, clientX: number, clientY: number): void;
  onPick(cell: Cell): void;
  /** What stands at a position, in words a screen reader speaks ("character a", "row 12"). */
  describePosition(pos: number): string;
  /** A forecast model's probed stretch (P values): drawn under the map, where a text would be read. */
  strip?: { start: number; name: string; values: Float64Array };
}

/**
 * Paint jobs run one per task: six maps of 512 units × 200 characters are one
 * long task if painted together, six short ones this way. A newer job for the
 * same canvas replaces an older one still waiting.
 */
const paintJobs = new Map<object, () => void>();
let paintChannel: MessageChannel | null = null;

function schedulePaint(owner: object, job: () => void): () => void {
  paintJobs.set(owner, job);
  if (!paintChannel) {
    paintChannel = new MessageChannel();
    paintChannel.port1.onmessage = () => {
      const next = paintJobs.entries().next();
      if (next.done) return;
      const [key, run] = next.value;
      paintJobs.delete(key);
      run();
      if (paintJobs.size > 0) paintChannel!.port2.postMessage(null);
    };
  }
  if (paintJobs.size === 1) paintChannel.port2.postMessage(null);
  return () => {
    if (paintJobs.get(owner) === job) paintJobs.delete(owner);
  };
}

/**
 * Canvases drawn on the CPU. A GPU-backed 2D canvas makes the page wait for
 * the browser's GPU process on every put and draw, and while WebGPU training
 * keeps that process busy (seconds per submit on a software adapter) the wait
 * is a long task on the main thread. These maps are small: the CPU draws them
 * in a millisecond and the compositor takes the result without a round trip.
 */
const CPU_CANVAS: CanvasRenderingContext2DSettings = { willReadFrequently: true };

const shrunk = new WeakMap<HTMLCanvasElement, HTMLCanvasElement>();

/**
 * The cells at most one per device pixel on each axis. More units (or
 * positions) than pixels are averaged down with smoothing, so every unit
 * still shows (nearest-neighbour would drop whole rows at H = 512); the result
 * is then scaled up without smoothing, keeping the cells crisp.
 */
function shrunkToFit(
  image: HTMLCanvasElement,
  P: number,
  H: number,
  width: number,
  height: number,
): CanvasImageSource {
  if (P <= width && H <= height) return image;
  const w = Math.min(P, width);
  const h = Math.min(H, height);
  let out = shrunk.get(image);
  if (!out) {
    out = document.createElement('canvas');
    shrunk.set(image, out);
  }
  if (out.width !== w || out.height !== h) {
    out.width = w;
    out.height = h;
  }
  const ctx = out.getContext('2d', CPU_CANVAS);
  if (!ctx) return image;
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.clearRect(0, 0, w, h);
  ctx.drawImage(image, 0, 0, P, H, 0, 0, w, h);
  return out;
}

/** Scales the painted cells onto the visible canvas, marking the hover column and the chosen unit. */
function drawVisible(
  canvas: HTMLCanvasElement,
  image: HTMLCanvasElement,
  P: number,
  H: number,
  hover: Cell | null,
  /** The row of the unit the text view shows. */
  selectedRow: number,
  scheme: 'light' | 'dark',
): void {
  const dpr = window.devicePixelRatio || 1;
  const width = Math.max(1, Math.round(canvas.clientWidth * dpr));
  const height = Math.max(1, Math.round(canvas.clientHeight * dpr));
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  const ctx = canvas.getContext('2d', CPU_CANVAS);
  if (!ctx) return;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(shrunkToFit(image, P, H, width, height), 0, 0, width, height);
  const cellW = width / P;
  const cellH = height / H;
  if (hover) {
    // Two tones, a wide dark line under a thin light one: the diverging maps' neutral middle is
    // near-white and viridis's top is yellow, so a one-colour outline vanishes over some cells.
    const column = [hover.pos * cellW, 0, Math.max(cellW, 1), height] as const;
    ctx.lineWidth = 3 * dpr;
    ctx.strokeStyle = 'rgba(0,0,0,0.8)';
    ctx.strokeRect(...column);
    ctx.lineWidth = Math.max(1, dpr);
    ctx.strokeStyle = 'rgba(255,255,255,0.95)';
    ctx.strokeRect(...column);
  }
  // A tick on both edges marks the unit the text view shows.
  const y = (selectedRow + 0.5) * cellH;
  ctx.fillStyle = scheme === 'dark' ? 'rgba(255,255,255,0.85)' : 'rgba(0,0,0,0.75)';
  ctx.fillRect(0, y - dpr, 4 * dpr, 2 * dpr);
  ctx.fillRect(width - 4 * dpr, y - dpr, 4 * dpr, 2 * dpr);
}

export const Heatmap = memo(function Heatmap(props: Props) {
  const { title, symbol, data, length: P, hidden: H, scale, squash, hover, selectedUnit } = props;
  const { order, rows, equation, does, minHeight } = props;
  // Orders of another size belong to a snapshot still on its way to this map.
  const selectedRow = rows.length === H ? (rows[selectedUnit] ?? 0) : selectedUnit;
  const scheme = useColorScheme();
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const imageRef = useRef<HTMLCanvasElement | null>(null);
  /** Whether imageRef holds the cells of the current data yet. */
  const paintedRef = useRef(false);
  const overlayRef = useRef({ hover, selectedRow, scheme });
  const table = colorTable(scale, scheme);
  const readoutId = useId();
  /** The keyboard or the pointer is on this map: its readout speaks for the shared hover. */
  const [active, setActive] = useState(false);

  useEffect(() => {
    overlayRef.current = { hover, selectedRow, scheme };
  });

  // Paint the cells into the offscreen image when the data changes (in a task of its own).
  useEffect(() => {
    paintedRef.current = false;
    const owner = canvasRef;
    return schedulePaint(owner, () => {
      const image = (imageRef.current ??= document.createElement('canvas'));
      image.width = P;
      image.height = H;
      const ctx = image.getContext('2d', CPU_CANVAS);
      if (!ctx) return;
      const pixels = ctx.createImageData(P, H);
      // One 32-bit write per cell; the table is RGBA bytes, so a Uint32 view of it matches.
      const out = new Uint32Array(pixels.data.buffer);
      const colors = new Uint32Array(table.buffer, table.byteOffset, 256);
      const unitAt = order.length === H ? order : Int32Array.from({ length: H }, (_, k) => k);
      for (let k = 0; k < H; k++) {
        const j = unitAt[k];
        for (let t = 0; t < P; t++) {
          const v = data[t * H + j];
          out[k * P + t] = colors[colorIndex(squash ? Math.tanh(v) : v, scale)];
        }
      }
      ctx.putImageData(pixels, 0, 0);
      paintedRef.current = true;
      const o = overlayRef.current;
      if (canvasRef.current)
        drawVisible(canvasRef.current, image, P, H, o.hover, o.selectedRow, o.scheme);
    });
  }, [data, P, H, scale, squash, table, order]);

  // Hover and unit changes redraw from the painted image at once.
  useEffect(() => {
    const canvas = canvasRef.current;
    const image = imageRef.current;
    if (!canvas || !image || !paintedRef.current) return;
    drawVisible(canvas, image, P, H, hover, selectedRow, scheme);
  }, [P, H, hover, selectedRow, scheme]);

  const cellAt = (event: React.MouseEvent<HTMLCanvasElement>): Cell => {
    const rect = event.currentTarget.getBoundingClientRect();
    const pos = Math.min(
      P - 1,
      Math.max(0, Math.floor(((event.clientX - rect.left) / rect.width) * P)),
    );
    const row = Math.min(
      H - 1,
      Math.max(0, Math.floor(((event.clientY - rect.top) / rect.height) * H)),
    );
    return { pos, unit: order.length === H ? order[row] : row };
  };

  // Arrow keys walk the cells (Shift: ten at a time), Enter picks the unit, Escape leaves.
  const onKeyDown = (event: React.KeyboardEvent<HTMLCanvasElement>) => {
    const moves: Record<string, [number, number]> = {
      ArrowLeft: [-1, 0],
      ArrowRight: [1, 0],
      ArrowUp: [0, -1],
      ArrowDown: [0, 1],
    };
    const from = hover ?? { pos: 0, unit: selectedUnit };
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      props.onPick(from);
      return;
    }
    if (event.key === 'Escape') {
      props.onHover(null, 0, 0);
      return;
    }
    const move = moves[event.key];
    if (!move) return;
    event.preventDefault();
    const stride = event.shiftKey ? 10 : 1;
    // Up and down walk the rows as shown, whatever unit each holds.
    const sorted = order.length === H;
    const fromRow = sorted ? rows[from.unit] : from.unit;
    const row = Math.min(H - 1, Math.max(0, fromRow + move[1] * stride));
    const cell = {
      pos: Math.min(P - 1, Math.max(0, from.pos + move[0] * stride)),
      unit: sorted ? order[row] : row,
    };
    const rect = event.currentTarget.getBoundingClientRect();
    props.onHover(
      cell,
      rect.left + ((cell.pos + 0.5) * rect.width) / P,
      rect.top + ((row + 0.5) * rect.height) / H,
    );
  };

  return (
    <figure className="heatmap">
      <figcaption>
        <span>
          <b>{symbol}</b> {title}
        </span>
        <span className="range">
          {scale === 'unit' ? '0' : '−1'}
          <span className="legend-bar" style={{ background: cssGradient(table) }} />
          {scale === 'unit' ? '1' : '+1'}
        </span>
        <code className="equation">{equation}</code>
      </figcaption>
      <canvas
        ref={canvasRef}
        // One pixel row per unit up to 240 units, so small and medium models lose no row.
        style={{ height: Math.min(240, Math.max(minHeight, H)) }}
        role="img"
        aria-label={`${title} heatmap: ${P} positions × ${H} units`}
        aria-describedby={readoutId}
        onMouseEnter={() => setActive(true)}
        onMouseMove={(e) => props.onHover(cellAt(e), e.clientX, e.clientY)}
        onMouseLeave={(e) => {
          setActive(false);
          props.onHover(null, e.clientX, e.clientY);
        }}
        onClick={(e) => props.onPick(cellAt(e))}
        tabIndex={0}
        aria-keyshortcuts="ArrowLeft ArrowRight ArrowUp ArrowDown Enter Escape"
        onKeyDown={onKeyDown}
        onFocus={() => setActive(true)}
        onBlur={() => {
          setActive(false);
          props.onHover(null, 0, 0);
        }}
      />
      {/* The hover card's gist, spoken: only this map's, and only while it is the one in use. */}
      <p id={readoutId} className="visually-hidden" aria-live="polite">
        {active && hover && hover.pos < P && hover.unit < H
          ? `${title} ${data[hover.pos * H + hover.unit].toFixed(3)} at position ${hover.pos}, ` +
            `${props.describePosition(hover.pos)}, unit ${hover.unit}`
          : ''}
      </p>
      {props.strip && <SeriesStrip {...props.strip} />}
      <p className="does">{does}</p>
    </figure>
  );
});
