import { afterAll, describe, expect, it } from '@jest/globals';
import { encode, fitEncoder } from '../../server/model/encoder.js';
import { fitMlp, mlpLogits } from '../../server/model/mlp.js';
import { SeededRandom } from '../../server/model/random.js';
import { currentBackend, tensorFlow } from '../../server/model/tf-runtime.js';
import { syntheticDataset } from './synthetic.js';

const train = syntheticDataset(500, 31);
const test = syntheticDataset(200, 32);
const { state: encoder, matrix } = fitEncoder(train, train.labels!, new SeededRandom(1));
const testMatrix = encode(encoder, test);
const params = { hidden: 16, l2: 1e-3, epochs: 15, batchSize: 64, learningRate: 3e-3 };

afterAll(async () => {
  await tensorFlow('wasm');
});

describe('TensorFlow.js backends', () => {
  it('uses WASM when the native backend is not installed', async () => {
    await tensorFlow();
    expect(['wasm', 'tensorflow']).toContain(currentBackend());
  });

  it('WASM and the plain-JS CPU backend train the same network and score it alike', async () => {
    const onWasm = await fitMlp(matrix, train.labels!, params, new SeededRandom(5), undefined, 'wasm');
    const wasmLogits = await mlpLogits(onWasm.state, testMatrix, 'wasm');
    expect(currentBackend()).toBe('wasm');
    const onCpu = await fitMlp(matrix, train.labels!, params, new SeededRandom(5), undefined, 'cpu');
    const cpuLogits = await mlpLogits(onCpu.state, testMatrix, 'cpu');
    expect(currentBackend()).toBe('cpu');
    // Same seed, same batches: only float32 rounding differs, and training keeps it small.
    wasmLogits.forEach((z, i) => expect(Math.abs(z - cpuLogits[i]!)).toBeLessThan(1e-3));
    // One set of weights scored on both backends: agreement to float32 precision.
    const sameWeightsOnCpu = await mlpLogits(onWasm.state, testMatrix, 'cpu');
    wasmLogits.forEach((z, i) => expect(Math.abs(z - sameWeightsOnCpu[i]!)).toBeLessThan(1e-5));
  });
});
