// ONNX export: the whole character model as one graph that ONNX Runtime runs.
//
//   tokens (T, B) int64 ──Gather(embedding)──► x0 (T, B, E)
//   per layer l, by cell:
//     LSTM(x_l, W_l, R_l, B_l, h0[l], c0[l]) → Y (T, 1, B, H), Y_h, Y_c (1, B, H)
//     GRU(x_l, W_l, R_l, B_l, h0[l], linear_before_reset=1) → Y, Y_h
//     RNN(x_l, W_l, R_l, B_l, h0[l], activations [Tanh]) → Y, Y_h
//   Squeeze(Y, axes=[1]) → x_{l+1} (T, B, H)
//   MatMul(x_L, head_w (H, V)) + head_b (V) → logits (T, B, V)
//   Concat(Y_h over layers) → hn (L, B, H); LSTM only: Concat(Y_c) → cn (L, B, H)
//
// Graph inputs: `tokens` (T, B) int64, time-major; `h0` (L, B, H) float32 and,
// for the LSTM only, `c0` (zeros for a fresh start; feed hn/cn back to
// continue a text). Outputs: `logits` (T, B, V), `hn`, and for the LSTM `cn`.
// T and B are symbolic.
// The operators want W (1, G·H, X), R (1, G·H, H), B (1, 2·G·H) = [Wb, Rb] in
// ONNX's gate blocks (GATE_ORDERS.onnx: LSTM i, o, f, c; GRU z, r, h; RNN one).
// Our bias goes to Wb; Rb is zeros except the GRU's h block, which is b_hn:
// with linear_before_reset=1 ONNX's GRU computes
//   h̃ = tanh(x·Wh + Wbh + r ⊙ (h·Rh + Rbh)),
// PyTorch's equation and ours, so b_hn sits inside r ⊙ (·) exactly as trained.
// Vocabulary and configuration (with the cell) ride along as model
// metadata_props (keys "vocab", "config").
//
// Dimension legend: T steps, B batch, E embedding, H hidden, V vocabulary,
// L layers, X input size of a layer (E for layer 0, H above).
//
// Public API:
//   exportOnnx(model, params, vocab) → Uint8Array   (model.onnx)

import { CELLS } from '../engine/cells';
import { layerInputSize, type ModelConfig } from '../engine/config';
import { paramLayout, type TensorSpec } from '../engine/params';
import type { Vocabulary } from '../engine/tokenizer';
import { GATE_ORDERS, interleavedToBlockedBias, interleavedToBlockedRows } from './gates';
import { ProtoWriter } from './protobuf';
import { vocabJson } from './vocabFile';

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
const Attribute = { name: 1, i: 3, strings: 9, type: 20 };
const ATTR_INT = 2;
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
  stringAttrs?: Record<string, string[]>;
}

/** The ONNX operator of each cell and the attributes that make it compute our equations. */
const OPERATOR: Record<
  ModelConfig['cell'],
  { op: string; attrs?: Record<string, number>; stringAttrs?: Record<string, string[]> }
