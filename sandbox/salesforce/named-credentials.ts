/**
 * What an installed package put in each org, and the credentials of its named principals.
 *
 * Installing reads the package's metadata (./package-metadata.ts) into the org: its custom fields
 * and field permissions (./package-fields.ts), its external and named credentials, and its
 * permission sets, which become `PermissionSet` records (an existing
 * one of the same name is taken over, as an unlocked package adopts it) assigned to the users the
 * installer names, the org's admin by default. Who may use a principal is then the store's own
 * model: the user's `PermissionSetAssignment`s to an installed permission set whose
 * `externalCredentialPrincipalAccesses` enable it. Installing again replaces the metadata; the
 * credentials of principals that still exist, under the same protocol, are kept, as a package
 * upgrade keeps them.
 *
 * Credentials are what the Connect REST API's `named-credentials/credential` resource sets
 * (./http/named-credentials.ts): per principal, a map of named values, each encrypted or not.
 * Encrypted values never leave the sandbox except in a callout's auth headers (./callouts.ts).
 */
import { findUser } from './auth.js';
import { checkPackageFields, installPackageFields } from './package-fields.js';
import type {
  ExternalCredentialDef,
  NamedCredentialDef,
  PackageMetadata,
  PermissionSetDef,
  PrincipalDef,
} from './package-metadata.js';
import type { SalesforceOrg, SfUser } from './store.js';
import { SalesforceApiError } from './types.js';

export interface InstalledPermissionSet extends PermissionSetDef {
  /** The org's `PermissionSet` record for it. */
  id: string;
}

export interface InstalledPackage extends Omit<PackageMetadata, 'permissionSets'> {
  projectDir: string;
  installedAt: Date;
  installedById: string;
  permissionSets: InstalledPermissionSet[];
}

export interface CredentialValue {
  value: string;
  encrypted: boolean;
}

/** The values set for one principal of an external credential. */
export interface StoredCredential {
  externalCredential: string;
  principalName: string;
  principalType: 'NamedPrincipal';
  authenticationProtocol: string;
  values: Record<string, CredentialValue>;
  createdAt: Date;
  createdById: string;
  lastModifiedAt: Date;
  lastModifiedById: string;
}

/** Which principal a request means: the query of GET and DELETE, part of the body of the others. */
export interface PrincipalRef {
  externalCredential: string;
  principalName?: string | undefined;
  principalType: string;
}

/** The body of POST, PUT and PATCH. */
export interface CredentialInput extends PrincipalRef {
  authenticationProtocol: string;
  credentials: Record<string, CredentialValue>;
}

/** A credential as the Connect REST API answers it: encrypted values are null. */
export interface CredentialView {
  authenticationProtocol: string;
  authenticationStatus: 'Configured';
  credentials: Record<string, { encrypted: boolean; value: string | null }>;
  externalCredential: string;
  principalName: string;
  principalType: 'NamedPrincipal';
}

/** A principal of an installed external credential, and whether a credential is set for it. */
export interface PrincipalStatus {
  externalCredential: string;
  principalName: string;
  principalType: 'NamedPrincipal';
  authenticationProtocol: string;
  authenticationStatus: 'Configured' | 'NotConfigured';
  /** The names of the values set (`Secret`), never the values. */
  credentialNames: string[];
  createdDate: string | null;
  createdById: string | null;
  lastModifiedDate: string | null;
  lastModifiedById: string | null;
}

export interface InstallOptions {
  projectDir: string;
  /** Users to assign every permission set of the package to: ids, `all`, or the admin by default. */
  assignPermissionSetsTo?: 'all' | string[] | undefined;
}

const PRINCIPAL_TYPES = ['AwsStsPrincipal', 'NamedPrincipal', 'PerUserPrincipal'];

function invalidInput(message: string): SalesforceApiError {
  return new SalesforceApiError(400, 'INVALID_INPUT', message);
}

function notFound(message: string): SalesforceApiError {
  return new SalesforceApiError(404, 'NOT_FOUND', message);
}

