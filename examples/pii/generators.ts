// examples/pii/generators.ts — fake personal data for the PII-masking data set (examples/pii/data.ts):
// names, e-mail addresses, phone numbers in several national formats, street addresses, dates and
// identifiers (US SSN, IBAN with ISO 13616 mod-97 check digits, card numbers with a Luhn check
// digit), each drawn from a seeded Rng, plus the validators the unit tests use. Every value is
// synthetic: phone numbers use the ranges reserved for fiction where a country has one (US 555-01xx,
// UK Ofcom drama ranges), e-mail domains are mostly RFC 2606 example domains. Only characters the
// T5 sentencepiece vocabulary has are used (no '<', '{', '~', 'ñ': they would become <unk>).
import type { Rng } from '../../src/data/index.js';

export const FIRST_NAMES = [
  'Olivia', 'Liam', 'Emma', 'Noah', 'Amelia', 'Oliver', 'Sophia', 'Elijah', 'Isabella', 'Lucas', 'Mia', 'Mateo',
  'Charlotte', 'Ethan', 'Harper', 'Henry', 'Evelyn', 'Theodore', 'Aisha', 'Mohammed', 'Fatima', 'Omar', 'Priya',
  'Arjun', 'Ananya', 'Rohan', 'Mei', 'Wei', 'Hiroshi', 'Yuki', 'Sakura', 'Kenji', 'Ji-woo', 'Min-jun', 'Chloe',
  'Lukas', 'Hannah', 'Felix', 'Leonie', 'Jonas', 'Camille', 'Hugo', 'Manon', 'Louis', 'Giulia', 'Lorenzo',
  'Chiara', 'Matteo', 'Lucia', 'Alejandro', 'Valentina', 'Santiago', 'Camila', 'Diego', 'Ingrid', 'Lars',
  'Astrid', 'Sven', 'Zofia', 'Jakub', 'Olga', 'Dmitri', 'Amara', 'Kwame', 'Zainab', 'Tunde', 'Leilani',
  'Kai', 'Siobhan', 'Declan', 'Niamh', 'Rhys', 'Bronwen', 'Tobias', 'Greta', 'Anouk', 'Daan', 'Sanne',
] as const;

export const LAST_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Hernandez',
  'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Thompson',
  'Okafor', 'Adeyemi', 'Mensah', 'Nakamura', 'Tanaka', 'Suzuki', 'Kim', 'Park', 'Chen', 'Wang', 'Nguyen',
  'Patel', 'Sharma', 'Iyer', 'Khan', 'Haddad', 'Rahman', 'Schmidt', 'Schneider', 'Fischer', 'Weber',
  'Becker', 'Dubois', 'Lefebvre', 'Moreau', 'Laurent', 'Rossi', 'Russo', 'Ferrari', 'Esposito', 'Bianchi',
  'Kowalski', 'Nowak', 'Ivanova', 'Petrov', 'Jansen', 'de Vries', 'van Dijk', 'Bakker', 'Lindqvist',
  'Johansson', 'Nielsen', 'Hansen', "O'Brien", 'Murphy', 'Kelly', 'McCarthy', 'Evans', 'Hughes', 'Papadopoulos',
] as const;

const STREET_BASES = [
  'Maple', 'Oak', 'Cedar', 'Elm', 'Willow', 'Birch', 'Chestnut', 'Juniper', 'Magnolia', 'Sycamore', 'Hawthorn',
  'Linden', 'Rosewood', 'Kingsley', 'Ashford', 'Beacon', 'Harbor', 'Meadow', 'Orchard', 'Riverside', 'Highland',
  'Lakeview', 'Fairview', 'Sunset', 'Mill', 'Church', 'Station', 'Victoria', 'Albert', 'Goethe', 'Schiller',
] as const;
const STREET_SUFFIXES = ['Street', 'Avenue', 'Road', 'Lane', 'Drive', 'Boulevard', 'Way', 'Court', 'Place', 'Terrace', 'Close', 'Strasse'] as const;

export const CITIES = [
  'Springfield', 'Riverton', 'Fairhaven', 'Brookfield', 'Millbrook', 'Oakridge', 'Lakewood', 'Ashbury', 'Kingsport',
  'Westfield', 'Glenwood', 'Harrowgate', 'London', 'Manchester', 'Leeds', 'Bristol', 'Dublin', 'Berlin', 'Hamburg',
  'Munich', 'Cologne', 'Paris', 'Lyon', 'Marseille', 'Madrid', 'Seville', 'Rome', 'Milan', 'Amsterdam', 'Utrecht',
  'Stockholm', 'Oslo', 'Warsaw', 'Toronto', 'Vancouver', 'Sydney', 'Melbourne', 'Chicago', 'Boston', 'Denver',
] as const;

