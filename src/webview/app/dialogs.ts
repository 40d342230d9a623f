// Regrade and override forms (native <dialog>), and short notices.

import type { EditResult, FullRow, GradeModeName } from '../../protocol';
import { button, select, selectValue, textarea, textfield, type Choice } from './controls';
import { fmtUsd, h } from './dom';
import { RpcError, type Rpc } from './rpc';

let toastTimer = 0;

export function toast(text: string, error = false): void {
  let el = document.getElementById('qed-toast');
  if (!el) {
    el = h('div', { id: 'qed-toast', role: 'status', 'aria-live': 'polite' });
    document.body.append(el);
  }
  el.textContent = text;
  el.className = error ? 'show error' : 'show';
  clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => el!.classList.remove('show'), error ? 6000 : 2500);
}

function modal(title: string): {
  dialog: HTMLDialogElement;
  body: HTMLElement;
  foot: HTMLElement;
  status: HTMLElement;
  close: () => void;
} {
  const body = h('div', { class: 'dialog-body' });
  const status = h('div', { class: 'dialog-status', role: 'status' });
  const foot = h('div', { class: 'dialog-foot' });
  const dialog = h(
    'dialog',
    { class: 'qed-dialog', 'aria-label': title },
    h('h2', { text: title }),
    body,
    status,
    foot,
  );
  document.body.append(dialog);
  dialog.showModal();
  return { dialog, body, foot, status, close: () => (dialog.close(), dialog.remove()) };
}

const MODES: Array<[GradeModeName | '', string]> = [
  ['', 'as the row was graded'],
  ['proof', 'IMO-ProofBench rubric (7/6/1/0)'],
  ['proofbench', 'ProofBench marking scheme'],
  ['final-answer', 'final answer'],
];

/**
 * Asks which grader (unless the host picks it itself), runs the regrade with progress and a
 * Cancel button, and resolves with the result, or undefined when cancelled or failed.
 */
export async function regradeDialog(rpc: Rpc, full: FullRow): Promise<EditResult | undefined> {
  const list = await rpc
    .request('graders', { file: full.file })
    .catch(
      (e: Error) =>
        ({ graders: [], hostPicker: false, unavailable: e.message }) as Awaited<
          ReturnType<typeof rpc.request<'graders'>>
        >,
    );
  if (list.unavailable) {
    toast(`Cannot regrade here: ${list.unavailable}`, true);
    return undefined;
  }
  const m = modal(`Regrade ${full.summary.id}`);
  // By default a row is regraded as it was graded (its qed_grade stamp): it stays one run with the file.
  const stamp = full.row.qed_grade as { config?: unknown; mode?: unknown } | undefined;
  const recorded =
    stamp && typeof stamp.config === 'string'
      ? { config: stamp.config, mode: typeof stamp.mode === 'string' ? stamp.mode : '' }
      : undefined;
  const graderChoices: Choice[] = [
    ...(recorded ? [{ value: '', label: `as the row was graded (${recorded.config})` }] : []),
    ...list.graders.map((g) => ({ value: g.ref, label: g.description ? `${g.label} — ${g.description}` : g.label })),
  ];
  const grader = select({ 'aria-label': 'Grader', name: 'grader' }, graderChoices, recorded ? '' : list.preferred);
  const mode = select(
    { 'aria-label': 'Grading mode', name: 'mode' },
    MODES.map(([value, label]) => ({ value, label })),
    '',
  );
  const mismatch = h('p', {
    class: 'callout warn',
    'data-role': 'mismatch',
    text: 'This row will no longer match the rest of the file: qed eval will refuse the file as a mixed run until it is graded again with --overwrite.',
  });
  const showMismatch = () => {
    const g = selectValue(grader);
    const md = selectValue(mode);
    const otherGrader = !list.hostPicker && !!recorded && g !== '' && g !== recorded.config;
    const otherMode = !!recorded && md !== '' && md !== recorded.mode;
    mismatch.hidden = !(otherGrader || otherMode);
  };
  grader.addEventListener('change', showMismatch);
  mode.addEventListener('change', showMismatch);
  if (!list.hostPicker) {
    if (!list.graders.length)
      m.body.append(
        h('p', {
          class: 'callout warn',
          text: 'No grader config found: pass --grader CONFIG to qed view, or add configs/models/… to the folder it runs in.',
        }),
      );
    m.body.append(h('label', { class: 'field' }, 'Grader', grader));
  } else m.body.append(h('p', { class: 'muted', text: 'VS Code asks which grader config to use.' }));
  m.body.append(
    h('label', { class: 'field' }, 'Mode', mode),
    mismatch,
    h('p', {
      class: 'muted',
      text: 'Only this row is graded; its line in the file is rewritten, every other line stays as it is. The grader call is paid for.',
    }),
  );
  showMismatch();
  const start = button('Regrade', { 'data-action': 'start-regrade' });
  const cancel = button('Cancel', {}, true);
  start.disabled = !list.hostPicker && !list.graders.length && !recorded;
  m.foot.append(cancel, start);
  let controller: AbortController | undefined;
  return new Promise((resolve) => {
    const done = (v: EditResult | undefined) => {
      m.close();
      resolve(v);
    };
    m.dialog.addEventListener('cancel', (e) => {
      e.preventDefault();
      if (controller) controller.abort();
      else done(undefined);
    });
    cancel.addEventListener('click', () => {
      if (controller) controller.abort();
      else done(undefined);
    });
    start.addEventListener('click', async () => {
      controller = new AbortController();
      start.disabled = true;
      grader.disabled = true;
      mode.disabled = true;
      cancel.textContent = 'Stop';
      m.status.className = 'dialog-status busy';
      m.status.textContent = 'Starting…';
      try {
        const res = await rpc.request(
          'regrade',
          {
            file: full.file,
            index: full.index,
            expect: full.rev,
            grader: list.hostPicker ? undefined : selectValue(grader),
            mode: (selectValue(mode) || undefined) as GradeModeName | undefined,
          },
          { signal: controller.signal, progress: (msg) => (m.status.textContent = msg) },
        );
        m.status.textContent = `Done: cost ${fmtUsd(res.cost?.cost)}`;
        done(res);
      } catch (e) {
        controller = undefined;
        if (e instanceof RpcError && e.code === 'cancelled') return done(undefined);
        m.status.className = 'dialog-status error';
        m.status.textContent = (e as Error).message;
        start.disabled = false;
        grader.disabled = false;
        mode.disabled = false;
        cancel.textContent = 'Close';
      }
    });
  });
}

