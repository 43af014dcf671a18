/** HubSpot's date-based API version every call of ours uses (`/crm/objects/2026-03/...`). */
export const HUBSPOT_API_VERSION = '2026-03';
