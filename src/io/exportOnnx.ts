// ONNX export: the whole model as one graph that ONNX Runtime runs.
//
//   token tasks:  tokens (T, B) int64 ──Gather(embedding)──► x0 (T, B, E)
//   forecast:     values (T, B, Ci) float32 = x0 (no embedding)
//   per layer l, by cell, direction "forward" (D = 1) or "bidirectional" (D = 2):
//     LSTM(x_l, W_l, R_l, B_l, h0[l], c0[l]) → Y (T, D, B, H), Y_h, Y_c (D, B, H)
//     GRU(x_l, W_l, R_l, B_l, h0[l], linear_before_reset=1) → Y, Y_h
//     RNN(x_l, W_l, R_l, B_l, h0[l], activations [Tanh]·D) → Y, Y_h
//   D = 1: Squeeze(Y, axes=[1]) → x_{l+1} (T, B, H)
//   D = 2: Transpose(Y, perm [0, 2, 1, 3]) (T, B, 2, H), Reshape [0, 0, −1]
//          → x_{l+1} (T, B, 2H) = [h_fwd_t | h_rev_t], PyTorch's order and ours
//   MatMul(x_L, head_w (D·H, O)) + head_b (O) → logits (T, B, O)
//     (a forecast's output is named `predictions`: Co normalised values)
//   Concat(Y_h over layers) → hn (L, B, H); LSTM only: Concat(Y_c) → cn (L, B, H)
//
// Graph inputs: `tokens` (T, B) int64, time-major, or a forecast's `values`
// (T, B, Ci) float32; then, for a model that carries state from window to
// window (task.ts carriesState: uni lm and uni forecast), `h0` (L, B, H)
// float32 and, for the LSTM only, `c0` (zeros for a fresh start; feed hn/cn
// back to continue). A tagger (uni or bi) starts every window from zero: its
// graph has no state inputs or outputs. T and B are symbolic.
// The operators want W (D, G·H, X), R (D, G·H, H), B (D, 2·G·H) = [Wb, Rb]
// per direction (forward first) in ONNX's gate blocks (GATE_ORDERS.onnx: LSTM
// i, o, f, c; GRU z, r, h; RNN one).
// Our bias goes to Wb; Rb is zeros except the GRU's h block, which is b_hn:
// with linear_before_reset=1 ONNX's GRU computes
//   h̃ = tanh(x·Wh + Wbh + r ⊙ (h·Rh + Rbh)),
// PyTorch's equation and ours, so b_hn sits inside r ⊙ (·) exactly as trained.
// The configuration (modelConfigFields: cell, task, direction, series sizes),
// the vocabulary (token tasks) and a forecast's series record ride along as
// model metadata_props (keys "config", "vocab", "series").
//
// Dimension legend: T steps, B batch, E embedding, H hidden, V vocabulary,
// L layers, D directions, O head outputs (V, 2, or Co), Ci values read per
// step (forecast), G gates per unit, X input size of a layer (E or Ci for
// layer 0, D·H above).
//
// Public API:
//   exportOnnx(model, params, vocab, extra?, series?) → Uint8Array   (model.onnx)
//     vocab null for a forecast; series optional (a forecast's statistics)

import { CELLS } from '../engine/cells';
import { headInputSize, layerInputSize, type ModelConfig } from '../engine/config';
import { paramLayout, type TensorSpec } from '../engine/params';
import { carriesState, directionCount, outputSize, readsTokens } from '../engine/task';
import type { Vocabulary } from '../engine/tokenizer';
import { GATE_ORDERS, interleavedToBlockedBias, interleavedToBlockedRows } from './gates';
import { ProtoWriter } from './protobuf';
import { directionViews } from './pytorch';
import type { SeriesMetadata } from './seriesMetadata';
import { modelMetadata } from './weights';