const keyOf = (externalCredential: string, principalName: string) =>
  `${externalCredential}\u0000${principalName}`;

export function credentialView(credential: StoredCredential): CredentialView {
  return {
    authenticationProtocol: credential.authenticationProtocol,
    authenticationStatus: 'Configured',
    credentials: Object.fromEntries(
      Object.entries(credential.values).map(([name, { encrypted, value }]) => [
        name,
        { encrypted, value: encrypted ? null : value },
      ]),
    ),
    externalCredential: credential.externalCredential,
    principalName: credential.principalName,
    principalType: credential.principalType,
  };
}

export class NamedCredentials {
  private readonly installs = new Map<string, InstalledPackage>();
  /** By org id, then by external credential and principal. */
  private readonly stored = new Map<string, Map<string, StoredCredential>>();

  // ---- packages ---------------------------------------------------------------------------

  /** Installs `metadata` in the org, replacing what an earlier install put there. */
  install(org: SalesforceOrg, metadata: PackageMetadata, options: InstallOptions): InstalledPackage {
    const assignees = this.assignees(org, options.assignPermissionSetsTo);
    checkPackageFields(org, metadata.customFields, metadata.permissionSets);
    const permissionSets = metadata.permissionSets.map((set) => ({
      ...set,
      id: this.permissionSetRecord(org, set),
    }));
    installPackageFields(org, metadata.customFields, permissionSets);
    for (const set of permissionSets) this.grantCustomPermissions(org, set.id, set.customPermissions);
    for (const user of assignees) {
      for (const set of permissionSets) {
        if (!this.assignedSetIds(org, user.Id).has(set.id)) {
          org.create('PermissionSetAssignment', { AssigneeId: user.Id, PermissionSetId: set.id });
        }
      }
    }
    const installed: InstalledPackage = {
      ...metadata,
      permissionSets,
      projectDir: options.projectDir,
      installedAt: org.now(),
      installedById: org.adminUser.Id,
    };
    this.installs.set(org.orgId, installed);

    const kept = new Map<string, StoredCredential>();
    for (const [key, credential] of this.stored.get(org.orgId) ?? []) {
      const ec = metadata.externalCredentials.find((e) => e.name === credential.externalCredential);
      if (
        ec?.authenticationProtocol === credential.authenticationProtocol &&
        ec.principals.some((p) => p.name === credential.principalName)
      ) {
        kept.set(key, credential);
      }
    }
    this.stored.set(org.orgId, kept);
    return installed;
  }

  installed(orgId: string): InstalledPackage | undefined {
    return this.installs.get(orgId);
  }

  externalCredential(orgId: string, name: string): ExternalCredentialDef | undefined {
    return this.installs.get(orgId)?.externalCredentials.find((ec) => ec.name === name);
  }

  namedCredential(orgId: string, name: string): NamedCredentialDef | undefined {
    return this.installs.get(orgId)?.namedCredentials.find((nc) => nc.name === name);
  }

  /** The principals of the external credential `userId` may use, lowest sequence number first. */
  principalsFor(org: SalesforceOrg, userId: string, ec: ExternalCredentialDef): PrincipalDef[] {
    const assigned = this.assignedSetIds(org, userId);
    const granted = new Set<string>();
    for (const set of this.installs.get(org.orgId)?.permissionSets ?? []) {
      if (assigned.has(set.id)) for (const access of set.externalCredentialPrincipals) granted.add(access);
    }
    return ec.principals.filter((principal) => granted.has(`${ec.name}-${principal.name}`));
  }

  // ---- credentials ------------------------------------------------------------------------

  /** The credential set for a principal, if any. */
  credential(orgId: string, externalCredential: string, principalName: string): StoredCredential | undefined {
    return this.stored.get(orgId)?.get(keyOf(externalCredential, principalName));
  }

