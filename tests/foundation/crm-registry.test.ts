import { describe, expect, it } from '@jest/globals';
import type { CrmConnector } from '../../server/crm/connector.js';
import { CrmNotConfiguredError } from '../../server/crm/errors.js';
import type { CrmOAuth, CrmTokenStore } from '../../server/crm/oauth.js';
import { CrmRegistry, type CrmStack } from '../../server/crm/registry.js';
import { BadRequestError } from '../../server/errors.js';

/** Parts that are never called: the registry only hands them out. */
const stack = (): CrmStack => ({
  oauth: {} as CrmOAuth,
  vault: {} as CrmTokenStore,
  connector: {} as CrmConnector,
});

const hubspot = { name: 'HubSpot', enabledBy: 'HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET' };
const salesforce = { name: 'Salesforce', enabledBy: 'SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET' };

describe('the CRM registry', () => {
  it("gives a portal its own CRM's connector", () => {
    const parts = { hubspot: stack(), salesforce: stack() };
    const registry = new CrmRegistry({
      hubspot: { ...hubspot, stack: parts.hubspot },
      salesforce: { ...salesforce, stack: parts.salesforce },
    });
    expect(registry.connectorFor({ crm: 'salesforce' })).toBe(parts.salesforce.connector);
    expect(registry.connectorFor('hubspot')).toBe(parts.hubspot.connector);
    expect(registry.stackFor({ crm: 'hubspot' })).toBe(parts.hubspot);
  });

  it('refuses a portal whose CRM this process has no credentials for, saying what to set', () => {
    const registry = new CrmRegistry({ hubspot: { ...hubspot, stack: undefined } });
    const refusal = (() => {
      try {
        registry.connectorFor({ crm: 'hubspot' });
      } catch (error) {
        return error;
      }
    })();
    expect(refusal).toBeInstanceOf(CrmNotConfiguredError);
    expect(refusal).toMatchObject({
      status: 503,
      code: 'not_configured',
      message: 'The HubSpot app is not configured: set HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET.',
    });
    expect(() => registry.stackFor('salesforce')).toThrow(/No salesforce app is registered/);
  });

  it('takes the one CRM configured when a link names none, and asks which one when several are', () => {
    const one = new CrmRegistry({
      hubspot: { ...hubspot, stack: undefined },
      salesforce: { ...salesforce, stack: stack() },
    });
    expect(one.configured()).toEqual(['salesforce']);
    expect(one.choose(undefined)).toBe('salesforce');
    expect(one.choose('hubspot')).toBe('hubspot');
    expect(() => one.choose('pipedrive')).toThrow(BadRequestError);

    const both = new CrmRegistry({
      hubspot: { ...hubspot, stack: stack() },
      salesforce: { ...salesforce, stack: stack() },
    });
    expect(() => both.choose(undefined)).toThrow(/crm=hubspot or crm=salesforce/);

    const none = new CrmRegistry({ hubspot: { ...hubspot, stack: undefined } });
    expect(() => none.choose(undefined)).toThrow(CrmNotConfiguredError);
  });
});
