// The run configuration (hyperparameters, seed, backend) as a URL hash, so a
// configuration is a shareable link. The corpus never goes into the URL.
//
// The keys are those of the settings schema (engine/configSchema.ts); a link
// written before keeps opening to the same settings as long as no urlKey there
// is renamed.
//
// A link is written by anyone, so reading one trusts nothing: only the known
// keys are read (through URLSearchParams and the schema's settings, never as
// object keys, so "__proto__" is just an unknown key), every value is checked
// against its declaration, and whatever is ignored is reported; the report
// quotes at most a few characters of each value, with control and
// bidirectional-override characters escaped, so a link cannot make the page
// show text it chose.

import {
  PERSON_SETTINGS,
  accepts,
  allowedText,
  readSetting,
  writeSetting,
} from '../engine/settings';
import type { RunConfig } from '../worker/protocol';

const KNOWN_KEYS = new Set(PERSON_SETTINGS.map((s) => s.urlKey));
/** Characters of a key or value quoted in a report, and how many reports at most. */
const SHOWN_CHARS = 24;
const MAX_REPORTS = 12;

/** Control, direction-mark and bidirectional-override characters, and lone surrogates. */
function isInvisible(c: string): boolean {
  const u = c.charCodeAt(0);
  return (
    u < 0x20 ||
    (u >= 0x7f && u <= 0x9f) ||
    u === 0x200e ||
    u === 0x200f ||
    (u >= 0x202a && u <= 0x202e) ||
    (u >= 0x2066 && u <= 0x2069) ||
    (c.length === 1 && u >= 0xd800 && u <= 0xdfff)
  );
}

function hex4(c: string): string {
  return c.charCodeAt(0).toString(16).padStart(4, '0');
}

/** `text` as a report may quote it: short, with invisible or reordering characters escaped. */
function shown(text: string): string {
  const chars = [...text];
  const cut = chars.slice(0, SHOWN_CHARS).join('') + (chars.length > SHOWN_CHARS ? '…' : '');
  return Array.from(cut, (c) => (isInvisible(c) ? `\\u${hex4(c)}` : c)).join('');
}

export function encodeHash(config: RunConfig): string {
  const params = new URLSearchParams();
  for (const s of PERSON_SETTINGS) params.set(s.urlKey, String(readSetting(config, s)));
  return '#' + params.toString();
}

/**
 * The configuration a hash describes (each malformed setting keeps its value
 * in `defaults`), and the settings of it that were ignored, each saying why
 * ("H=abc: a whole number from 1 to 2048"), so a mistyped link does not fail
 * silently.
 */
export function readHash(
  hash: string,
  defaults: RunConfig,
): { config: RunConfig; ignored: string[] } {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  let config = defaults;
  const ignored: string[] = [];
  for (const s of PERSON_SETTINGS) {
    const raw = params.get(s.urlKey);
    if (raw === null) continue;
    const value = s.kind === 'enum' ? raw : raw.trim() === '' ? NaN : Number(raw);
    if (accepts(s, value)) config = writeSetting(config, s, value);
    else ignored.push(`${s.urlKey}=${shown(raw)}: ${allowedText(s)}`);
  }
  const unknown = [...new Set(params.keys())].filter((key) => !KNOWN_KEYS.has(key));
  for (const key of unknown) ignored.push(`${shown(key)}: not a setting`);
  if (ignored.length > MAX_REPORTS) {
    const more = ignored.length - MAX_REPORTS;
    ignored.splice(MAX_REPORTS, more, `and ${more} more`);
  }
  return { config, ignored };
}

/** Puts `config` in the address bar without adding a history entry per tweak. */
export function writeHash(config: RunConfig): void {
  if (typeof history === 'undefined') return;
  history.replaceState(null, '', encodeHash(config));
}
