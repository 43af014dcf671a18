import { describeConnectorContract } from './connector-contract.js';
import { hubspotDriver } from './hubspot-driver.js';

describeConnectorContract(hubspotDriver);
