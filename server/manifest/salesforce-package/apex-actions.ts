/**
 * One Flow action per manifest workflow action: an Apex class with an `@InvocableMethod` that
 * sends the flow's records to this server in one callout (per 200) and returns, per record, the
 * group, the action's outputs and whether the key had been used; plus its Apex test against an
 * `HttpCalloutMock`. The inputs, outputs, labels and descriptions are the manifest's.
 */
import { ORG_API_PATH } from '../../crm/salesforce/org-package.js';
import type { ManifestActionField, ManifestWorkflowAction } from '../schema.js';
import { API_CLASS } from './metadata.js';

export interface ApexClassSource {
  name: string;
  source: string;
}

/** Words Apex keeps for itself that a manifest field name could turn into. */
const APEX_RESERVED = new Set(['group', 'limit', 'offset', 'order', 'select', 'from', 'where', 'type']);

const pascal = (name: string) =>
  name
    .split(/[-_]/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');

/** `offer_type` → `offerType`; a reserved word gets a prefix: `group` → `assignedGroup`. */
export function apexVariableName(field: string): string {
  const name = pascal(field);
  const camel = name[0]!.toLowerCase() + name.slice(1);
  return APEX_RESERVED.has(camel.toLowerCase()) ? `assigned${name}` : camel;
}

export function actionClassName(action: ManifestWorkflowAction): string {
  return `ChurnRadar${pascal(action.key)}Action`;
}

/** An Apex string literal. */
export function apexString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\r?\n/g, '\\n')}'`;
}

type ApexType = 'String' | 'Decimal' | 'Boolean' | 'Datetime' | 'Date';

function apexType(field: ManifestActionField): ApexType {
  switch (field.type) {
    case 'number':
    case 'currency_number':
      return 'Decimal';
    case 'bool':
      return 'Boolean';
    case 'datetime':
      return 'Datetime';
    case 'date':
      return 'Date';
    default:
      return 'String';
  }
}

/** How ChurnRadarApi.ActionAnswer reads an output of this type. */
const OUTPUT_READER: Record<ApexType, string> = {
  String: 'text',
  Decimal: 'decimalValue',
  Boolean: 'booleanValue',
  Datetime: 'datetimeValue',
  Date: 'dateValue',
};

/** Flow shows a variable's description under its label; 255 characters at most. */
function description(text: string): string {
  return text.length <= 255 ? text : `${text.slice(0, 252)}...`;
}

function invocableVariable(
  label: string,
  text: string | undefined,
  required: boolean,
  type: string,
  name: string,
): string[] {
  const attributes = [`label=${apexString(label)}`];
  if (text) attributes.push(`description=${apexString(description(text))}`);
  if (required) attributes.push('required=true');
  return [`        @InvocableVariable(${attributes.join(' ')})`, `        public ${type} ${name};`, ''];
}

function inputDescription(action: ManifestWorkflowAction, field: ManifestActionField): string | undefined {
  const text = action.labels.en?.inputFieldDescriptions[field.name];
  const options = field.options?.map((o) => o.value).join(', ');
  if (!options) return text;
  return `${text ? `${text} ` : ''}One of: ${options}.`;
}

const STANDARD_OUTPUTS = [
  {
    name: 'status',
    label: 'Status',
    text: 'completed, or pending while Churn Radar finishes the CRM work (writing the contact, opening the case).',
    type: 'String',
  },
  {
    name: 'replayed',
    label: 'Replayed',
    text: 'True when this idempotency key had been used before: nothing new was done and the first answer is returned.',
    type: 'Boolean',
  },
  {
    name: 'errorMessage',
    label: 'Error',
    text: 'Why Churn Radar refused this record (for example an invalid input); empty when it acted.',
    type: 'String',
  },
] as const;

