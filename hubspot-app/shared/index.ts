export * from './api';
export * from './format';
export * from './States';
export * from './types';
export * from './useLoad';
export * from './CopyButton';