/** Points per scheme item, a note and a reviewer; saves `human_grade` through the host. */
export async function overrideDialog(
  rpc: Rpc,
  full: FullRow,
  reviewerDefault: string,
): Promise<EditResult | undefined> {
  const row = full.row;
  const schema =
    Array.isArray(row.schema_0) && row.schema_0.length
      ? (row.schema_0 as Array<{ title?: unknown; points?: unknown }>)
      : [{ title: 'Score', points: full.summary.max ?? 7 }];
  const grade = Array.isArray(row.grade) ? (row.grade as Array<{ points?: unknown }>) : [];
  const human = (row.human_grade ?? undefined) as { points?: unknown; note?: unknown; reviewer?: unknown } | undefined;
  const humanPoints =
    human && Array.isArray(human.points)
      ? human.points
      : human && typeof human.points === 'number'
        ? [human.points]
        : [];
  const m = modal(`Human grade for ${full.summary.id}`);
  const inputs = schema.map((item, k) => {
    const max = typeof item?.points === 'number' ? item.points : undefined;
    const prefill =
      typeof humanPoints[k] === 'number' ? humanPoints[k] : typeof grade[k]?.points === 'number' ? grade[k].points : '';
    const input = textfield(
      {
        type: 'number',
        min: 0,
        max,
        step: 'any',
        required: true,
        name: `points-${k}`,
        'aria-label': `Points for ${String(item?.title ?? `item ${k + 1}`)}`,
      },
      String(prefill),
    );
    m.body.append(
      h(
        'label',
        { class: 'field' },
        `${String(item?.title ?? `Item ${k + 1}`)} (0–${max ?? '?'}, model: ${typeof grade[k]?.points === 'number' ? grade[k].points : '–'})`,
        input,
      ),
    );
    return { input, max };
  });
  const note = textarea(
    {
      rows: 4,
      name: 'note',
      'aria-label': 'Note',
      placeholder: 'Why this grade (markdown and $math$ allowed)',
      resize: 'vertical',
    },
    typeof human?.note === 'string' ? human.note : '',
  );
  const reviewer = textfield(
    { type: 'text', name: 'reviewer', 'aria-label': 'Reviewer' },
    typeof human?.reviewer === 'string' ? human.reviewer : reviewerDefault,
  );
  m.body.append(h('label', { class: 'field' }, 'Note', note), h('label', { class: 'field' }, 'Reviewer', reviewer));
  const save = button('Save', { 'data-action': 'save-override' });
  const remove = button('Remove human grade', { class: 'danger' }, true);
  const cancel = button('Cancel', {}, true);
  m.foot.append(cancel);
  if (human) m.foot.append(remove);
  m.foot.append(save);
  setTimeout(() => inputs[0]?.input.focus(), 0);
  return new Promise((resolve) => {
    const done = (v: EditResult | undefined) => {
      m.close();
      resolve(v);
    };
    m.dialog.addEventListener('cancel', () => done(undefined));
    cancel.addEventListener('click', () => done(undefined));
    const run = async (fn: () => Promise<EditResult>) => {
      save.disabled = remove.disabled = true;
      m.status.className = 'dialog-status busy';
      m.status.textContent = 'Saving…';
      try {
        done(await fn());
      } catch (e) {
        m.status.className = 'dialog-status error';
        m.status.textContent = (e as Error).message;
        save.disabled = remove.disabled = false;
      }
    };
    save.addEventListener('click', () => {
      const points = inputs.map(({ input }) => (input.value.trim() === '' ? NaN : Number(input.value)));
      const bad = points.findIndex(
        (p, k) => !Number.isFinite(p) || p < 0 || (inputs[k].max !== undefined && p > inputs[k].max),
      );
      if (bad >= 0) {
        m.status.className = 'dialog-status error';
        m.status.textContent = `Item ${bad + 1}: enter a number from 0 to ${inputs[bad].max ?? 'its maximum'}.`;
        inputs[bad].input.focus();
        return;
      }
      void run(() =>
        rpc.request('override', {
          file: full.file,
          index: full.index,
          expect: full.rev,
          points,
          note: note.value,
          reviewer: reviewer.value.trim() || undefined,
        }),
      );
    });
    remove.addEventListener(
      'click',
      () => void run(() => rpc.request('clearOverride', { file: full.file, index: full.index, expect: full.rev })),
    );
  });
}
