// A few formulas and some markdown, rendered once ahead of the first real text, so the renderer's
// code is compiled and its tables are built before a reader waits on them: in the page while its
// first row is on the way (rowPage.ts), in `qed view`'s server before it starts listening (the
// first screen it sends with a deep link, firstScreen.ts).

import { renderRich } from './index';

const SAMPLE =
  '**Warm-up.** Let $x_{n+1} = x_n^2 + c$ and $\\frac{a+b}{2} \\ge \\sqrt{ab}$, so\n$$\\sum_{k=1}^{n} k^2 = \\frac{n(n+1)(2n+1)}{6}, \\quad \\binom{2n}{n} \\mid p$$\n\n1. $f(x+y) = f(x) + f(y)$, *hence* $\\angle ABC = 90^\\circ$.\n2. `code` and $\\gcd(a, b) = 1$.';

export function warmUp(): void {
  renderRich(SAMPLE);
}
