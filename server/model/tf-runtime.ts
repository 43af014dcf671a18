/**
 * One TensorFlow.js for the whole process. With `@tensorflow/tfjs-node` installed, its native
 * backend ("tensorflow") is used; otherwise the WASM backend, which is bundled and needs nothing
 * from the system. The model code only asks for `tf` and never cares which backend it got.
 * TensorFlow.js is loaded on first use (a third of a CPU-second): a thread that fits or scores
 * only trees and linear models never loads it.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

type TensorFlow = typeof import('@tensorflow/tfjs');

export type TfBackend = 'tensorflow' | 'wasm' | 'cpu';

const NATIVE_PACKAGE = '@tensorflow/tfjs-node';
let wasmPathsSet = false;
let active: TfBackend | undefined;
let nativeTried: Promise<boolean> | undefined;

/**
 * Makes `backend` (or the best one available) current and returns tf. Asking for the native
 * backend when it is not installed falls back to WASM.
 */
export async function tensorFlow(backend?: TfBackend): Promise<TensorFlow> {
  const tf = await import('@tensorflow/tfjs');
  const wanted = backend ?? ((await nativeAvailable()) ? 'tensorflow' : 'wasm');
  if (active === wanted) return tf;
  // Production mode skips debug-time checks and the console banner suggesting tfjs-node.
  if (active === undefined) tf.enableProdMode();
  if (wanted === 'tensorflow' && (await nativeAvailable()) && (await tf.setBackend('tensorflow'))) {
    active = 'tensorflow';
    return tf;
  }
  if (wanted === 'cpu' && (await tf.setBackend('cpu'))) {
    active = 'cpu';
    return tf;
  }
  if (!wasmPathsSet) {
    // In Node the WASM binaries are read from disk: point the backend at the package's dist folder.
    const require = createRequire(import.meta.url);
    const { setWasmPaths } = await import('@tensorflow/tfjs-backend-wasm');
    setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
    wasmPathsSet = true;
  }
  active = (await tf.setBackend('wasm')) ? 'wasm' : 'cpu';
  if (active === 'cpu') await tf.setBackend('cpu');
  return tf;
}

/** The backend in use, for logs and model metadata (undefined before the first use). */
export function currentBackend(): TfBackend | undefined {
  return active;
}

function nativeAvailable(): Promise<boolean> {
  nativeTried ??= import(/* optional dependency */ NATIVE_PACKAGE).then(
    () => true,
    () => false,
  );
  return nativeTried;
}
