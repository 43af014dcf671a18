/**
 * The Salesforce REST API version every call names (jsforce would default to 50.0). Moving to a
 * newer one is a change to this line and a run of the contract suite.
 */
export const SALESFORCE_API_VERSION = '64.0';
