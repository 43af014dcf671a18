// The entry of the scoring thread: worker threads do not inherit the main thread's TypeScript
// loader, so this plain module loads the TypeScript side through tsx's API.
import { tsImport } from 'tsx/esm/api';

await tsImport('./score-thread-main.ts', import.meta.url);
