/**
 * The arbitrary-precision numbers of `@cortex-js/compute-engine`, in a module of their own: the
 * package is large (about 3 MB), so the bundles load it only when an answer needs it (see
 * `precise.ts`), from `dist/cas.js` beside them (esbuild.mjs builds it and points `./cas` there).
 */
export { BigDecimal } from '@cortex-js/compute-engine';