  /** `POST named-credentials/credential`. */
  create(org: SalesforceOrg, input: CredentialInput, userId: string): StoredCredential {
    const { ec, principal } = this.principal(org.orgId, input);
    this.checkProtocol(ec, input.authenticationProtocol);
    const key = keyOf(ec.name, principal.name);
    if (this.stored.get(org.orgId)?.has(key)) {
      throw invalidInput(
        `A credential already exists for principal ${principal.name} of external credential ${ec.name}. ` +
          'Use PUT to replace it.',
      );
    }
    const at = org.now();
    const credential: StoredCredential = {
      externalCredential: ec.name,
      principalName: principal.name,
      principalType: 'NamedPrincipal',
      authenticationProtocol: ec.authenticationProtocol,
      values: copyValues(input.credentials),
      createdAt: at,
      createdById: userId,
      lastModifiedAt: at,
      lastModifiedById: userId,
    };
    const stored = this.stored.get(org.orgId) ?? new Map<string, StoredCredential>();
    stored.set(key, credential);
    this.stored.set(org.orgId, stored);
    return credential;
  }

  /** `PUT` (the values become exactly the request's) or `PATCH` (the request's values change). */
  change(
    org: SalesforceOrg,
    input: CredentialInput,
    userId: string,
    mode: 'replace' | 'merge',
  ): StoredCredential {
    const { ec, principal } = this.principal(org.orgId, input);
    this.checkProtocol(ec, input.authenticationProtocol);
    if (mode === 'merge' && ec.authenticationProtocol !== 'Custom') {
      throw invalidInput('PATCH is supported only for credentials of the Custom authentication protocol.');
    }
    const credential = this.existing(org.orgId, ec, principal);
    credential.values =
      mode === 'replace'
        ? copyValues(input.credentials)
        : { ...credential.values, ...copyValues(input.credentials) };
    credential.lastModifiedAt = org.now();
    credential.lastModifiedById = userId;
    return credential;
  }

  /** `GET` with the principal in the query. */
  read(orgId: string, ref: PrincipalRef): StoredCredential {
    const { ec, principal } = this.principal(orgId, ref);
    return this.existing(orgId, ec, principal);
  }

  /** `DELETE` with the principal in the query. */
  delete(orgId: string, ref: PrincipalRef): void {
    const { ec, principal } = this.principal(orgId, ref);
    this.existing(orgId, ec, principal);
    this.stored.get(orgId)?.delete(keyOf(ec.name, principal.name));
  }

  /** Every named principal of the installed package, and whether (and when) a credential is set. */
  principalStatuses(orgId: string): PrincipalStatus[] {
    const statuses: PrincipalStatus[] = [];
    for (const ec of this.installs.get(orgId)?.externalCredentials ?? []) {
      for (const principal of ec.principals) {
        const credential = this.credential(orgId, ec.name, principal.name);
        statuses.push({
          externalCredential: ec.name,
          principalName: principal.name,
          principalType: 'NamedPrincipal',
          authenticationProtocol: ec.authenticationProtocol,
          authenticationStatus: credential ? 'Configured' : 'NotConfigured',
          credentialNames: credential ? Object.keys(credential.values) : [],
          createdDate: credential?.createdAt.toISOString() ?? null,
          createdById: credential?.createdById ?? null,
          lastModifiedDate: credential?.lastModifiedAt.toISOString() ?? null,
          lastModifiedById: credential?.lastModifiedById ?? null,
        });
      }
    }
    return statuses;
  }

  // ---- internals --------------------------------------------------------------------------

  private principal(
    orgId: string,
    ref: PrincipalRef,
  ): { ec: ExternalCredentialDef; principal: PrincipalDef } {
    if (!PRINCIPAL_TYPES.includes(ref.principalType)) {
      throw invalidInput(
        `Invalid principalType: ${ref.principalType}. Valid values are ${PRINCIPAL_TYPES.join(', ')}.`,
      );
    }
    if (ref.principalType !== 'NamedPrincipal') {
      throw invalidInput(
        `principalType ${ref.principalType} is not supported here: only NamedPrincipal credentials can be set.`,
      );
    }
    if (!ref.principalName)
      throw invalidInput('principalName is required when principalType is NamedPrincipal.');
    const ec = this.externalCredential(orgId, ref.externalCredential);
    if (!ec) throw notFound(`No external credential named ${ref.externalCredential} exists in this org.`);
    const principal = ec.principals.find((p) => p.name === ref.principalName);
    if (!principal) {
      throw notFound(`External credential ${ec.name} has no named principal ${ref.principalName}.`);
    }
    return { ec, principal };
  }