// onnx.proto field numbers of the messages written here.
const Model = {
  irVersion: 1,
  producerName: 2,
  producerVersion: 3,
  graph: 7,
  opsetImport: 8,
  metadataProps: 14,
};
const OpsetId = { domain: 1, version: 2 };
const Graph = { node: 1, name: 2, initializer: 5, input: 11, output: 12 };
const Node = { input: 1, output: 2, name: 3, opType: 4, attribute: 5 };
const Attribute = { name: 1, i: 3, s: 4, ints: 8, strings: 9, type: 20 };
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_INTS = 7;
const ATTR_STRINGS = 8;
const Tensor = { dims: 1, dataType: 2, name: 8, rawData: 9 };
const ValueInfo = { name: 1, type: 2 };
const TypeProto = { tensorType: 1 };
const TypeTensor = { elemType: 1, shape: 2 };
const Shape = { dim: 1 };
const Dim = { value: 1, param: 2 };
const StringEntry = { key: 1, value: 2 };
const FLOAT = 1;
const INT64 = 7;

/** IR version 8 with opset 17: current enough for LSTM/GRU/RNN and Squeeze-with-axes-input, old enough for every runtime in use. */
const IR_VERSION = 8;
const OPSET = 17;

interface Init {
  name: string;
  dims: number[];
  type: typeof FLOAT | typeof INT64;
  raw: Uint8Array;
}

interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, number>;
  ints?: Record<string, number[]>;
  stringAttr?: Record<string, string>;
  stringAttrs?: Record<string, string[]>;
}

/** The ONNX operator of each cell and the attributes that make it compute our equations. */
const OPERATOR: Record<
  ModelConfig['cell'],
  { op: string; attrs?: Record<string, number>; activations?: string[] }
> = {
  lstm: { op: 'LSTM' },
  // PyTorch's GRU (ours) applies r after the recurrent product: linear_before_reset=1.
  gru: { op: 'GRU', attrs: { linear_before_reset: 1 } },
  // Tanh is the RNN operator's default; written out (once per direction) so no reader has to know that.
  rnn: { op: 'RNN', activations: ['Tanh'] },
};

