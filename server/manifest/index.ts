export {
  loadManifest,
  parseManifest,
  ManifestError,
  DEFAULT_MANIFEST_PATH,
  type ManifestIssue,
} from './load-manifest.js';
export {
  appManifestSchema,
  type AppManifest,
  type ManifestCard,
  type ManifestWorkflowAction,
  type ManifestActionField,
  type ManifestWebhooks,
  type ManifestPropertyGroup,
  type ManifestProperty,
} from './schema.js';
export {
  PUBLIC_URL_TOKEN,
  DEFAULT_PUBLIC_URL,
  PublicUrlError,
  fillPublicUrl,
  withPublicUrl,
  checkHubSpotPublicUrl,
} from './public-url.js';
export {
  generateHubSpotProject,
  hubspotProjectFiles,
  HubSpotProjectError,
  PLATFORM_VERSION,
  type GeneratedHubSpotProject,
  type HubSpotProjectOptions,
} from './hubspot-project.js';
export {
  generateSalesforcePackage,
  salesforcePackageFiles,
  checkSalesforcePublicUrl,
  SalesforcePackageError,
  DEFAULT_SALESFORCE_SOURCE_DIR,
  OPENAPI_FILE,
  type GeneratedSalesforcePackage,
  type SalesforcePackageOptions,
} from './salesforce-package/index.js';