> = {
  lstm: { op: 'LSTM' },
  // PyTorch's GRU (ours) applies r after the recurrent product: linear_before_reset=1.
  gru: { op: 'GRU', attrs: { linear_before_reset: 1 } },
  // Tanh is the RNN operator's default; written out so no reader has to know that.
  rnn: { op: 'RNN', stringAttrs: { activations: ['Tanh'] } },
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

export function exportOnnx(
  model: ModelConfig,
  params: Float32Array,
  vocab: Vocabulary,
  /** More metadata_props (which weights, their step); vocab and config win. */
  extra: Record<string, string> = {},
): Uint8Array {
  const { vocabSize: V, embedSize: E, hiddenSize: H, layers: L, cell } = model;
  const G = CELLS[cell].gates;
  const order = GATE_ORDERS.onnx[cell];
  const withC = CELLS[cell].carriesCell;
  const operator = OPERATOR[cell];
  const layout = paramLayout(model);
  if (params.length < layout.total) {
    throw new Error(`params has ${params.length} floats; the model needs ${layout.total}`);
  }
  const view = (t: TensorSpec) => params.slice(t.offset, t.offset + t.size);

  const inits: Init[] = [
    f32('embedding', [V, E], view(layout.embedding)),
    i64('squeeze_axes', [1]),
  ];
  const nodes: NodeSpec[] = [{ op: 'Gather', inputs: ['embedding', 'tokens'], outputs: ['x0'] }];
  layout.layers.forEach((lv, l) => {
    const X = layerInputSize(model, l);
    // (2·G·H) = [Wb, Rb]: Wb our bias in ONNX's blocks; Rb zeros but for the GRU's b_hn.
    const bias = new Float32Array(2 * G * H);
    bias.set(interleavedToBlockedBias(view(lv.b), H, order));
    if (lv.bhn) bias.set(view(lv.bhn), G * H + 2 * H); // Rb's h block (the third of z, r, h)
    inits.push(
      f32(`W${l}`, [1, G * H, X], interleavedToBlockedRows(view(lv.wx), X, H, order)),
      f32(`R${l}`, [1, G * H, H], interleavedToBlockedRows(view(lv.wh), H, H, order)),
      f32(`B${l}`, [1, 2 * G * H], bias),
      i64(`layer${l}`, [l]),
    );
    // Gather with a 1-element index keeps the layer axis: (L, B, H) → (1, B, H), as the operators want.
    nodes.push({ op: 'Gather', inputs: ['h0', `layer${l}`], outputs: [`h0_${l}`] });
    if (withC) nodes.push({ op: 'Gather', inputs: ['c0', `layer${l}`], outputs: [`c0_${l}`] });
    nodes.push(
      {
        op: operator.op,
        inputs: [`x${l}`, `W${l}`, `R${l}`, `B${l}`, '', `h0_${l}`, ...(withC ? [`c0_${l}`] : [])],
        outputs: [`y${l}`, `hn_${l}`, ...(withC ? [`cn_${l}`] : [])],
        attrs: { hidden_size: H, ...operator.attrs },
        stringAttrs: operator.stringAttrs,
      },
      { op: 'Squeeze', inputs: [`y${l}`, 'squeeze_axes'], outputs: [`x${l + 1}`] },
    );
  });
  inits.push(f32('head_w', [H, V], view(layout.headW)), f32('head_b', [V], view(layout.headB)));
  const range = [...Array(L).keys()];
  nodes.push(
    { op: 'MatMul', inputs: [`x${L}`, 'head_w'], outputs: ['head_mm'] },
    { op: 'Add', inputs: ['head_mm', 'head_b'], outputs: ['logits'] },
    { op: 'Concat', inputs: range.map((l) => `hn_${l}`), outputs: ['hn'], attrs: { axis: 0 } },
  );
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
    g.string(Graph.name, `gatescope_char_${cell}`);
    for (const t of inits) g.message(Graph.initializer, (m) => writeTensor(m, t));
    g.message(Graph.input, (m) => writeValueInfo(m, 'tokens', INT64, ['T', 'B']));
    g.message(Graph.input, (m) => writeValueInfo(m, 'h0', FLOAT, [L, 'B', H]));
    if (withC) g.message(Graph.input, (m) => writeValueInfo(m, 'c0', FLOAT, [L, 'B', H]));
    g.message(Graph.output, (m) => writeValueInfo(m, 'logits', FLOAT, ['T', 'B', V]));
    g.message(Graph.output, (m) => writeValueInfo(m, 'hn', FLOAT, [L, 'B', H]));
    if (withC) g.message(Graph.output, (m) => writeValueInfo(m, 'cn', FLOAT, [L, 'B', H]));
  });
  const meta: Record<string, string> = {
    ...extra,
    vocab: vocabJson(vocab),
    config: JSON.stringify({ vocabSize: V, cell, embedSize: E, hiddenSize: H, layers: L }),
  };
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