export function actionClass(action: ManifestWorkflowAction): ApexClassSource {
  const name = actionClassName(action);
  const labels = action.labels.en;
  const actionName = labels?.actionName ?? action.key;
  const inputs = action.inputFields.map((f) => ({ ...f.typeDefinition, isRequired: f.isRequired }));
  const outputs = action.outputFields.map((f) => f.typeDefinition);

  const request = [
    ...invocableVariable('Contact ID', 'The contact the action is for.', true, 'Id', 'contactId'),
    ...invocableVariable(
      'Idempotency key',
      'A key used twice acts once. Leave it empty to act once per contact and campaign, or pass {!$Flow.InterviewGuid} to act once per run of the flow.',
      false,
      'String',
      'idempotencyKey',
    ),
    ...inputs.flatMap((field) =>
      invocableVariable(
        labels?.inputFieldLabels[field.name] ?? field.name,
        inputDescription(action, field),
        field.isRequired,
        apexType(field),
        apexVariableName(field.name),
      ),
    ),
  ];
  const result = [
    ...outputs.flatMap((field) =>
      invocableVariable(
        labels?.outputFieldLabels[field.name] ?? field.name,
        field.options ? `One of: ${field.options.map((o) => o.value).join(', ')}.` : undefined,
        false,
        apexType(field),
        apexVariableName(field.name),
      ),
    ),
    ...STANDARD_OUTPUTS.flatMap((o) => invocableVariable(o.label, o.text, false, o.type, o.name)),
  ];
  const sent = [
    `                'contactId' => request.contactId,`,
    `                'requestKey' => request.idempotencyKey,`,
    ...inputs.map(
      (field) => `                ${apexString(field.name)} => request.${apexVariableName(field.name)},`,
    ),
  ];
  sent[sent.length - 1] = sent[sent.length - 1]!.replace(/,$/, '');
  const read = outputs.map(
    (field) =>
      `            result.${apexVariableName(field.name)} = answer.${OUTPUT_READER[apexType(field)]}(${apexString(field.name)});`,
  );

  const source = [
    '/**',
    ` * Churn Radar's "${actionName}" as a Flow action: ${labels?.actionDescription ?? ''}`,
    ' * Generated from app/manifest.json by `npm run salesforce:package`; change the manifest, not this file.',
    ' */',
    `public with sharing class ${name} {`,
    '    public class Request {',
    ...request.slice(0, -1),
    '    }',
    '',
    '    public class Result {',
    ...result.slice(0, -1),
    '    }',
    '',
    `    @InvocableMethod(label=${apexString(actionName)} description=${apexString(description(labels?.actionDescription ?? actionName))} category='Churn Radar' callout=true)`,
    '    public static List<Result> run(List<Request> requests) {',
    '        List<Map<String, Object>> items = new List<Map<String, Object>>();',
    '        for (Request request : requests) {',
    '            items.add(new Map<String, Object>{',
    ...sent,
    '            });',
    '        }',
    '        List<Result> results = new List<Result>();',
    `        for (${API_CLASS}.ActionAnswer answer : ${API_CLASS}.runAction(${apexString(action.key)}, items)) {`,
    '            Result result = new Result();',
    ...read,
    '            result.status = answer.status;',
    '            result.replayed = answer.replayed;',
    '            result.errorMessage = answer.error;',
    '            results.add(result);',
    '        }',
    '        return results;',
    '    }',
    '}',
    '',
  ].join('\n');
  return { name, source };
}

/** A value of the field's type for the test, as Apex and as JSON. */
function sample(field: ManifestActionField): { apex: string; json: unknown } {
  const option = field.options?.[0]?.value;
  switch (apexType(field)) {
    case 'Decimal':
      return { apex: 'Decimal.valueOf(10)', json: 10 };
    case 'Boolean':
      return { apex: 'true', json: true };
    case 'Datetime':
      return { apex: 'Datetime.newInstanceGmt(2027, 1, 31, 12, 0, 0)', json: '2027-01-31T12:00:00.000Z' };
    case 'Date':
      return { apex: 'Date.newInstance(2027, 1, 31)', json: '2027-01-31' };
    default:
      return option
        ? { apex: apexString(option), json: option }
        : { apex: "'spring-win-back'", json: 'spring-win-back' };
  }
}

