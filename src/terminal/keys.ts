// Named keys → the bytes a terminal sends for them. Pure: depends only on the key name and
// the terminal's modes.
import { CSI, ESC } from './control.js';

/** Single Shift 3: prefix of application-mode cursor keys and F1–F4. */
const SS3 = `${ESC}O`;

export interface KeyModes {
  /** DECCKM: the program asked for application cursor keys (vim, less). */
  applicationCursor: boolean;
}

/** Keys whose bytes never depend on a mode. */
const FIXED_KEYS: Record<string, string> = {
  Enter: '\r',
  Tab: '\t',
  'S-Tab': `${CSI}Z`,
  Escape: ESC,
  Backspace: '\x7f',
  Space: ' ',
  Insert: `${CSI}2~`, // CSI 2 ~
  Delete: `${CSI}3~`, // CSI 3 ~
  PageUp: `${CSI}5~`, // CSI 5 ~
  PageDown: `${CSI}6~`, // CSI 6 ~
  F1: `${SS3}P`,
  F2: `${SS3}Q`,
  F3: `${SS3}R`,
  F4: `${SS3}S`,
  F5: `${CSI}15~`,
  F6: `${CSI}17~`,
  F7: `${CSI}18~`,
  F8: `${CSI}19~`,
  F9: `${CSI}20~`,
  F10: `${CSI}21~`,
  F11: `${CSI}23~`,
  F12: `${CSI}24~`,
};

/** Final bytes of the cursor keys that follow application-cursor mode. */
const CURSOR_FINALS: Record<string, string> = { Up: 'A', Down: 'B', Right: 'C', Left: 'D', Home: 'H', End: 'F' };

/** xterm's modifier parameter: 1 + (Shift 1 | Alt 2 | Ctrl 4). */
const MODIFIER_PARAMS: Record<string, number> = { S: 2, M: 3, 'M-S': 4, 'S-M': 4, C: 5, 'C-S': 6, 'S-C': 6, 'C-M': 7, 'M-C': 7, 'C-M-S': 8 };

/** Control characters that are not C-<letter>. */
const CONTROL_PUNCTUATION: Record<string, string> = { '@': '\x00', ' ': '\x00', '[': ESC, '\\': '\x1c', ']': '\x1d', '^': '\x1e', _: '\x1f', '?': '\x7f' };

export const KEY_NAMES_HELP = 'Enter Tab S-Tab Escape Backspace Delete Insert Home End PageUp PageDown Up Down Left Right F1..F12 Space C-a..C-z M-x (Alt) C-Up S-Left';

/** Encodes one named key, or throws an Error whose message lists the valid names. */
export function encodeKey(name: string, modes: KeyModes): string {
  const fixed = FIXED_KEYS[name];
  if (fixed !== undefined) return fixed;
  const cursorFinal = CURSOR_FINALS[name];
  if (cursorFinal !== undefined) return (modes.applicationCursor ? SS3 : CSI) + cursorFinal;

  const modified = /^((?:[CMS]-)+)(Up|Down|Left|Right|Home|End)$/.exec(name);
  if (modified) {
    const param = MODIFIER_PARAMS[modified[1].slice(0, -1)];
    if (param !== undefined) return `${CSI}1;${param}${CURSOR_FINALS[modified[2]]}`;
  }
  const ctrl = /^C-(.)$/s.exec(name);
  if (ctrl) {
    const ch = ctrl[1];
    if (/[a-zA-Z]/.test(ch)) return String.fromCharCode(ch.toLowerCase().charCodeAt(0) & 0x1f);
    if (CONTROL_PUNCTUATION[ch] !== undefined) return CONTROL_PUNCTUATION[ch];
  }
  const alt = /^M-(.+)$/su.exec(name);
  if (alt) {
    const rest = alt[1];
    if ([...rest].length === 1) return ESC + rest;
    return ESC + encodeKey(rest, modes); // M-C-x, M-Enter …
  }
  throw new Error(`Unknown key "${name}". Valid keys: ${KEY_NAMES_HELP}. Send plain text with input instead.`);
}

/** Encodes a list of named keys into one string. */
export function encodeKeys(names: readonly string[], modes: KeyModes): string {
  return names.map((name) => encodeKey(name, modes)).join('');
}

/** Bracketed paste markers (DECSET 2004), sent around pasted text when the program asked. */
export const PASTE_START = `${CSI}200~`;
export const PASTE_END = `${CSI}201~`;

/**
 * Wraps multi-line text in paste markers when the program turned bracketed paste on. Line
 * breaks that end the text stay outside the paste, so they press Enter as typed ones would.
 */
export function encodeInput(text: string, bracketedPaste: boolean): string {
  const [, body, enter] = /^([\s\S]*?)([\r\n]*)$/.exec(text) as RegExpExecArray;
  if (!bracketedPaste || !/[\r\n]/.test(body)) return text;
  // A paste must not carry its own end marker: the program would take the rest as typed keys.
  return PASTE_START + body.split(PASTE_END).join('') + PASTE_END + enter;
}
