import { describeConnectorContract } from './connector-contract.js';
import { salesforceDriver } from './salesforce-driver.js';

describeConnectorContract(salesforceDriver);