export function actionTestClass(action: ManifestWorkflowAction): ApexClassSource {
  const className = actionClassName(action);
  const name = `${className}Test`;
  const inputs = action.inputFields.map((f) => f.typeDefinition);
  const outputs = action.outputFields.map((f) => f.typeDefinition);
  const answerOutputs = Object.fromEntries(outputs.map((field) => [field.name, sample(field).json]));
  const answered = JSON.stringify({
    results: [
      {
        contactId: '003000000000001AAA',
        ok: true,
        status: 'completed',
        replayed: false,
        outputs: answerOutputs,
      },
      { contactId: '003000000000002AAA', ok: false, error: 'campaign is required' },
    ],
  });
  const build = (variable: string, id: string) => [
    `        ${className}.Request ${variable} = new ${className}.Request();`,
    `        ${variable}.contactId = '${id}';`,
    ...inputs.map((field) => `        ${variable}.${apexVariableName(field.name)} = ${sample(field).apex};`),
  ];
  const checks = outputs.map(
    (field) =>
      `        System.assertEquals(${sample(field).apex}, results[0].${apexVariableName(field.name)}, ${apexString(`${field.name} is read from the answer`)});`,
  );
  /** How the sent JSON value reads back in Apex (`JSON.deserializeUntyped`). */
  const sentLiteral = (json: unknown) => (typeof json === 'string' ? apexString(json) : String(json));
  const sentChecks = inputs.map(
    (field) =>
      `        System.assertEquals(${sentLiteral(sample(field).json)}, sentFirst.get(${apexString(field.name)}), ${apexString(`${field.name} is sent`)});`,
  );
  const endpoint = `callout:Churn_Radar${ORG_API_PATH}/actions/${action.key}`;
  const source = [
    '/** Generated from app/manifest.json by `npm run salesforce:package`; change the manifest, not this file. */',
    '@isTest',
    `private class ${name} {`,
    '    @isTest',
    '    static void sendsEachRecordAndReadsTheAnswers() {',
    `        ChurnRadarCalloutMock mock = new ChurnRadarCalloutMock(200, ${apexString(answered)});`,
    '        Test.setMock(HttpCalloutMock.class, mock);',
    ...build('first', '003000000000001'),
    ...build('second', '003000000000002'),
    '',
    '        Test.startTest();',
    `        List<${className}.Result> results = ${className}.run(new List<${className}.Request>{ first, second });`,
    '        Test.stopTest();',
    '',
    "        System.assertEquals(1, mock.requests.size(), 'one callout for the whole batch');",
    '        HttpRequest sent = mock.requests[0];',
    `        System.assertEquals(${apexString(endpoint)}, sent.getEndpoint());`,
    "        System.assertEquals('POST', sent.getMethod());",
    `        System.assertEquals(UserInfo.getOrganizationId(), sent.getHeader('X-Churn-Radar-Org'));`,
    '        Map<String, Object> body = (Map<String, Object>) JSON.deserializeUntyped(sent.getBody());',
    "        List<Object> items = (List<Object>) body.get('requests');",
    '        System.assertEquals(2, items.size());',
    '        Map<String, Object> sentFirst = (Map<String, Object>) items[0];',
    `        System.assertEquals('003000000000001AAA', sentFirst.get('contactId'));`,
    ...sentChecks,
    '',
    '        System.assertEquals(2, results.size());',
    "        System.assertEquals('completed', results[0].status);",
    '        System.assertEquals(false, results[0].replayed);',
    '        System.assertEquals(null, results[0].errorMessage);',
    ...checks,
    "        System.assertEquals('campaign is required', results[1].errorMessage);",
    '        System.assertEquals(null, results[1].status);',
    '    }',
    '',
    '    @isTest',
    '    static void aRefusedCalloutFailsTheFlowWithTheServersReason() {',
    `        Test.setMock(HttpCalloutMock.class, new ChurnRadarCalloutMock(401, '{"error":{"code":"unauthorized","message":"This org is not connected to Churn Radar."}}'));`,
    ...build('first', '003000000000001'),
    '        Test.startTest();',
    '        try {',
    `            ${className}.run(new List<${className}.Request>{ first });`,
    "            System.assert(false, 'a refused callout must fail the flow');",
    `        } catch (${API_CLASS}.ApiException e) {`,
    "            System.assert(e.getMessage().contains('not connected to Churn Radar'), e.getMessage());",
    '        }',
    '        Test.stopTest();',
    '    }',
    '}',
    '',
  ].join('\n');
  return { name, source };
}
