/**
 * Bidirectional embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069) reorder
 * what follows them on screen: "Trojan Source" text, a title that reads "resolved" while the bytes
 * say something else, a file name whose extension appears in the middle. Text from chat, alerts and
 * tools never needs them, so they are dropped wherever text is shown or stored (the Redactor calls
 * this, and the post-mortem renderers do). The left-to-right and right-to-left marks (U+200E,
 * U+200F) and the Arabic letter mark (U+061C) stay: they are how mixed-direction text is written
 * correctly, and they cannot reverse a run of text the way an override does.
 */
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/;
const BIDI_CONTROLS = new RegExp(BIDI_CONTROL.source, 'g');

export function stripBidiControls(text: string): string {
  return BIDI_CONTROL.test(text) ? text.replace(BIDI_CONTROLS, '') : text;
}
