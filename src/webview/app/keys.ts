// Keyboard bindings of the whole page: j/k and the arrows move the selection, Enter opens the
// row, / searches, Esc goes back, + and - change the text size. None fire while a dialog is open
// or (except Esc) while typing.

import type { RowSummary } from '../../protocol';
import type { RowList } from './list';

/** What the keys act on. */
export interface KeyTarget {
  list: RowList;
  search: HTMLInputElement;
  rowOpen(): boolean;
  closeRow(): void;
  openRow(s: RowSummary): Promise<void>;
  fontSize(): number;
  setFont(size: number): void;
}

export function bindKeys(k: KeyTarget): void {
  const list = k.list;
  document.addEventListener('keydown', (e) => {
    const t = e.target as HTMLElement;
    const typing = t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement || t.isContentEditable;
    if (document.querySelector('dialog[open]')) return;
    if (e.key === 'Escape') {
      if (t === k.search) {
        list.root.focus();
        return;
      }
      if (k.rowOpen()) k.closeRow();
      return;
    }
    if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
    switch (e.key) {
      case 'j':
      case 'ArrowDown':
        e.preventDefault();
        list.select(list.selected + 1);
        break;
      case 'k':
      case 'ArrowUp':
        e.preventDefault();
        list.select(list.selected - 1);
        break;
      case 'PageDown':
        e.preventDefault();
        list.select(list.selected + 20);
        break;
      case 'PageUp':
        e.preventDefault();
        list.select(list.selected - 20);
        break;
      case 'Home':
        if (t === list.root) {
          e.preventDefault();
          list.select(0);
        }
        break;
      case 'End':
        if (t === list.root) {
          e.preventDefault();
          list.select(list.length - 1);
        }
        break;
      case 'Enter': {
        if (t instanceof HTMLButtonElement || t instanceof HTMLAnchorElement || t.tagName === 'SUMMARY') return;
        e.preventDefault();
        void list.load(list.selected).then((s) => s && k.openRow(s));
        break;
      }
      case '/':
        e.preventDefault();
        k.search.focus();
        k.search.select();
        break;
      case '+':
      case '=':
        k.setFont(k.fontSize() + 1);
        break;
      case '-':
        k.setFont(k.fontSize() - 1);
        break;
    }
  });
}
