export * from './levels';
export * from './policy';
export * from './rotation';
export * from './rules';
export * from './evaluate';
export * from './reference';
