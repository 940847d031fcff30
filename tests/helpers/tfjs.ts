// tf.loadLayersModel over a fake fetch that serves an export's files
// (model.json and the .bin) by name, exactly as a browser would load them
// from a folder. Shared by the TF.js export tests.

import * as tf from '@tensorflow/tfjs';

export async function loadTfjs(
  files: Record<string, Uint8Array | string>,
): Promise<tf.LayersModel> {
  const fetchFunc = async (url: RequestInfo | URL) => {
    const name = String(url instanceof Request ? url.url : url)
      .split('/')
      .pop()!;
    const body = files[name];
    if (body === undefined) return new Response('not found', { status: 404 });
    return new Response(typeof body === 'string' ? body : body.slice(), { status: 200 });
  };
  return tf.loadLayersModel('http://127.0.0.1/export/model.json', { fetchFunc });
}
