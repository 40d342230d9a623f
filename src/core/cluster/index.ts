export * from './model';
export * from './scripts';
export * from './slurm';
export * from './launch';
