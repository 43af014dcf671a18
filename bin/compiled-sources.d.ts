/**
 * The folder holding the up-to-date JavaScript of the sources under `root` (the checkout's folder
 * by default), transpiled now if they changed since; undefined when it cannot be made.
 */
export function compiledSources(root?: string): Promise<string | undefined>;
