import type { FaultInput } from '../../sandbox/http/faults.js';

/** Sets the sandbox's faults for one portal (see sandbox/http/faults.ts). */
export async function sandboxFaults(sandboxUrl: string, hub: number, input: FaultInput): Promise<void> {
  const answer = await fetch(`${sandboxUrl}/_sandbox/portals/${hub}/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  if (!answer.ok) throw new Error(`faults answered ${answer.status}: ${await answer.text()}`);
}
