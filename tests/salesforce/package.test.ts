/**
 * `npm run salesforce:package`: the SFDX project an admin turns into an unlocked package. Checked
 * offline as Salesforce's own tools would: Source Deploy Retrieve resolves every file into a
 * component and derives package.xml, and every Apex class parses with the Apex grammar.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  ApexErrorListener,
  ApexParserBaseListener,
  ApexParserFactory,
  ApexParseTreeWalker,
  type MethodCallContext,
  type MethodDeclarationContext,
} from '@apexdevtools/apex-parser';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ORG_HEADER,
  ORG_API_PATH,
  NAMED_CREDENTIAL,
  RUN_PLAYS_PERMISSION,
  SECRET_HEADER,
  USER_HEADER,
} from '../../server/crm/salesforce/org-package.js';
import { customFieldName } from '../../server/crm/salesforce/fields.js';
import { CASE_KEY_FIELD } from '../../server/crm/salesforce/case-key.js';
import {
  generateSalesforcePackage,
  loadManifest,
  PublicUrlError,
  SalesforcePackageError,
  type GeneratedSalesforcePackage,
} from '../../server/manifest/index.js';
import { actionClassName } from '../../server/manifest/salesforce-package/index.js';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tempDir } from '../support/processes.js';

const manifest = loadManifest();
const PUBLIC_URL = 'https://churn.acme.test';
let project: GeneratedSalesforcePackage;
const read = (path: string) => readFileSync(join(project.outDir, path), 'utf8');
const source = (path: string) => read(`force-app/main/default/${path}`);

beforeAll(() => {
  project = generateSalesforcePackage(manifest, {
    publicUrl: PUBLIC_URL,
    outDir: join(tempDir('churn-sfpkg-'), 'salesforce-package'),
  });
});

interface Resolved {
  components: { type: string; fullName: string }[];
  unclaimed: string[];
  packageXml: string;
}

/** Source Deploy Retrieve's view of the project (its current release runs on Node 22). */
function resolveWithSdr(dir: string): Resolved {
  const script = join(process.cwd(), 'tests/support/sfdx-resolve.cjs');
  const major = Number(process.versions.node.split('.')[0]);
  const [command, args] =
    major >= 22
      ? [process.execPath, [script, dir]]
      : ['npx', ['--yes', '--package', 'node@22', 'node', script, dir]];
  return JSON.parse(execFileSync(command, args, { encoding: 'utf8', timeout: 240_000 })) as Resolved;
}

function apexSyntaxErrors(text: string): string[] {
  const errors: string[] = [];
  class Collect extends ApexErrorListener {
    apexSyntaxError(line: number, column: number, message: string): void {
      errors.push(`${line}:${column} ${message}`);
    }
  }
  const { parser } = ApexParserFactory.createLexerAndParser(text, new Collect());
  parser.compilationUnit();
  return errors;
}

/** Each method of an Apex class, with the methods its body calls by their own name (`requirePlays()`). */
function callsByMethod(text: string): Record<string, string[]> {
  const calls: Record<string, string[]> = {};
  let method: string | null = null;
  class Calls extends ApexParserBaseListener {
    enterMethodDeclaration = (ctx: MethodDeclarationContext) => {
      method = ctx.id().getText();
      calls[method] = [];
    };
    exitMethodDeclaration = () => {
      method = null;
    };
    enterMethodCall = (ctx: MethodCallContext) => {
      const name = ctx.id()?.getText();
      if (method && name) calls[method]!.push(name);
    };
  }
  ApexParseTreeWalker.DEFAULT.walk(new Calls(), ApexParserFactory.createParser(text).compilationUnit());
  return calls;
}