  private checkProtocol(ec: ExternalCredentialDef, protocol: string): void {
    if (protocol !== ec.authenticationProtocol) {
      throw invalidInput(
        `authenticationProtocol ${protocol} doesn't match external credential ${ec.name}, ` +
          `whose protocol is ${ec.authenticationProtocol}.`,
      );
    }
  }

  private existing(orgId: string, ec: ExternalCredentialDef, principal: PrincipalDef): StoredCredential {
    const credential = this.credential(orgId, ec.name, principal.name);
    if (!credential) {
      throw notFound(
        `No credential is set for principal ${principal.name} of external credential ${ec.name}.`,
      );
    }
    return credential;
  }

  private assignees(org: SalesforceOrg, assignTo: InstallOptions['assignPermissionSetsTo']): SfUser[] {
    if (assignTo === undefined) return [org.adminUser];
    if (assignTo === 'all') return [...org.users.values()].filter((user) => user.IsActive);
    return assignTo.map((id) => {
      const user = findUser(org, id);
      if (!user) throw notFound(`No user ${id} in org ${org.orgId}.`);
      return user;
    });
  }

  /** The id of the org's permission set of this name, created when the org has none. */
  private permissionSetRecord(org: SalesforceOrg, set: PermissionSetDef): string {
    for (const record of org.records('PermissionSet')) {
      if (
        record.fields.IsDeleted !== true &&
        String(record.fields.Name).toLowerCase() === set.name.toLowerCase()
      ) {
        return record.Id;
      }
    }
    return org.create('PermissionSet', { Name: set.name, Label: set.label.slice(0, 80) }).Id;
  }

  /**
   * The custom permissions a permission set enables, as Salesforce keeps them: a `CustomPermission`
   * record each (made when the org has none of that name) and a `SetupEntityAccess` granting it.
   */
  private grantCustomPermissions(org: SalesforceOrg, setId: string, names: string[]): void {
    for (const name of names) {
      const existing = [...org.records('CustomPermission')].find(
        (record) =>
          record.fields.IsDeleted !== true &&
          String(record.fields.DeveloperName).toLowerCase() === name.toLowerCase(),
      );
      const permissionId =
        existing?.Id ??
        org.create('CustomPermission', { DeveloperName: name, MasterLabel: name.slice(0, 80) }).Id;
      const granted = [...org.records('SetupEntityAccess')].some(
        (record) =>
          record.fields.IsDeleted !== true &&
          record.fields.ParentId === setId &&
          record.fields.SetupEntityId === permissionId,
      );
      if (!granted) {
        org.create('SetupEntityAccess', {
          ParentId: setId,
          SetupEntityId: permissionId,
          SetupEntityType: 'CustomPermission',
        });
      }
    }
  }

  /** The ids of the permission sets assigned to a user. */
  private assignedSetIds(org: SalesforceOrg, userId: string): Set<string> {
    const ids = new Set<string>();
    for (const assignment of org.records('PermissionSetAssignment')) {
      const { AssigneeId, PermissionSetId, IsDeleted } = assignment.fields;
      if (IsDeleted !== true && AssigneeId === userId && typeof PermissionSetId === 'string') {
        ids.add(PermissionSetId);
      }
    }
    return ids;
  }
}

function copyValues(values: Record<string, CredentialValue>): Record<string, CredentialValue> {
  return Object.fromEntries(
    Object.entries(values).map(([name, { value, encrypted }]) => [name, { value, encrypted }]),
  );
}
