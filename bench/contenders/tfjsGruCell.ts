// A GRU cell with PyTorch's equations (gatescope's, and Keras's reset_after)
// for TensorFlow.js, which has only the reset-before GRU: tfjs-layers 4.22's
// GRUCell throws on `resetAfter: true`, and its reset-before candidate
// tanh(x·Wh + (r ⊙ h)·Rh) is a different function, so it could not train from
// our weights to our losses. This cell is built from the same tfjs ops
// GRUCell uses (one x·W and one h·R product per step, split into the three
// gates, elementwise rest), so it costs tfjs what its own GRU costs; its
// gradient is tfjs's autodiff, an outside oracle for the CPU engine's.
//
//   z = σ(x·Wz + h·Rz + bz)   r = σ(x·Wr + h·Rr + br)
//   n = tanh(x·Wh + bh + r ⊙ (h·Rh + bhn));   h' = z ⊙ h + (1 − z) ⊙ n
//
// Weights, Keras's gate blocks z, r, h: kernel (X, 3H), recurrent_kernel
// (H, 3H), bias (3H) = our one bias, recurrent_bias (H) = b_hn.
//
// Dimension legend: B batch, X input size of the layer, H hidden.

import type * as tfType from '@tensorflow/tfjs';

type Tf = typeof tfType;

/** A tfjs RNNCell class computing PyTorch's GRU, for `tf.layers.rnn({ cell })`. */
export function pytorchGruCellClass(tf: Tf) {
  return class PytorchGruCell extends tf.layers.RNNCell {
    static className = 'PytorchGruCell';
    readonly units: number;
    readonly stateSize: number;
    private kernel!: tfType.LayerVariable; // (X, 3H)
    private recurrentKernel!: tfType.LayerVariable; // (H, 3H)
    private bias!: tfType.LayerVariable; // (3H)
    private recurrentBias!: tfType.LayerVariable; // (H), b_hn

    constructor(units: number) {
      super({});
      this.units = units;
      this.stateSize = units;
    }

    override build(inputShape: tfType.Shape | tfType.Shape[]): void {
      const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfType.Shape;
      const X = shape[shape.length - 1]!;
      const H = this.units;
      const zeros = tf.initializers.zeros();
      this.kernel = this.addWeight('kernel', [X, 3 * H], 'float32', zeros);
      this.recurrentKernel = this.addWeight('recurrent_kernel', [H, 3 * H], 'float32', zeros);
      this.bias = this.addWeight('bias', [3 * H], 'float32', zeros);
      this.recurrentBias = this.addWeight('recurrent_bias', [H], 'float32', zeros);
      this.built = true;
    }

    override call(inputs: tfType.Tensor | tfType.Tensor[]): tfType.Tensor[] {
      return tf.tidy(() => {
        const [x, h] = inputs as tfType.Tensor2D[]; // (B, X), (B, H)
        const gx = tf.add(tf.matMul(x, this.kernel.read() as tfType.Tensor2D), this.bias.read());
        const gh = tf.matMul(h, this.recurrentKernel.read() as tfType.Tensor2D); // (B, 3H)
        const [xz, xr, xh] = tf.split(gx, 3, 1);
        const [hz, hr, hh] = tf.split(gh, 3, 1);
        const z = tf.sigmoid(tf.add(xz, hz));
        const r = tf.sigmoid(tf.add(xr, hr));
        const n = tf.tanh(tf.add(xh, tf.mul(r, tf.add(hh, this.recurrentBias.read()))));
        const next = tf.add(tf.mul(z, h), tf.mul(tf.sub(1, z), n)); // (B, H)
        return [next, next];
      });
    }

    override getConfig(): tfType.serialization.ConfigDict {
      return { ...super.getConfig(), units: this.units };
    }
  };
}