function f32(name: string, dims: number[], data: Float32Array): Init {
  return {
    name,
    dims,
    type: FLOAT,
    raw: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

function i64(name: string, values: number[]): Init {
  const data = BigInt64Array.from(values, (v) => BigInt(v));
  return { name, dims: [values.length], type: INT64, raw: new Uint8Array(data.buffer) };
}

/** Name of the graph's output: logits, or a forecast's predicted values. */
export function onnxOutputName(model: ModelConfig): string {
  return readsTokens(model) ? 'logits' : 'predictions';
}

/** Name of the graph's input: token ids, or a forecast's values. */
export function onnxInputName(model: ModelConfig): string {
  return readsTokens(model) ? 'tokens' : 'values';
}

export function exportOnnx(
  model: ModelConfig,
  params: Float32Array,
  vocab: Vocabulary | null,
  /** More metadata_props (which weights, their step); config, vocab and series win. */
  extra: Record<string, string> = {},
  /** A forecast's columns and normalisation statistics (from the session); optional. */
  series?: SeriesMetadata,
): Uint8Array {
  const { vocabSize: V, embedSize: E, hiddenSize: H, layers: L, cell } = model;
  const G = CELLS[cell].gates;
  const D = directionCount(model);
  const O = outputSize(model);
  const DH = headInputSize(model);
  const order = GATE_ORDERS.onnx[cell];
  const stateful = carriesState(model);
  const withC = stateful && CELLS[cell].carriesCell;
  const operator = OPERATOR[cell];
  const layout = paramLayout(model);
  if (params.length < layout.total) {
    throw new Error(`params has ${params.length} floats; the model needs ${layout.total}`);
  }
  const meta: Record<string, string> = { ...extra, ...modelMetadata(model, vocab, series) };
  const view = (t: TensorSpec) => params.slice(t.offset, t.offset + t.size);
  /** (D·n) the tensor of each direction, forward first. */
  const perDirection = (
    l: number,
    part: (lv: ReturnType<typeof directionViews>) => Float32Array,
  ) => {
    const parts = [...Array(D).keys()].map((d) => part(directionViews(layout, l, d)));
    const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    parts.forEach((p, d) => out.set(p, d * p.length));
    return out;
  };

  const input = onnxInputName(model);
  const inits: Init[] = [];
  const nodes: NodeSpec[] = [];
  if (readsTokens(model)) {
    inits.push(f32('embedding', [V, E], view(layout.embedding)));
    nodes.push({ op: 'Gather', inputs: ['embedding', input], outputs: ['x0'] });
  } else {
    nodes.push({ op: 'Identity', inputs: [input], outputs: ['x0'] });
  }
  if (D === 1) inits.push(i64('squeeze_axes', [1]));
  else inits.push(i64('bi_shape', [0, 0, -1]));
  for (let l = 0; l < L; l++) {
    const X = layerInputSize(model, l);
    inits.push(
      f32(
        `W${l}`,
        [D, G * H, X],
        perDirection(l, (lv) => interleavedToBlockedRows(view(lv.wx), X, H, order)),
      ),
      f32(
        `R${l}`,
        [D, G * H, H],
        perDirection(l, (lv) => interleavedToBlockedRows(view(lv.wh), H, H, order)),
      ),
      // (2·G·H) per direction = [Wb, Rb]: Wb our bias in ONNX's blocks; Rb zeros but for the GRU's b_hn.
      f32(
        `B${l}`,
        [D, 2 * G * H],
        perDirection(l, (lv) => {
          const bias = new Float32Array(2 * G * H);
          bias.set(interleavedToBlockedBias(view(lv.b), H, order));
          if (lv.bhn) bias.set(view(lv.bhn), G * H + 2 * H); // Rb's h block (the third of z, r, h)
          return bias;
        }),
      ),
    );
    const stateInputs: string[] = [];
    if (stateful) {
      inits.push(i64(`layer${l}`, [l]));
      // Gather with a 1-element index keeps the layer axis: (L, B, H) → (1, B, H), as the operators want.
      nodes.push({ op: 'Gather', inputs: ['h0', `layer${l}`], outputs: [`h0_${l}`] });
      stateInputs.push(`h0_${l}`);
      if (withC) {
        nodes.push({ op: 'Gather', inputs: ['c0', `layer${l}`], outputs: [`c0_${l}`] });
        stateInputs.push(`c0_${l}`);
      }
    }
    nodes.push({
      op: operator.op,
      inputs: [`x${l}`, `W${l}`, `R${l}`, `B${l}`, ...(stateful ? ['', ...stateInputs] : [])],
      outputs: [`y${l}`, ...(stateful ? [`hn_${l}`, ...(withC ? [`cn_${l}`] : [])] : [])],
      attrs: { hidden_size: H, ...operator.attrs },
      stringAttr: D === 2 ? { direction: 'bidirectional' } : {},
      stringAttrs: {
        // One activation list per direction.
        ...(operator.activations
          ? { activations: Array(D).fill(operator.activations).flat() }
          : {}),
      },
    });
    if (D === 1) {
      nodes.push({ op: 'Squeeze', inputs: [`y${l}`, 'squeeze_axes'], outputs: [`x${l + 1}`] });
    } else {
      nodes.push(
        { op: 'Transpose', inputs: [`y${l}`], outputs: [`yt${l}`], ints: { perm: [0, 2, 1, 3] } },
        { op: 'Reshape', inputs: [`yt${l}`, 'bi_shape'], outputs: [`x${l + 1}`] },
      );
    }
  }
  inits.push(f32('head_w', [DH, O], view(layout.headW)), f32('head_b', [O], view(layout.headB)));
  const range = [...Array(L).keys()];
  const output = onnxOutputName(model);
  nodes.push(
    { op: 'MatMul', inputs: [`x${L}`, 'head_w'], outputs: ['head_mm'] },
    { op: 'Add', inputs: ['head_mm', 'head_b'], outputs: [output] },
  );
  if (stateful) {
    nodes.push({
      op: 'Concat',
      inputs: range.map((l) => `hn_${l}`),
      outputs: ['hn'],
      attrs: { axis: 0 },
    });
  }
  if (withC) {
    nodes.push({
      op: 'Concat',
      inputs: range.map((l) => `cn_${l}`),
      outputs: ['cn'],
      attrs: { axis: 0 },
    });
  }

  const w = new ProtoWriter();
  w.int(Model.irVersion, IR_VERSION);
  w.string(Model.producerName, 'gatescope');
  w.string(Model.producerVersion, '1');
  w.message(Model.opsetImport, (o) => o.string(OpsetId.domain, '').int(OpsetId.version, OPSET));
  w.message(Model.graph, (g) => {
    nodes.forEach((n, k) => g.message(Graph.node, (m) => writeNode(m, n, k)));
    g.string(Graph.name, `gatescope_${model.task ?? 'lm'}_${D === 2 ? 'bi' : ''}${cell}`);
    for (const t of inits) g.message(Graph.initializer, (m) => writeTensor(m, t));
    if (readsTokens(model)) {
      g.message(Graph.input, (m) => writeValueInfo(m, input, INT64, ['T', 'B']));
    } else {
      const Ci = layerInputSize(model, 0);
      g.message(Graph.input, (m) => writeValueInfo(m, input, FLOAT, ['T', 'B', Ci]));
    }
    if (stateful) g.message(Graph.input, (m) => writeValueInfo(m, 'h0', FLOAT, [L, 'B', H]));
    if (withC) g.message(Graph.input, (m) => writeValueInfo(m, 'c0', FLOAT, [L, 'B', H]));
    g.message(Graph.output, (m) => writeValueInfo(m, output, FLOAT, ['T', 'B', O]));
    if (stateful) g.message(Graph.output, (m) => writeValueInfo(m, 'hn', FLOAT, [L, 'B', H]));
    if (withC) g.message(Graph.output, (m) => writeValueInfo(m, 'cn', FLOAT, [L, 'B', H]));
  });
  for (const [key, value] of Object.entries(meta)) {
    w.message(Model.metadataProps, (m) =>
      m.string(StringEntry.key, key).string(StringEntry.value, value),
    );
  }
  return w.finish();
}

function writeNode(w: ProtoWriter, n: NodeSpec, index: number): void {
  for (const i of n.inputs) w.string(Node.input, i);
  for (const o of n.outputs) w.string(Node.output, o);
  w.string(Node.name, `${n.op}_${index}`);
  w.string(Node.opType, n.op);
  for (const [name, value] of Object.entries(n.attrs ?? {})) {
    w.message(Node.attribute, (a) =>
      a.string(Attribute.name, name).int(Attribute.i, value).int(Attribute.type, ATTR_INT),
    );
  }
  for (const [name, values] of Object.entries(n.ints ?? {})) {
    w.message(Node.attribute, (a) =>
      a.string(Attribute.name, name).ints(Attribute.ints, values).int(Attribute.type, ATTR_INTS),
    );
  }
  for (const [name, value] of Object.entries(n.stringAttr ?? {})) {
    w.message(Node.attribute, (a) =>
      a.string(Attribute.name, name).string(Attribute.s, value).int(Attribute.type, ATTR_STRING),
    );
  }
  for (const [name, values] of Object.entries(n.stringAttrs ?? {})) {
    w.message(Node.attribute, (a) => {
      a.string(Attribute.name, name);
      for (const v of values) a.string(Attribute.strings, v);
      a.int(Attribute.type, ATTR_STRINGS);
    });
  }
}

function writeTensor(w: ProtoWriter, t: Init): void {
  w.ints(Tensor.dims, t.dims);
  w.int(Tensor.dataType, t.type);
  w.string(Tensor.name, t.name);
  w.bytes(Tensor.rawData, t.raw);
}

function writeValueInfo(
  w: ProtoWriter,
  name: string,
  elemType: number,
  dims: (number | string)[],
): void {
  w.string(ValueInfo.name, name);
  w.message(ValueInfo.type, (tp) =>
    tp.message(TypeProto.tensorType, (tt) => {
      tt.int(TypeTensor.elemType, elemType);
      tt.message(TypeTensor.shape, (s) => {
        for (const d of dims) {
          s.message(Shape.dim, (dm) =>
            typeof d === 'number' ? dm.int(Dim.value, d) : dm.string(Dim.param, d),
          );
        }
      });
    }),
  );
}
