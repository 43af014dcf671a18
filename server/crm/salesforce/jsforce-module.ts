/**
 * jsforce, loaded on a process's first Salesforce call rather than when it starts: it is about
 * 180 modules (its streaming and SOAP clients with them), which a process serving only HubSpot
 * portals, a CLI command or a test that never reaches Salesforce would load for nothing.
 */
import { createRequire } from 'node:module';
import type * as Jsforce from 'jsforce';
import type * as HttpApiModule from 'jsforce/lib/http-api.js';

const require = createRequire(import.meta.url);

let jsforceModule: typeof Jsforce | undefined;
let httpApiModule: typeof HttpApiModule | undefined;

/** jsforce's main module (`Connection`, `OAuth2`). */
export function jsforce(): typeof Jsforce {
  jsforceModule ??= require('jsforce') as typeof Jsforce;
  return jsforceModule;
}

/** jsforce's HTTP layer (`HttpApi`), for a request whose response headers are read. */
export function jsforceHttpApi(): typeof HttpApiModule {
  httpApiModule ??= require('jsforce/lib/http-api.js') as typeof HttpApiModule;
  return httpApiModule;
}
