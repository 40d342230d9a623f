// The viewer's form controls: VS Code's own look (buttons, drop-downs, text fields, check boxes)
// from @vscode-elements/elements, one entry point per component so the bundle carries only these.
// They read VS Code's --vscode-* theme variables; styles.css defines them for `qed view`, which has
// none. Each helper labels the control's inner element too (the host's aria-label stays for CSS).

import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { VscodeButton } from '@vscode-elements/elements/dist/vscode-button/vscode-button.js';
import type { VscodeCheckbox } from '@vscode-elements/elements/dist/vscode-checkbox/vscode-checkbox.js';
import type { VscodeSingleSelect } from '@vscode-elements/elements/dist/vscode-single-select/vscode-single-select.js';
import type { VscodeTextarea } from '@vscode-elements/elements/dist/vscode-textarea/vscode-textarea.js';
import type { VscodeTextfield } from '@vscode-elements/elements/dist/vscode-textfield/vscode-textfield.js';
import { h } from './dom';

export type { VscodeButton, VscodeCheckbox, VscodeSingleSelect, VscodeTextarea, VscodeTextfield };

type Attrs = Record<string, string | number | boolean | undefined | null>;

/** A button; `secondary` for the quieter kind (everything but the page's main action). */
export function button(text: string, attrs: Attrs = {}, secondary = false): VscodeButton {
  const b = h('vscode-button', { ...attrs, secondary }, text);
  // The element takes a disabled button out of the tab order but does not say so to assistive
  // technology: aria-disabled follows `disabled`.
  const own = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(b) as object, 'disabled');
  if (own?.get && own.set) {
    Object.defineProperty(b, 'disabled', {
      configurable: true,
      get: () => own.get!.call(b) as boolean,
      set: (v: boolean) => {
        own.set!.call(b, v);
        if (v) b.setAttribute('aria-disabled', 'true');
        else b.removeAttribute('aria-disabled');
      },
    });
  }
  if (attrs.disabled) b.setAttribute('aria-disabled', 'true');
  return b;
}

export interface Choice {
  value: string;
  label: string;
  title?: string;
}

/** A drop-down of `choices` with `selected` chosen (else the first). */
export function select(
  attrs: Attrs & { 'aria-label'?: string },
  choices: Choice[],
  selected?: string,
): VscodeSingleSelect {
  const s = h('vscode-single-select', attrs);
  if (attrs['aria-label']) s.label = String(attrs['aria-label']);
  setChoices(s, choices, selected);
  // The element swallows Escape even when its list is closed; then Escape does what it does on a
  // native select: cancels the dialog it is in, or reaches the page's keys (back to the list).
  s.addEventListener(
    'keydown',
    (e) => {
      if (e.key !== 'Escape' || s.open) return;
      const dialog = s.closest('dialog');
      if (dialog) {
        if (dialog.dispatchEvent(new Event('cancel', { cancelable: true }))) dialog.close();
      } else document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
    },
    { capture: true },
  );
  return s;
}

/** Replaces the choices of a drop-down. */
export function setChoices(s: VscodeSingleSelect, choices: Choice[], selected?: string): void {
  s.replaceChildren(
    ...choices.map((c) =>
      h('vscode-option', { value: c.value, title: c.title, selected: c.value === selected }, c.label),
    ),
  );
  if (selected !== undefined && s.isConnected) s.value = selected;
}

/**
 * The value of a drop-down, also before it has read its options (they are read once it is in the
 * page and rendered): then the option marked selected, else the first.
 */
export function selectValue(s: VscodeSingleSelect): string {
  if (s.selectedIndex >= 0) return s.value;
  const o = s.querySelector('vscode-option[selected]') ?? s.querySelector('vscode-option');
  return o?.getAttribute('value') ?? '';
}

/** Chooses `value` in a drop-down (now, or once it has read its options). */
export function setSelectValue(s: VscodeSingleSelect, value: string): void {
  s.querySelectorAll('vscode-option').forEach((o) => o.toggleAttribute('selected', o.getAttribute('value') === value));
  s.value = value;
}

/** A one-line text field (`type: 'number'` for numbers); `aria-label` names it. */
export function textfield(attrs: Attrs & { 'aria-label'?: string }, value = ''): VscodeTextfield {
  // What the element does not pass on to its inner input goes straight onto it once that exists:
  // `step="any"` (the element takes `step` as a number; decimals would paint the field as invalid)
  // and `spellcheck` (a search for a regular expression is not prose to underline).
  const inner: Record<string, string> = {};
  if (attrs.step === 'any') inner.step = 'any';
  if (attrs.spellcheck !== undefined && attrs.spellcheck !== null) inner.spellcheck = String(attrs.spellcheck);
  const t = h('vscode-textfield', { ...attrs, step: inner.step ? undefined : attrs.step });
  if (attrs['aria-label']) t.label = String(attrs['aria-label']);
  t.value = value;
  if (Object.keys(inner).length)
    void t.updateComplete.then(() => {
      const input = t.shadowRoot?.querySelector('input');
      for (const [k, v] of Object.entries(inner)) input?.setAttribute(k, v);
    });
  return t;
}

export function textarea(attrs: Attrs & { 'aria-label'?: string }, value = ''): VscodeTextarea {
  const t = h('vscode-textarea', attrs);
  if (attrs['aria-label']) t.label = String(attrs['aria-label']);
  t.value = value;
  return t;
}

/** A check box with its label beside it. */
export function checkbox(label: string, checked: boolean, attrs: Attrs = {}): VscodeCheckbox {
  const c = h('vscode-checkbox', attrs, label);
  c.checked = checked;
  return c;
}

/** True when key presses at `t` are typing in a control (the page's shortcuts keep out of it). */
export function isTypingTarget(t: EventTarget | null): boolean {
  if (!(t instanceof HTMLElement)) return false;
  return (
    t instanceof HTMLInputElement ||
    t instanceof HTMLTextAreaElement ||
    t instanceof HTMLSelectElement ||
    t.isContentEditable ||
    t.tagName === 'VSCODE-TEXTFIELD' ||
    t.tagName === 'VSCODE-TEXTAREA' ||
    t.tagName === 'VSCODE-SINGLE-SELECT'
  );
}

/** True for a button, native or not (Enter on it presses it, not the page's shortcut). */
export function isButton(t: EventTarget | null): boolean {
  return t instanceof HTMLButtonElement || (t instanceof HTMLElement && t.tagName === 'VSCODE-BUTTON');
}
