/**
 * Word lists for people, companies and places. Kept in the repository rather than drawn from a
 * faker locale so that a seed yields the same portal whatever version of a library is installed.
 */
import type { Random } from './random.js';

function words(list: string, separator: string): readonly string[] {
  return list.split(separator);
}

const FIRST_NAMES = words(
  'Aaliyah Aaron Abdul Ada Adrian Aiko Alejandro Alice Amara Amelia Ana Andrea Anika Arjun ' +
    'Astrid Ben Bianca Bruno Camille Carlos Chen Chloe Chris Clara Daniel Daria David Diego ' +
    'Elena Eli Emma Erik Fatima Felix Fiona Gabriel Grace Hannah Hiro Ibrahim Ines Isaac Ivy ' +
    'Jack James Jana Javier Jin Joanna Jonas Julia Kai Kamala Karin Kofi Lars Laura Leila Leo ' +
    'Liam Lina Lucas Lucia Maja Marco Maria Mateo Maya Mei Mia Mohammed Nadia Naomi Nathan ' +
    'Nikolai Noah Nora Olivia Omar Oscar Paula Pedro Priya Rafael Ravi Rosa Ruth Sam Sara ' +
    'Sofia Sven Tariq Thomas Tomas Uma Valentina Victor Wei Yara Zoe',
  ' ',
);

const LAST_NAMES = words(
  'Abbott Adeyemi Alvarez Andersson Bauer Becker Bianchi Brown Campbell Carter Chen Costa ' +
    'Dubois Edwards Eriksen Fischer Fernandez Garcia Gomez Gupta Hansen Harris Hoffmann ' +
    'Ibrahim Ito Jansen Johnson Kaur Kim Kowalski Kumar Larsen Laurent Lee Lopez Martin Meyer ' +
    'Mishra Moreau Muller Nakamura Nguyen Novak Okafor Olsen Patel Perez Petrov Quinn Rossi ' +
    'Russo Sato Schmidt Schneider Silva Singh Smith Sousa Suzuki Tanaka Taylor Thompson Varga ' +
    'Visser Wagner Walker Wang Weber Williams Wilson Wong Yamamoto Yilmaz Young Zhang ' +
    "Zimmermann Okonkwo O'Brien Murphy Ferreira",
  ' ',
);

const COMPANY_HEADS = words(
  'Acme,Apex,Arbor,Atlas,Aurora,Beacon,Birch,Blue Harbor,Bright,Cedar,Cobalt,Copper,Crescent,' +
    'Delta,Ember,Evergreen,Falcon,Fjord,Granite,Harbor,Helix,Horizon,Indigo,Iron,Juniper,' +
    'Keystone,Lumen,Maple,Meridian,Nimbus,North Star,Nova,Oak,Orbit,Pacific,Pine,Pioneer,Prism,' +
    'Quartz,Red Rock,Ridge,River,Sage,Silver,Solstice,Summit,Tidal,Trident,Vertex,Willow',
  ',',
);
const COMPANY_TAILS = words(
  'Analytics Bio Brands Capital Cloud Consulting Dental Digital Foods Freight Health Homes ' +
    'Labs Learning Logistics Media Motors Networks Partners Retail Robotics Software Solutions ' +
    'Studio Systems Travel Ventures Works',
  ' ',
);
const COMPANY_FORMS = ['', '', '', ' Inc.', ' Ltd', ' GmbH', ' LLC', ' Group', ' Co.', ' AG', ' SAS', ' BV'];

/** HubSpot's `industry` enumeration values (a subset). */
export const INDUSTRIES = [
  'COMPUTER_SOFTWARE',
  'INFORMATION_TECHNOLOGY_AND_SERVICES',
  'INTERNET',
  'MARKETING_AND_ADVERTISING',
  'FINANCIAL_SERVICES',
  'HOSPITAL_HEALTH_CARE',
  'RETAIL',
  'EDUCATION_MANAGEMENT',
  'MANUFACTURING',
  'REAL_ESTATE',
  'LOGISTICS_AND_SUPPLY_CHAIN',
  'CONSUMER_SERVICES',
  'MANAGEMENT_CONSULTING',
  'NONPROFIT_ORGANIZATION_MANAGEMENT',
] as const;