const EMAIL_DOMAINS = ['example.com', 'example.org', 'example.net', 'mail.example.com', 'inbox.example.org', 'post.example.net', 'webmail.test'] as const;
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'] as const;

/** A uniformly drawn element of a non-empty list. */
export const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)]!;
/** `n` uniformly drawn decimal digits as a string (leading zeros kept). */
export const digits = (rng: Rng, n: number): string => Array.from({ length: n }, () => String(rng.int(10))).join('');
/** A uniform integer in [lo, hi]. */
export const between = (rng: Rng, lo: number, hi: number): number => lo + rng.int(hi - lo + 1);
const pad = (n: number, w: number): string => String(n).padStart(w, '0');

// ---- names and e-mail ----
export interface Person { first: string; last: string }
export const person = (rng: Rng): Person => ({ first: pick(rng, FIRST_NAMES), last: pick(rng, LAST_NAMES) });

/** An address derived from the person (first.last, flast42, ...) or, with `p` unset, a handle of its own. */
export function email(rng: Rng, p: Person | null): string {
  const slug = (s: string): string => s.toLowerCase().replace(/[^a-z]/g, '');
  const local = p === null
    ? `${pick(rng, ['sunny', 'blue', 'quiet', 'swift', 'lucky', 'misty'])}${pick(rng, ['fox', 'river', 'owl', 'panda', 'maple', 'comet'])}${between(rng, 1, 99)}`
    : pick(rng, [
      () => `${slug(p.first)}.${slug(p.last)}`, () => `${slug(p.first)[0]}${slug(p.last)}${between(rng, 1, 99)}`,
      () => `${slug(p.first)}_${slug(p.last)[0]}`, () => `${slug(p.last)}.${slug(p.first)}`,
    ])();
  return `${local}@${pick(rng, EMAIL_DOMAINS)}`;
}

// ---- phone numbers: one generator and one validating pattern per national format ----
export const PHONE_FORMATS = {
  // NANP: area code 2-9xx, exchange 555, line 0100-0199 (reserved for fictional use)
  us: { make: (r: Rng) => `(${between(r, 2, 9)}${digits(r, 2)}) 555-01${digits(r, 2)}`, pattern: /^\([2-9]\d{2}\) 555-01\d{2}$/ },
  us_intl: { make: (r: Rng) => `+1 ${between(r, 2, 9)}${digits(r, 2)}-555-01${digits(r, 2)}`, pattern: /^\+1 [2-9]\d{2}-555-01\d{2}$/ },
  // UK: Ofcom's drama ranges, London 020 7946 0000-0999 and mobile 07700 900000-900999
  uk_london: { make: (r: Rng) => `020 7946 0${digits(r, 3)}`, pattern: /^020 7946 0\d{3}$/ },
  uk_intl: { make: (r: Rng) => `+44 20 7946 0${digits(r, 3)}`, pattern: /^\+44 20 7946 0\d{3}$/ },
  uk_mobile: { make: (r: Rng) => `07700 900${digits(r, 3)}`, pattern: /^07700 900\d{3}$/ },
  de: { make: (r: Rng) => `+49 ${pick(r, ['30', '40', '89', '221', '69'])} ${between(r, 1, 9)}${digits(r, 6)}`, pattern: /^\+49 (30|40|89|221|69) [1-9]\d{6}$/ },
  de_national: { make: (r: Rng) => `0${pick(r, ['30', '40', '89', '221', '69'])}/${between(r, 1, 9)}${digits(r, 5)}`, pattern: /^0(30|40|89|221|69)\/[1-9]\d{5}$/ },
  fr: { make: (r: Rng) => `+33 ${between(r, 1, 7)} ${digits(r, 2)} ${digits(r, 2)} ${digits(r, 2)} ${digits(r, 2)}`, pattern: /^\+33 [1-7]( \d{2}){4}$/ },
  fr_national: { make: (r: Rng) => `0${between(r, 1, 7)} ${digits(r, 2)} ${digits(r, 2)} ${digits(r, 2)} ${digits(r, 2)}`, pattern: /^0[1-7]( \d{2}){4}$/ },
  in: { make: (r: Rng) => `+91 ${between(r, 6, 9)}${digits(r, 4)} ${digits(r, 5)}`, pattern: /^\+91 [6-9]\d{4} \d{5}$/ },
  au: { make: (r: Rng) => `+61 4${digits(r, 2)} ${digits(r, 3)} ${digits(r, 3)}`, pattern: /^\+61 4\d{2} \d{3} \d{3}$/ },
} as const;
export type PhoneFormat = keyof typeof PHONE_FORMATS;
export const PHONE_FORMAT_NAMES = Object.keys(PHONE_FORMATS) as PhoneFormat[];
export const phone = (rng: Rng): string => PHONE_FORMATS[pick(rng, PHONE_FORMAT_NAMES)].make(rng);
/** The format a phone string matches, or null. */
export const phoneFormatOf = (s: string): PhoneFormat | null => PHONE_FORMAT_NAMES.find((f) => PHONE_FORMATS[f].pattern.test(s)) ?? null;

