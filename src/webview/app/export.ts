// Export: the rows shown (or one row) as markdown, saved by the host or downloaded by the page.

import type { RowQuery } from '../../protocol';
import { h } from './dom';
import type { Rpc } from './rpc';
import { toast } from './dialogs';

/** Exports row `index` of `file`, or (without an index) the rows `query` shows, at most 2000. */
export async function exportRows(rpc: Rpc, file: number, query: RowQuery, index?: number): Promise<void> {
  try {
    const res = await rpc.request('export', {
      file,
      index,
      query: index === undefined ? query : undefined,
      limit: 2000,
    });
    if (res.saved) toast(`Saved ${res.rows} row(s) to ${res.saved}`);
    else if (res.markdown) {
      const a = h('a', {
        href: URL.createObjectURL(new Blob([res.markdown], { type: 'text/markdown' })),
        download: index === undefined ? 'rows.md' : `row-${index + 1}.md`,
      });
      document.body.append(a);
      a.click();
      a.remove();
      toast(`Exported ${res.rows} row(s) as markdown`);
    }
  } catch (e) {
    toast(`Export failed: ${(e as Error).message}`, true);
  }
}