describe('the Salesforce package project', () => {
  it('resolves into exactly the components an admin installs, with a package.xml', () => {
    const resolved = resolveWithSdr(project.outDir);
    expect(resolved.unclaimed).toEqual([]);
    const fields = [
      ...manifest.crmProperties.contacts!.properties.map((p) => `Contact.${customFieldName(p.name)}`),
      ...manifest.crmProperties.companies!.properties.map((p) => `Account.${customFieldName(p.name)}`),
      `Case.${CASE_KEY_FIELD}`,
    ];
    const byType = (type: string) =>
      resolved.components
        .filter((c) => c.type === type)
        .map((c) => c.fullName)
        .sort();
    expect(byType('CustomField')).toEqual(fields.sort());
    expect(fields).toEqual(
      expect.arrayContaining([
        'Contact.Churn_Risk_Score__c',
        'Contact.Churn_Risk_Tier__c',
        'Contact.Churn_Risk_Reasons__c',
        'Contact.Churn_Risk_Updated_At__c',
        'Contact.Churn_Risk_Model__c',
        'Account.Churn_Risk_Score__c',
        'Account.Churn_Risk_Tier__c',
        'Account.Churn_Risk_Reasons__c',
      ]),
    );
    expect(byType('PermissionSet')).toEqual(['Churn_Radar_Advisor', 'Churn_Radar_Plays']);
    expect(byType('CustomPermission')).toEqual([RUN_PLAYS_PERMISSION]);
    expect(byType('NamedCredential')).toEqual([NAMED_CREDENTIAL]);
    expect(byType('ExternalCredential')).toEqual(['Churn_Radar']);
    expect(byType('LightningComponentBundle')).toEqual(['churnRiskCard']);
    const actions = manifest.workflowActions.map(actionClassName);
    expect(byType('ApexClass')).toEqual(
      [
        'ChurnRadarApi',
        'ChurnRadarApiTest',
        'ChurnRadarCalloutMock',
        'ChurnRadarCardController',
        'ChurnRadarCardControllerTest',
        ...actions,
        ...actions.map((name) => `${name}Test`),
      ].sort(),
    );
    expect(resolved.packageXml).toContain('<name>NamedCredential</name>');
    expect(resolved.packageXml).toContain('<members>churnRiskCard</members>');
    expect(resolved.packageXml).toMatch(/<version>\d+\.0<\/version>/);
  }, 300_000);

  it('has Apex that parses, one Flow action per manifest action calling out in bulk', () => {
    for (const name of project.apexClasses) {
      expect({ name, errors: apexSyntaxErrors(source(`classes/${name}.cls`)) }).toEqual({ name, errors: [] });
      expect(source(`classes/${name}.cls-meta.xml`)).toContain('<status>Active</status>');
    }
    for (const action of manifest.workflowActions) {
      const apex = source(`classes/${actionClassName(action)}.cls`);
      expect(apex).toMatch(/@InvocableMethod\(label='[^']+' .*category='Churn Radar' callout=true\)/);
      expect(apex).toContain('public static List<Result> run(List<Request> requests)');
      expect(apex).toContain(`ChurnRadarApi.runAction('${action.key}', items)`);
      for (const input of action.inputFields)
        expect(apex).toContain(`'${input.typeDefinition.name}' => request.`);
      for (const label of Object.values(action.labels.en!.outputFieldLabels))
        expect(apex).toContain(`label='${label}'`);
      const test = source(`classes/${actionClassName(action)}Test.cls`);
      expect(test).toContain('Test.setMock(HttpCalloutMock.class');
      expect(test).toContain(`'callout:${NAMED_CREDENTIAL}${ORG_API_PATH}/actions/${action.key}'`);
    }
  });

  it("sends what the server checks: the Named Credential's secret header, the org and the user", () => {
    const api = source('classes/ChurnRadarApi.cls');
    expect(api).toContain(`NAMED_CREDENTIAL = '${NAMED_CREDENTIAL}'`);
    expect(api).toContain(`ORG_HEADER = '${ORG_HEADER}'`);
    expect(api).toContain(`USER_HEADER = '${USER_HEADER}'`);
    expect(api).toContain(`BASE_PATH = '${ORG_API_PATH}'`);
    expect(api).toContain('request.setHeader(ORG_HEADER, UserInfo.getOrganizationId());');
    const external = source('externalCredentials/Churn_Radar.externalCredential-meta.xml');
    expect(external).toContain(`<parameterName>${SECRET_HEADER}</parameterName>`);
    expect(external).toContain('<parameterValue>{!$Credential.Churn_Radar.Secret}</parameterValue>');
    const named = source('namedCredentials/Churn_Radar.namedCredential-meta.xml');
    expect(named).toContain(`<parameterValue>${PUBLIC_URL}</parameterValue>`);
    expect(named).toContain('<externalCredential>Churn_Radar</externalCredential>');
  });

  it('lets advisors read the fields and only holders of the plays permission act', () => {
    const advisor = source('permissionsets/Churn_Radar_Advisor.permissionset-meta.xml');
    const plays = source('permissionsets/Churn_Radar_Plays.permissionset-meta.xml');
    for (const set of [advisor, plays]) {
      expect(set).toContain(
        '<externalCredentialPrincipal>Churn_Radar-Churn_Radar_Org</externalCredentialPrincipal>',
      );
      expect(set).toContain('<field>Contact.Churn_Risk_Score__c</field>');
      expect(set).toContain('<field>Account.Churn_Risk_Tier__c</field>');
      expect(set).not.toContain('<editable>true</editable>');
      expect(set).toContain('<apexClass>ChurnRadarCardController</apexClass>');
    }
    expect(advisor).not.toContain(RUN_PLAYS_PERMISSION);
    expect(plays).toContain(`<name>${RUN_PLAYS_PERMISSION}</name>`);
    for (const action of manifest.workflowActions) {
      expect(plays).toContain(`<apexClass>${actionClassName(action)}</apexClass>`);
      expect(advisor).not.toContain(actionClassName(action));
    }
  });

  it("lets the card's users flag a score, and keeps the plays for the permission, as the server does", () => {
    const controller = callsByMethod(source('classes/ChurnRadarCardController.cls'));
    expect(controller.startPlay).toEqual(expect.arrayContaining(['requirePlays', 'requireReadable', 'call']));
    expect(controller.reportWrongScore).toEqual(expect.arrayContaining(['requireReadable', 'call']));
    expect(controller.reportWrongScore).not.toContain('requirePlays');
    expect(controller.getRisk).not.toContain('requirePlays');
    expect(controller.requirePlays).toContain('canRunPlays');
    // The card's state says what the server answered for each right: the plays with the org's permission.
    expect(controller.getRisk).toEqual(expect.arrayContaining(['canRunPlays', 'serverAllows']));
    const apex = source('classes/ChurnRadarCardController.cls');
    expect(apex).toContain("canRunPlays() && serverAllows(risk, 'canRunPlays')");
    expect(apex).toContain("serverAllows(risk, 'canGiveFeedback')");
    expect(apex).toContain(`RUN_PLAYS = '${RUN_PLAYS_PERMISSION}'`);

    const card = source('lwc/churnRiskCard/churnRiskCard.js');
    expect(card).toContain(`@salesforce/customPermission/${RUN_PLAYS_PERMISSION}`);
    expect(card).toContain('answer.canGiveFeedback === true');
    const template = source('lwc/churnRiskCard/churnRiskCard.html');
    // The flag is its own branch of the template, not inside the plays'.
    expect(template).toMatch(
      /<template lwc:if=\{canGiveFeedback\}>\s*<lightning-button[^>]*data-id="feedback"/,
    );
    expect(template).toMatch(/<template lwc:if=\{canRunPlays\}>\s*<template for:each=\{plays\}/);
  });

  it('ships the record-page component without its tests', () => {
    const meta = source('lwc/churnRiskCard/churnRiskCard.js-meta.xml');
    expect(meta).toContain('<target>lightning__RecordPage</target>');
    expect(meta).toContain('<object>Contact</object>');
    expect(existsSync(join(project.outDir, 'force-app/main/default/lwc/churnRiskCard/__tests__'))).toBe(
      false,
    );
    expect(source('lwc/churnRiskCard/churnRiskCard.js')).toContain(
      '@salesforce/apex/ChurnRadarCardController.getRisk',
    );
  });

  it('describes the same actions in OpenAPI 3 for External Services', () => {
    const spec = JSON.parse(read('openapi/churn-radar-flow-actions.json')) as {
      openapi: string;
      servers: { url: string }[];
      paths: Record<
        string,
        { post: { operationId: string; requestBody: unknown; parameters: { name: string }[] } }
      >;
      components: { schemas: Record<string, { properties: Record<string, unknown>; required?: string[] }> };
    };
    expect(spec.openapi).toMatch(/^3\.0\./);
    expect(spec.servers).toEqual([{ url: PUBLIC_URL }]);
    for (const action of manifest.workflowActions) {
      const operation = spec.paths[`${ORG_API_PATH}/actions/${action.key}`]!.post;
      expect(operation.parameters.map((p) => p.name)).toContain(ORG_HEADER);
      const refs = JSON.stringify(operation).match(/#\/components\/schemas\/\w+/g) ?? [];
      expect(refs.length).toBeGreaterThan(0);
      for (const ref of refs) expect(spec.components.schemas[ref.split('/').pop()!]).toBeDefined();
    }
    const offer = spec.components.schemas.SendRetentionOfferRecord!;
    expect(offer.required).toEqual(
      expect.arrayContaining(['contactId', 'offer_type', 'validity_days', 'campaign']),
    );
  });

  it('keeps the churn score on Contact and Account to one decimal, and whole numbers whole', () => {
    for (const sobject of ['Contact', 'Account']) {
      const score = source(`objects/${sobject}/fields/Churn_Risk_Score__c.field-meta.xml`);
      expect(score).toContain('<type>Number</type>');
      expect(score).toContain('<precision>4</precision>');
      expect(score).toContain('<scale>1</scale>');
    }
    const loyalty = source('objects/Contact/fields/Loyalty_Points__c.field-meta.xml');
    expect(loyalty).toContain('<precision>18</precision>');
    expect(loyalty).toContain('<scale>0</scale>');
  });

  it('has the key the server upserts its cases by: a unique External ID on Case, readable by both sets', () => {
    expect(CASE_KEY_FIELD).toBe('Churn_Radar_Action_Key__c');
    const field = source(`objects/Case/fields/${CASE_KEY_FIELD}.field-meta.xml`);
    expect(field).toContain('<CustomField xmlns="http://soap.sforce.com/2006/04/metadata">');
    expect(field).toContain(`<fullName>${CASE_KEY_FIELD}</fullName>`);
    for (const element of [
      '<type>Text</type>',
      '<length>80</length>',
      '<externalId>true</externalId>',
      '<unique>true</unique>',
      '<caseSensitive>false</caseSensitive>',
      '<required>false</required>',
    ]) {
      expect(field).toContain(element);
    }
    for (const set of ['Churn_Radar_Advisor', 'Churn_Radar_Plays']) {
      expect(source(`permissionsets/${set}.permissionset-meta.xml`)).toMatch(
        new RegExp(
          `<fieldPermissions>\\s*<editable>false</editable>\\s*<field>Case\\.${CASE_KEY_FIELD}</field>\\s*<readable>true</readable>`,
        ),
      );
    }
  });

  it('is the same project when generated twice', () => {
    const again = generateSalesforcePackage(manifest, { publicUrl: PUBLIC_URL, outDir: project.outDir });
    expect(again.files).toEqual(project.files);
    for (const file of project.files) expect(readFileSync(join(again.outDir, file), 'utf8')).toBe(read(file));
  });
});

describe('refusing a project that could not work', () => {
  it('refuses a public URL the org cannot call', () => {
    const outDir = join(tempDir('churn-sfpkg-'), 'p');
    expect(() =>
      generateSalesforcePackage(manifest, { publicUrl: 'http://churn.acme.test', outDir }),
    ).toThrow(PublicUrlError);
    expect(() =>
      generateSalesforcePackage(manifest, { publicUrl: 'https://127.0.0.1:3000', outDir }),
    ).toThrow(/points at this machine/);
    expect(() =>
      generateSalesforcePackage(manifest, { publicUrl: 'https://churn.acme.test/app', outDir }),
    ).toThrow(/plain origin/);
  });

  it('will not write into a folder that is not a generated project', () => {
    const outDir = tempDir('churn-sfpkg-');
    mkdirSync(join(outDir, 'notes'));
    writeFileSync(join(outDir, 'notes/keep.txt'), 'mine');
    expect(() => generateSalesforcePackage(manifest, { publicUrl: PUBLIC_URL, outDir })).toThrow(
      SalesforcePackageError,
    );
    expect(readFileSync(join(outDir, 'notes/keep.txt'), 'utf8')).toBe('mine');
  });

  it('runs as `npm run salesforce:package`', () => {
    const outDir = join(tempDir('churn-sfpkg-'), 'out');
    const run = spawnSync(
      'npm',
      ['run', '-s', 'salesforce:package', '--', '--public-url', PUBLIC_URL, '--out', outDir],
      {
        encoding: 'utf8',
      },
    );
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Wrote the Salesforce package for Churn Radar');
    expect(existsSync(join(outDir, 'sfdx-project.json'))).toBe(true);
    const bad = spawnSync(
      'npm',
      ['run', '-s', 'salesforce:package', '--', '--public-url', 'http://x.test', '--out', outDir],
      {
        encoding: 'utf8',
      },
    );
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('must use https://');
  }, 300_000);
});