// ---- addresses ----
export const buildingNumber = (rng: Rng): string => String(between(rng, 1, 2400)) + (rng.int(10) === 0 ? pick(rng, ['A', 'B', 'C']) : '');
export const street = (rng: Rng): string => `${pick(rng, STREET_BASES)} ${pick(rng, STREET_SUFFIXES)}`;
export const city = (rng: Rng): string => pick(rng, CITIES);
/** A US ZIP (5 digits or ZIP+4), a UK-shaped postcode or a 5-digit European code. */
export function zipcode(rng: Rng): string {
  const L = 'ABCDEFGHJKLMNPRSTUWYZ';
  return pick(rng, [
    () => `${between(rng, 1, 9)}${digits(rng, 4)}`,
    () => `${between(rng, 1, 9)}${digits(rng, 4)}-${digits(rng, 4)}`,
    () => `${L[rng.int(L.length)]}${L[rng.int(L.length)]}${between(rng, 1, 20)} ${between(rng, 1, 9)}${L[rng.int(L.length)]}${L[rng.int(L.length)]}`,
  ])();
}

// ---- dates: calendar-valid, several spellings ----
const daysIn = (y: number, m: number): number => new Date(Date.UTC(y, m, 0)).getUTCDate(); // m 1-based
export const DATE_FORMATS = ['mdy_long', 'dmy_long', 'iso', 'us_slash', 'eu_dot', 'dmy_short'] as const;
export function date(rng: Rng): string {
  const y = between(rng, 1950, 2030), m = between(rng, 1, 12), d = between(rng, 1, daysIn(y, m));
  switch (pick(rng, DATE_FORMATS)) {
    case 'mdy_long': return `${MONTHS[m - 1]} ${d}, ${y}`;
    case 'dmy_long': return `${d} ${MONTHS[m - 1]} ${y}`;
    case 'iso': return `${y}-${pad(m, 2)}-${pad(d, 2)}`;
    case 'us_slash': return `${pad(m, 2)}/${pad(d, 2)}/${y}`;
    case 'eu_dot': return `${pad(d, 2)}.${pad(m, 2)}.${y}`;
    default: return `${d} ${MONTHS[m - 1]!.slice(0, 3)} ${y}`;
  }
}
/** [year, month, day] of a date string in one of DATE_FORMATS, or null when it is not a real calendar day. */
export function parseDate(s: string): [number, number, number] | null {
  const mi = (name: string): number => MONTHS.findIndex((m) => m === name || m.slice(0, 3) === name) + 1;
  let y: number, m: number, d: number, hit: RegExpMatchArray | null;
  if ((hit = s.match(/^([A-Z][a-z]+) (\d{1,2}), (\d{4})$/))) [m, d, y] = [mi(hit[1]!), +hit[2]!, +hit[3]!];
  else if ((hit = s.match(/^(\d{1,2}) ([A-Z][a-z]+) (\d{4})$/))) [d, m, y] = [+hit[1]!, mi(hit[2]!), +hit[3]!];
  else if ((hit = s.match(/^(\d{4})-(\d{2})-(\d{2})$/))) [y, m, d] = [+hit[1]!, +hit[2]!, +hit[3]!];
  else if ((hit = s.match(/^(\d{2})\/(\d{2})\/(\d{4})$/))) [m, d, y] = [+hit[1]!, +hit[2]!, +hit[3]!];
  else if ((hit = s.match(/^(\d{2})\.(\d{2})\.(\d{4})$/))) [d, m, y] = [+hit[1]!, +hit[2]!, +hit[3]!];
  else return null;
  return m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, m) ? [y, m, d] : null;
}