/** Country, share of customers, and a few cities. */
const COUNTRIES: readonly (readonly [string, number, readonly string[]])[] = [
  ['United States', 34, ['New York', 'Austin', 'Chicago', 'Denver', 'Seattle', 'Atlanta', 'Boston']],
  ['United Kingdom', 11, ['London', 'Manchester', 'Bristol', 'Leeds', 'Edinburgh']],
  ['Germany', 9, ['Berlin', 'Munich', 'Hamburg', 'Cologne', 'Leipzig']],
  ['France', 6, ['Paris', 'Lyon', 'Nantes', 'Lille']],
  ['Canada', 6, ['Toronto', 'Vancouver', 'Montreal', 'Calgary']],
  ['Netherlands', 4, ['Amsterdam', 'Rotterdam', 'Utrecht']],
  ['Australia', 5, ['Sydney', 'Melbourne', 'Brisbane']],
  ['India', 7, ['Bengaluru', 'Mumbai', 'Pune', 'Hyderabad']],
  ['Brazil', 4, ['Sao Paulo', 'Rio de Janeiro', 'Curitiba']],
  ['Spain', 4, ['Madrid', 'Barcelona', 'Valencia']],
  ['Sweden', 3, ['Stockholm', 'Gothenburg', 'Malmo']],
  ['Japan', 3, ['Tokyo', 'Osaka', 'Fukuoka']],
  ['Nigeria', 2, ['Lagos', 'Abuja']],
  ['Singapore', 2, ['Singapore']],
];
const COUNTRY_WEIGHTS = COUNTRIES.map(([name, weight]) => [name, weight] as const);
const CITIES = new Map(COUNTRIES.map(([name, , cities]) => [name, cities]));

const FREE_MAIL = [
  'gmail.com',
  'outlook.com',
  'yahoo.com',
  'icloud.com',
  'proton.me',
  'gmx.de',
  'hotmail.co.uk',
];

const JOB_TITLES = words(
  'Operations Manager,Head of Marketing,CTO,Founder,Office Manager,Sales Director,' +
    'Customer Success Lead,Product Manager,Finance Director,IT Administrator,' +
    'Marketing Specialist,COO,Team Lead,Practice Manager,Data Analyst,HR Manager',
  ',',
);

export interface Person {
  firstname: string;
  lastname: string;
}

export function personName(rng: Random): Person {
  return { firstname: rng.pick(FIRST_NAMES), lastname: rng.pick(LAST_NAMES) };
}

export function jobTitle(rng: Random): string {
  return rng.pick(JOB_TITLES);
}

export function companyName(rng: Random): string {
  return `${rng.pick(COMPANY_HEADS)} ${rng.pick(COMPANY_TAILS)}${rng.pick(COMPANY_FORMS)}`;
}

/** A domain from the company name; `serial` keeps domains unique across a portal. */
export function companyDomain(name: string, serial: number): string {
  const stem = name
    .toLowerCase()
    .replace(/ (inc\.|ltd|gmbh|llc|group|co\.|ag|sas|bv)$/, '')
    .replace(/[^a-z0-9]+/g, '');
  return `${stem}${serial.toString(36)}.example.com`;
}

function localPart(person: Person): string {
  return `${person.firstname}.${person.lastname}`.toLowerCase().replace(/[^a-z.]/g, '');
}

export function workEmail(person: Person, domain: string): string {
  return `${localPart(person)}@${domain}`;
}

/** A personal address; `serial` keeps it unique (real people share names). */
export function personalEmail(rng: Random, person: Person, serial: number): string {
  return `${localPart(person)}${serial.toString(36)}@${rng.pick(FREE_MAIL)}`;
}

export function country(rng: Random): string {
  return rng.weighted(COUNTRY_WEIGHTS);
}

export function city(rng: Random, countryName: string): string {
  return rng.pick(CITIES.get(countryName) ?? ['']);
}
