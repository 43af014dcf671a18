/**
 * `bench/cycle.ts --crm salesforce`: an org's whole first cycle (install, full sync, training,
 * scoring, write-back) against the Salesforce sandbox, with the worker in this process. Salesforce
 * limits an org by calls a day, not by a rate, so the floor is in calls: the fewest its page and
 * batch sizes allow (2,000 records a query page for every object, 200 records a composite write),
 * and the ratio is calls made to that floor. Wall and CPU time are printed beside it.
 */
import { generateOrg } from '../sandbox/salesforce/from-generator.js';
import { latestRunProgress } from '../server/scoring/runs.js';
import { startSalesforceHarness } from '../tests/contract/salesforce-driver.js';
import { waitUntil } from '../tests/support/processes.js';

const PAGE = 2000;
const WRITE = 200;
const OBJECTS = ['Contact', 'Account', 'EmailMessage', 'Case', 'Opportunity', 'Survey_Response__c'];

export async function benchSalesforceCycle(contacts: number, seed: number): Promise<void> {
  const harness = await startSalesforceHarness();
  try {
    const cpu = process.cpuUsage();
    const installed = await harness.installOrg(0);
    const { org, portalId } = installed;
    // The org fills before the worker starts, as an org's history exists before the install.
    generateOrg(org, { contacts, seed });
    const generated = performance.now();
    const generatedCpu = process.cpuUsage(cpu);
    const worker = await harness.product.startWorker();
    await waitUntil(async () => {
      const run = await latestRunProgress(harness.db, portalId);
      if (run?.status === 'failed') throw new Error('the cycle failed');
      return run?.status === 'succeeded';
    }, 4 * 3600_000);
    const seconds = (performance.now() - generated) / 1000;
    const used = process.cpuUsage(cpu);
    const cpuSeconds = (used.user + used.system - generatedCpu.user - generatedCpu.system) / 1e6;
    await worker.close(1000);

    const count = (sobject: string) =>
      [...org.records(sobject)].filter((r) => r.fields.IsDeleted !== true).length;
    const written = [...org.records('Contact')].filter((c) => c.fields.Churn_Risk_Tier__c).length;
    if (written !== count('Contact'))
      throw new Error(`only ${written} of ${count('Contact')} contacts were written`);
    const floor =
      OBJECTS.reduce((n, sobject) => n + Math.max(1, Math.ceil(count(sobject) / PAGE)) + 1, 0) +
      Math.ceil(count('Contact') / WRITE);
    const calls = harness.wire.since(0);
    const kinds = new Map<string, number>();
    for (const call of calls) kinds.set(call.kind, (kinds.get(call.kind) ?? 0) + 1);
    process.stdout.write(
      `Salesforce first cycle of ${contacts} contacts: ${calls.length} calls (${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}); ` +
        `floor ${floor} calls; ratio ${(calls.length / floor).toFixed(3)}; ` +
        `${seconds.toFixed(1)} s wall, ${cpuSeconds.toFixed(1)} s CPU (sandbox and product in one process); ` +
        `${calls.filter((c) => (c.status ?? 0) >= 400).length} refused\n`,
    );
  } finally {
    await harness.stop();
  }
}