// ---- identifiers ----
/** A US SSN AAA-GG-SSSS that follows the SSA's rules: area not 000, 666 or 9xx; group not 00; serial not 0000. */
export function ssn(rng: Rng): string {
  let area: number;
  do area = between(rng, 1, 899); while (area === 666);
  return `${pad(area, 3)}-${pad(between(rng, 1, 99), 2)}-${pad(between(rng, 1, 9999), 4)}`;
}
export function ssnValid(s: string): boolean {
  const m = s.match(/^(\d{3})-(\d{2})-(\d{4})$/);
  if (!m) return false;
  const area = +m[1]!;
  return area !== 0 && area !== 666 && area < 900 && m[2] !== '00' && m[3] !== '0000';
}

/** Luhn check digit of a digit string (the digit to append). */
export function luhnCheckDigit(payload: string): number {
  let sum = 0;
  for (let i = 0; i < payload.length; i++) {
    let d = +payload[payload.length - 1 - i]!;
    if (i % 2 === 0) { d *= 2; if (d > 9) d -= 9; } // every second digit from the right, starting next to the check digit
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}
/** Whether a card number (spaces / dashes allowed) passes the Luhn check. */
export function luhnValid(s: string): boolean {
  const ds = s.replace(/[ -]/g, '');
  return /^\d{8,19}$/.test(ds) && luhnCheckDigit(ds.slice(0, -1)) === +ds.at(-1)!;
}
const CARD_SCHEMES = [
  { prefix: () => '4', length: 16, groups: [4, 4, 4, 4] }, // Visa
  { prefix: (r: Rng) => String(between(r, 51, 55)), length: 16, groups: [4, 4, 4, 4] }, // Mastercard
  { prefix: (r: Rng) => pick(r, ['34', '37']), length: 15, groups: [4, 6, 5] }, // American Express
  { prefix: () => '6011', length: 16, groups: [4, 4, 4, 4] }, // Discover
] as const;
export function creditCardNumber(rng: Rng): string {
  const scheme = pick(rng, CARD_SCHEMES);
  const head = scheme.prefix(rng);
  const payload = head + digits(rng, scheme.length - 1 - head.length);
  const number = payload + luhnCheckDigit(payload);
  const sep = pick(rng, [' ', '-', '']);
  if (sep === '') return number;
  let at = 0;
  return scheme.groups.map((g) => number.slice(at, (at += g))).join(sep);
}

/** IBAN check: move the first 4 characters to the end, letters -> 10..35, the number mod 97 must be 1 (ISO 13616). */
function mod97(alnum: string): number {
  let r = 0;
  for (const ch of alnum) {
    const v = /\d/.test(ch) ? ch : String(ch.charCodeAt(0) - 55);
    for (const d of v) r = (r * 10 + +d) % 97;
  }
  return r;
}
const IBAN_BBAN: Record<string, (r: Rng) => string> = {
  DE: (r) => digits(r, 18),
  GB: (r) => `${pick(r, ['NWBK', 'BARC', 'LOYD', 'MIDL'])}${digits(r, 14)}`,
  FR: (r) => digits(r, 23),
  NL: (r) => `${pick(r, ['ABNA', 'INGB', 'RABO'])}${digits(r, 10)}`,
  ES: (r) => digits(r, 20),
  IT: (r) => `${pick(r, ['X', 'A', 'K'])}${digits(r, 22)}`,
};
export const IBAN_LENGTHS: Record<string, number> = { DE: 22, GB: 22, FR: 27, NL: 18, ES: 24, IT: 27 };
export function iban(rng: Rng): string {
  const cc = pick(rng, Object.keys(IBAN_BBAN));
  const bban = IBAN_BBAN[cc]!(rng);
  const check = 98 - mod97(bban + cc + '00');
  const electronic = `${cc}${pad(check, 2)}${bban}`;
  return rng.int(2) === 0 ? electronic : electronic.match(/.{1,4}/g)!.join(' '); // print form: groups of 4
}
export function ibanValid(s: string): boolean {
  const e = s.replace(/ /g, '');
  const cc = e.slice(0, 2);
  return IBAN_LENGTHS[cc] === e.length && /^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(e) && mod97(e.slice(4) + e.slice(0, 4)) === 1;
}
