/**
 * How fast the sandbox fills a portal with synthetic customers: prints contacts per second.
 *
 *   npx tsx bench/sandbox-generate.ts [contacts=100000] [seed=1]
 */
import { generatePortal } from '../sandbox/generator/index.js';
import { SandboxStore } from '../sandbox/store.js';

const contacts = Number(process.argv[2] ?? 100_000);
const seed = Number(process.argv[3] ?? 1);
if (!Number.isInteger(contacts) || contacts <= 0 || !Number.isInteger(seed)) {
  console.error('usage: npx tsx bench/sandbox-generate.ts [contacts] [seed]');
  process.exit(2);
}

const portal = new SandboxStore().createPortal(1);
const started = performance.now();
generatePortal(portal, { contacts, seed, now: new Date('2026-01-01T00:00:00.000Z') });
const seconds = (performance.now() - started) / 1000;
console.log(`sandbox generate, ${contacts} contacts: ${Math.round(contacts / seconds)} contacts/s`);
