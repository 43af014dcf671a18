/**
 * Association specs and scopes the contract tests write links with: HubSpot's primary
 * contact→company type (1) and the unlabeled one (279), and the write scopes a link made from a
 * deal or a company needs beside the product's own.
 */
import { AssociationSpecAssociationCategoryEnum } from '@hubspot/api-client/lib/codegen/crm/associations/v4/index.js';

export const PRIMARY_COMPANY = {
  associationCategory: AssociationSpecAssociationCategoryEnum.HubspotDefined,
  associationTypeId: 1,
};

export const UNLABELED_COMPANY = {
  associationCategory: AssociationSpecAssociationCategoryEnum.HubspotDefined,
  associationTypeId: 279,
};

export const ASSOCIATION_WRITE_SCOPES = ['crm.objects.deals.write', 'crm.objects.companies.write'];
